"""Merchant operations and the state machine that allows or refuses them.

Every detailed status meets every operation in one table: an allowed operation changes the
transaction (or creates one) and logs exactly one operation; a refused one raises a clear
error and leaves the database exactly as it was.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pointage.core.errors import InvalidInput, NotFound, OperationNotAllowed
from pointage.core.statuses import DetailedStatus, OperationSource, OperationType, rolled_up
from pointage.db.session import unit_of_work
from pointage.payment.models import Operation, Transaction
from pointage.payment.repository import TransactionRepository
from pointage.payment.service import Actor, cancel, duplicate, modify, refund, validate
from pointage.shop.models import Shop
from tests.factories import IBAN_BANK_B, make_payment, make_shop

D = DetailedStatus
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, 11:00 in Paris
LATER = NOW + timedelta(hours=1)
TODAY = date(2026, 3, 2)
COMMENT = "asked by the customer on the phone"
AMOUNT = 10_000

ACTORS = {
    "validate": Actor("alice@merchant.example", OperationSource.BACK_OFFICE),
    "cancel": Actor("api:12345678", OperationSource.API),
    "modify_amount": Actor("bob@merchant.example", OperationSource.BACK_OFFICE),
    "modify_capture_date": Actor("api:12345678", OperationSource.API),
    "refund": Actor("alice@merchant.example", OperationSource.BACK_OFFICE),
    "duplicate": Actor("api:12345678", OperationSource.API),
}
KIND = {
    "validate": "validate",
    "cancel": "cancel",
    "modify_amount": "modify",
    "modify_capture_date": "modify",
    "refund": "refund",
    "duplicate": "duplicate",
}
BEFORE_CAPTURE_OPS = {"cancel", "modify_amount", "modify_capture_date"}

# What each detailed status of a payment allows (ARCHITECTURE.md §5, operations.py).
ALLOWED: dict[DetailedStatus, set[str]] = {
    D.AUTHORISED: BEFORE_CAPTURE_OPS,
    D.AUTHORISED_TO_VALIDATE: BEFORE_CAPTURE_OPS | {"validate"},
    D.WAITING_AUTHORISATION: BEFORE_CAPTURE_OPS,
    D.WAITING_AUTHORISATION_TO_VALIDATE: BEFORE_CAPTURE_OPS | {"validate"},
    D.CAPTURED: {"refund", "duplicate"},
    D.CAPTURE_FAILED: set(),
    D.REFUSED: set(),
    D.CANCELLED: {"duplicate"},
    D.EXPIRED: {"duplicate"},
    D.ACCEPTED: set(),
    D.UNDER_VERIFICATION: set(),
    D.SUSPENDED: set(),
}
VALIDATED = {
    D.AUTHORISED_TO_VALIDATE: D.AUTHORISED,
    D.WAITING_AUTHORISATION_TO_VALIDATE: D.WAITING_AUTHORISATION,
}
CASES = [(status, op) for status in D for op in ACTORS]
ALLOWED_CASES = [pytest.param(s, op, id=f"{s}-{op}") for s, op in CASES if op in ALLOWED[s]]
REFUSED_CASES = [pytest.param(s, op, id=f"{s}-{op}") for s, op in CASES if op not in ALLOWED[s]]


@pytest.fixture
def shop(session: Session) -> Shop:
    return make_shop(session).shop


def _payment(session: Session, shop: Shop, status: DetailedStatus = D.AUTHORISED) -> Transaction:
    return make_payment(session, shop, status=status, amount_minor=AMOUNT, created_at=NOW)


def _run(operation: str, session: Session, shop: Shop, tx: Transaction) -> Transaction:
    actor = ACTORS[operation]
    common: dict[str, Any] = {"comment": COMMENT, "now": LATER}
    if operation == "validate":
        return validate(session, tx, actor, **common)
    if operation == "cancel":
        return cancel(session, tx, actor, **common)
    if operation == "modify_amount":
        return modify(session, shop, tx, actor, amount_minor=6_000, **common)
    if operation == "modify_capture_date":
        return modify(session, shop, tx, actor, capture_date=TODAY + timedelta(days=3), **common)
    if operation == "refund":
        return refund(session, shop, tx, actor, amount_minor=4_000, **common)
    return duplicate(session, shop, tx, actor, **common)


def _stored(session: Session, pk: int) -> dict[str, Any]:
    """The transaction's row as the database holds it (after flushing whatever is pending)."""
    session.flush()
    table = Transaction.__table__
    return dict(session.execute(select(table).where(table.c.id == pk)).mappings().one())


def _counts(session: Session) -> tuple[int, int]:
    repo = TransactionRepository(session)
    return repo.count(), repo.count_operations()


def _last_operation(session: Session) -> Operation:
    session.flush()
    session.expire_all()  # read back what was stored, not the objects in memory
    operation = session.scalars(select(Operation).order_by(Operation.id.desc()).limit(1)).one()
    return operation


def _state(status: DetailedStatus, amount: int, capture: date) -> dict[str, Any]:
    return {
        "detailed_status": status.value,
        "status": rolled_up(status).value,
        "amount_minor": amount,
        "currency": "EUR",
        "expected_capture_date": capture.isoformat(),
    }


def test_the_table_covers_every_status() -> None:
    assert set(ALLOWED) == set(DetailedStatus)
    assert len(ALLOWED_CASES) + len(REFUSED_CASES) == len(DetailedStatus) * 6


@pytest.mark.parametrize(("status", "operation"), ALLOWED_CASES)
def test_an_allowed_operation_changes_the_transaction_and_logs_it(
    session: Session, shop: Shop, status: DetailedStatus, operation: str
) -> None:
    tx = _payment(session, shop, status)
    transactions, operations = _counts(session)

    result = _run(operation, session, shop, tx)

    logged = _last_operation(session)
    assert _counts(session)[1] == operations + 1
    actor = ACTORS[operation]
    assert (logged.kind, logged.source, logged.actor) == (KIND[operation], actor.source, actor.name)
    assert (logged.comment, logged.at, logged.shop_id) == (COMMENT, LATER, shop.id)
    if operation in {"refund", "duplicate"}:
        _assert_new_transaction(session, tx, result, operation, logged)
        assert _counts(session)[0] == transactions + 1
        return
    expected = {
        "validate": (VALIDATED.get(status, status), AMOUNT, TODAY),
        "cancel": (D.CANCELLED, AMOUNT, TODAY),
        "modify_amount": (status, 6_000, TODAY),
        "modify_capture_date": (status, AMOUNT, TODAY + timedelta(days=3)),
    }[operation]
    stored = _stored(session, tx.id)
    assert result.id == tx.id
    assert (stored["detailed_status"], stored["amount_minor"]) == (expected[0], expected[1])
    assert (stored["expected_capture_date"], stored["status"]) == (
        expected[2],
        rolled_up(expected[0]),
    )
    assert stored["original_amount_minor"] == AMOUNT
    assert logged.transaction_pk == tx.id
    assert logged.before == _state(status, AMOUNT, TODAY)
    assert logged.after == _state(*expected)
    assert _counts(session)[0] == transactions


def _assert_new_transaction(
    session: Session, source: Transaction, new: Transaction, operation: str, logged: Operation
) -> None:
    unchanged = _stored(session, source.id)
    assert unchanged["detailed_status"] == source.detailed_status
    assert unchanged["amount_minor"] == AMOUNT
    stored = _stored(session, new.id)
    kind, amount = (
        (OperationType.CREDIT, 4_000) if operation == "refund" else (OperationType.DEBIT, AMOUNT)
    )
    assert stored["operation_type"] == kind
    assert (stored["amount_minor"], stored["original_amount_minor"]) == (amount, amount)
    assert stored["detailed_status"] == D.AUTHORISED
    assert stored["parent_id"] == source.id
    assert stored["uuid"] != source.uuid
    assert (stored["transaction_date"], stored["expected_capture_date"]) == (TODAY, TODAY)
    assert (stored["card_masked"], stored["contract_id"]) == (
        source.card_masked,
        source.contract_id,
    )
    assert logged.transaction_pk == new.id
    assert logged.before is None
    assert logged.after == _state(D.AUTHORISED, amount, TODAY)


@pytest.mark.parametrize(("status", "operation"), REFUSED_CASES)
def test_a_refused_operation_changes_nothing(
    session: Session, shop: Shop, status: DetailedStatus, operation: str
) -> None:
    tx = _payment(session, shop, status)
    row, counts = _stored(session, tx.id), _counts(session)
    verb = operation.split("_")[0]

    with pytest.raises(OperationNotAllowed, match=rf"^cannot {verb} transaction") as caught:
        _run(operation, session, shop, tx)

    assert f"{tx.uuid} ({status})" in caught.value.message
    assert caught.value.code == "operation_not_allowed"
    assert _stored(session, tx.id) == row
    assert _counts(session) == counts


# --- refunds -------------------------------------------------------------------------------


def _refund(session: Session, shop: Shop, payment: Transaction, amount: int | None) -> Transaction:
    return refund(session, shop, payment, ACTORS["refund"], amount_minor=amount, now=LATER)


def test_partial_refunds_may_add_up_to_the_captured_amount_exactly(
    session: Session, shop: Shop
) -> None:
    payment = _payment(session, shop, D.CAPTURED)
    first = _refund(session, shop, payment, 3_000)
    rest = _refund(session, shop, payment, None)  # the rest, by default
    assert (first.amount_minor, rest.amount_minor) == (3_000, 7_000)
    assert TransactionRepository(session).refunded_total(payment.id) == AMOUNT

    row, counts = _stored(session, payment.id), _counts(session)
    with pytest.raises(OperationNotAllowed, match="at most 0"):
        _refund(session, shop, payment, 1)
    with pytest.raises(OperationNotAllowed, match="at most 0"):
        _refund(session, shop, payment, None)
    assert (_stored(session, payment.id), _counts(session)) == (row, counts)


def test_one_minor_unit_above_the_captured_amount_is_refused(session: Session, shop: Shop) -> None:
    payment = _payment(session, shop, D.CAPTURED)
    _refund(session, shop, payment, 2_500)
    counts = _counts(session)
    with pytest.raises(OperationNotAllowed, match=r"at most 7500 \(not yet refunded\)"):
        _refund(session, shop, payment, 7_501)
    assert _counts(session) == counts
    assert _refund(session, shop, payment, 7_500).amount_minor == 7_500


def test_concurrent_refunds_never_add_up_above_the_captured_amount(
    session_factory: sessionmaker[Session],
) -> None:
    with unit_of_work(session_factory) as setup:
        shop = make_shop(setup).shop
        shop_pk, payment_pk = shop.id, _payment(setup, shop, D.CAPTURED).id
    outcome: list[str] = []

    def refund_from_another_session() -> None:
        with session_factory() as other:
            try:
                payment = other.get_one(Transaction, payment_pk)
                _refund(other, other.get_one(Shop, shop_pk), payment, 6_000)
                other.commit()
                outcome.append("refunded")
            except OperationNotAllowed:
                outcome.append("refused")

    with session_factory() as first:
        _refund(first, first.get_one(Shop, shop_pk), first.get_one(Transaction, payment_pk), 6_000)
        racer = threading.Thread(target=refund_from_another_session)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive(), "the second refund must wait for the first one's lock"
        first.commit()
    racer.join(timeout=30)
    assert outcome == ["refused"]
    with session_factory() as check:
        assert TransactionRepository(check).refunded_total(payment_pk) == 6_000


@pytest.mark.parametrize("amount", [0, -100])
def test_a_refund_of_nothing_is_refused(session: Session, shop: Shop, amount: int) -> None:
    payment = _payment(session, shop, D.CAPTURED)
    counts = _counts(session)
    with pytest.raises(OperationNotAllowed, match="must be above 0"):
        _refund(session, shop, payment, amount)
    assert _counts(session) == counts


def test_a_refund_cannot_be_refunded(session: Session, shop: Shop) -> None:
    payment = _payment(session, shop, D.CAPTURED)
    credit = _refund(session, shop, payment, 1_000)
    credit.detailed_status = D.CAPTURED.value
    credit.status = rolled_up(D.CAPTURED).value
    session.flush()
    row, counts = _stored(session, credit.id), _counts(session)
    with pytest.raises(OperationNotAllowed, match=r"only a payment \(DEBIT\) can be refunded"):
        _refund(session, shop, credit, 500)
    assert (_stored(session, credit.id), _counts(session)) == (row, counts)


def test_a_cancelled_refund_no_longer_counts(session: Session, shop: Shop) -> None:
    payment = _payment(session, shop, D.CAPTURED)
    credit = _refund(session, shop, payment, None)
    assert credit.amount_minor == AMOUNT
    cancelled = cancel(session, credit, ACTORS["cancel"], now=LATER)
    assert cancelled.detailed_status == D.CANCELLED
    assert TransactionRepository(session).refunded_total(payment.id) == 0
    assert _refund(session, shop, payment, None).amount_minor == AMOUNT


def test_a_pending_refund_may_be_lowered_before_its_capture(session: Session, shop: Shop) -> None:
    payment = _payment(session, shop, D.CAPTURED)
    credit = _refund(session, shop, payment, 6_000)
    modify(session, shop, credit, ACTORS["modify_amount"], amount_minor=2_000, now=LATER)
    assert TransactionRepository(session).refunded_total(payment.id) == 2_000
    assert _refund(session, shop, payment, None).amount_minor == 8_000


# --- modify ----------------------------------------------------------------------------------


def _modify(session: Session, shop: Shop, tx: Transaction, **changes: Any) -> Transaction:
    return modify(session, shop, tx, ACTORS["modify_amount"], now=LATER, **changes)


@pytest.mark.parametrize(
    ("amount", "message"),
    [(AMOUNT + 1, "at most 10000"), (0, "above 0"), (-1, "above 0")],
)
def test_the_amount_only_goes_down_and_stays_above_zero(
    session: Session, shop: Shop, amount: int, message: str
) -> None:
    tx = _payment(session, shop)
    row, counts = _stored(session, tx.id), _counts(session)
    with pytest.raises(OperationNotAllowed, match=message):
        _modify(session, shop, tx, amount_minor=amount)
    assert (_stored(session, tx.id), _counts(session)) == (row, counts)


def test_a_lowered_amount_cannot_go_back_up(session: Session, shop: Shop) -> None:
    tx = _payment(session, shop)
    _modify(session, shop, tx, amount_minor=8_000)
    with pytest.raises(OperationNotAllowed, match="at most 8000"):
        _modify(session, shop, tx, amount_minor=9_000)
    assert _stored(session, tx.id)["original_amount_minor"] == AMOUNT


def test_modify_needs_something_to_change(session: Session, shop: Shop) -> None:
    tx = _payment(session, shop)
    counts = _counts(session)
    with pytest.raises(InvalidInput, match="new amount or a new capture date"):
        _modify(session, shop, tx)
    assert _counts(session) == counts


@pytest.mark.parametrize(
    ("capture", "message"),
    [
        (TODAY - timedelta(days=1), "cannot be in the past"),
        (TODAY + timedelta(days=366), "over 365 days"),
    ],
)
def test_capture_date_outside_the_allowed_window_is_refused(
    session: Session, shop: Shop, capture: date, message: str
) -> None:
    tx = _payment(session, shop)
    row, counts = _stored(session, tx.id), _counts(session)
    with pytest.raises(OperationNotAllowed, match=message):
        _modify(session, shop, tx, capture_date=capture)
    assert (_stored(session, tx.id), _counts(session)) == (row, counts)


def test_today_counts_in_the_shop_time_zone(session: Session, shop: Shop) -> None:
    tx = _payment(session, shop)
    # 23:30 UTC on 2 March is already 3 March in Paris: 2 March is in the past there.
    late_evening = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    with pytest.raises(OperationNotAllowed, match="in the past"):
        modify(session, shop, tx, ACTORS["modify_amount"], capture_date=TODAY, now=late_evening)


@pytest.mark.parametrize(
    ("status", "days", "expected"),
    [
        (D.AUTHORISED, 7, D.AUTHORISED),  # the authorisation still holds on day 7
        (D.AUTHORISED, 8, D.WAITING_AUTHORISATION),
        (D.AUTHORISED_TO_VALIDATE, 8, D.WAITING_AUTHORISATION_TO_VALIDATE),
        (D.WAITING_AUTHORISATION, 30, D.WAITING_AUTHORISATION),
        (D.WAITING_AUTHORISATION_TO_VALIDATE, 2, D.WAITING_AUTHORISATION_TO_VALIDATE),
    ],
)
def test_deferring_past_the_authorisation_validity_waits_for_a_new_one(
    session: Session, shop: Shop, status: DetailedStatus, days: int, expected: DetailedStatus
) -> None:
    tx = _payment(session, shop, status)
    _modify(session, shop, tx, capture_date=TODAY + timedelta(days=days))
    stored = _stored(session, tx.id)
    assert stored["detailed_status"] == expected
    assert stored["status"] == rolled_up(expected)
    assert stored["expected_capture_date"] == TODAY + timedelta(days=days)


def test_amount_and_capture_date_in_one_operation(session: Session, shop: Shop) -> None:
    tx = _payment(session, shop)
    operations = _counts(session)[1]
    _modify(session, shop, tx, amount_minor=5_000, capture_date=TODAY + timedelta(days=10))
    logged = _last_operation(session)
    assert _counts(session)[1] == operations + 1
    assert logged.after == _state(D.WAITING_AUTHORISATION, 5_000, TODAY + timedelta(days=10))


# --- duplicate -------------------------------------------------------------------------------


def _duplicate(session: Session, shop: Shop, source: Transaction, **options: Any) -> Transaction:
    return duplicate(session, shop, source, ACTORS["duplicate"], now=LATER, **options)


def test_duplicate_creates_a_new_payment_of_the_original_amount(
    session: Session, shop: Shop
) -> None:
    source = _payment(session, shop)
    _modify(session, shop, source, amount_minor=6_000)
    cancel(session, source, ACTORS["cancel"], now=LATER)

    copy = _duplicate(session, shop, source)

    assert copy.id != source.id
    assert (copy.uuid, copy.transaction_id) != (source.uuid, source.transaction_id)
    assert copy.operation_type == OperationType.DEBIT
    assert (copy.amount_minor, copy.original_amount_minor) == (AMOUNT, AMOUNT)
    assert copy.parent_id == source.id
    assert (copy.order_id, copy.card_masked) == (source.order_id, source.card_masked)
    assert copy.detailed_status == D.AUTHORISED
    assert _stored(session, source.id)["detailed_status"] == D.CANCELLED


def test_duplicate_with_another_amount_order_and_capture_date(session: Session, shop: Shop) -> None:
    source = _payment(session, shop, D.CAPTURED)
    copy = _duplicate(
        session,
        shop,
        source,
        amount_minor=25_000,
        order_id="ORDER-2",
        capture_date=TODAY + timedelta(days=10),
    )
    assert (copy.amount_minor, copy.order_id) == (25_000, "ORDER-2")
    assert copy.expected_capture_date == TODAY + timedelta(days=10)
    assert copy.detailed_status == D.WAITING_AUTHORISATION  # past the 7-day validity


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, D.AUTHORISED_TO_VALIDATE), (8, D.WAITING_AUTHORISATION_TO_VALIDATE)],
)
def test_duplicate_with_manual_validation(
    session: Session, shop: Shop, days: int, expected: DetailedStatus
) -> None:
    source = _payment(session, shop, D.EXPIRED)
    copy = _duplicate(
        session, shop, source, manual_validation=True, capture_date=TODAY + timedelta(days=days)
    )
    assert copy.detailed_status == expected
    assert copy.status == rolled_up(expected) == "RUNNING"


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"amount_minor": 0}, "amount"),
        ({"amount_minor": -1}, "amount"),
        ({"amount_minor": 10**13 + 1}, "amount"),
        ({"capture_date": TODAY - timedelta(days=1)}, "capture_date"),
        ({"capture_date": TODAY + timedelta(days=366)}, "capture_date"),
    ],
)
def test_duplicate_refuses_bad_arguments(
    session: Session, shop: Shop, options: dict[str, Any], param: str
) -> None:
    source = _payment(session, shop, D.CAPTURED)
    counts = _counts(session)
    with pytest.raises(InvalidInput) as caught:
        _duplicate(session, shop, source, **options)
    assert caught.value.param == param
    assert _counts(session) == counts


def test_a_refund_cannot_be_duplicated(session: Session, shop: Shop) -> None:
    payment = _payment(session, shop, D.CAPTURED)
    credit = _refund(session, shop, payment, 1_000)
    cancel(session, credit, ACTORS["cancel"], now=LATER)
    counts = _counts(session)
    with pytest.raises(OperationNotAllowed, match=r"only a payment \(DEBIT\) can be duplicated"):
        _duplicate(session, shop, credit)
    assert _counts(session) == counts


def test_transaction_ids_are_unique_per_shop_and_day(session: Session, shop: Shop) -> None:
    source = _payment(session, shop, D.CAPTURED)
    copies = [_duplicate(session, shop, source) for _ in range(40)]
    ids = {source.transaction_id} | {copy.transaction_id for copy in copies}
    assert len(ids) == 41
    assert all(len(i) == 6 and i.isdigit() for i in ids)


def test_a_new_transaction_id_skips_the_ones_taken(
    session: Session, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _payment(session, shop, D.CAPTURED)
    taken = int(source.transaction_id)
    draws = iter([taken, taken, 424_242])
    monkeypatch.setattr("pointage.payment.service.common.secrets.randbelow", lambda _: next(draws))
    assert _duplicate(session, shop, source).transaction_id == "424242"


# --- another shop's transaction --------------------------------------------------------------


@pytest.mark.parametrize(
    "operation", ["modify_amount", "modify_capture_date", "refund", "duplicate"]
)
def test_operations_through_another_shop_find_nothing(
    session: Session, shop: Shop, operation: str
) -> None:
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B).shop
    tx = _payment(
        session, shop, D.CAPTURED if operation in {"refund", "duplicate"} else D.AUTHORISED
    )
    row, counts = _stored(session, tx.id), _counts(session)
    with pytest.raises(NotFound, match=f"transaction {tx.uuid} not found"):
        _run(operation, session, other, tx)
    assert (_stored(session, tx.id), _counts(session)) == (row, counts)
