"""Ingestion of the gateway's reports: validation, idempotency, forward-only updates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pointage.core.errors import Conflict, InvalidInput, NotFound
from pointage.core.statuses import DetailedStatus, OperationSource, OperationType
from pointage.payment.models import Operation, Transaction
from pointage.payment.repository import TransactionRepository
from pointage.payment.service import Actor, IncomingTransaction, ingest, validate
from pointage.shop import service as shop_service
from pointage.shop.models import Shop
from tests.factories import IBAN_BANK_B, TEST_ACTOR, ShopSetup, make_payment, make_shop

D = DetailedStatus
AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
GATEWAY = Actor("gateway", OperationSource.IPN)
UUID = "0123456789abcdef0123456789abcdef"
FULL_PAN = "4970101234560044"


def _report(**changes: Any) -> IncomingTransaction:
    values: dict[str, Any] = {
        "operation_type": OperationType.DEBIT,
        "amount_minor": 10_000,
        "currency": "EUR",
        "detailed_status": D.AUTHORISED,
        "created_at": AT,
        "uuid": UUID,
        "order_id": "ORDER-1",
        "card_brand": "cb",
        "card_masked": "497010******0044",
    }
    return IncomingTransaction(**(values | changes))


@pytest.fixture
def setup(session: Session) -> ShopSetup:
    return make_shop(session)


@pytest.fixture
def shop(setup: ShopSetup) -> Shop:
    return setup.shop


def _stored(session: Session, uuid: str = UUID) -> dict[str, Any]:
    session.flush()
    table = Transaction.__table__
    return dict(session.execute(select(table).where(table.c.uuid == uuid)).mappings().one())


def _counts(session: Session) -> tuple[int, int]:
    repo = TransactionRepository(session)
    return repo.count(), repo.count_operations()


def _operations(session: Session, tx: Transaction) -> list[Operation]:
    session.flush()
    return list(TransactionRepository(session).operations_of(tx.id))


def test_a_new_report_creates_the_transaction_and_logs_it(session: Session, shop: Shop) -> None:
    result = ingest(session, shop, _report(transaction_id="A1b2C3"), GATEWAY)
    assert (result.created, result.changed) == (True, True)
    stored = _stored(session)
    assert stored["transaction_id"] == "A1b2C3"
    assert (stored["amount_minor"], stored["original_amount_minor"]) == (10_000, 10_000)
    assert (stored["detailed_status"], stored["status"]) == ("AUTHORISED", "PAID")
    assert (stored["card_brand"], stored["card_masked"]) == ("CB", "497010XXXXXX0044")
    assert stored["created_at"] == AT
    [created] = _operations(session, result.transaction)
    assert (created.kind, created.source, created.actor, created.at) == (
        "create",
        "ipn",
        "gateway",
        AT,
    )
    assert created.before is None
    assert created.after is not None and created.after["detailed_status"] == "AUTHORISED"


def test_a_replayed_report_changes_nothing(session: Session, shop: Shop) -> None:
    ingest(session, shop, _report(), GATEWAY)
    row, counts = _stored(session), _counts(session)
    result = ingest(session, shop, _report(), GATEWAY)
    assert (result.created, result.changed) == (False, False)
    assert (_stored(session), _counts(session)) == (row, counts)


def test_a_later_report_moves_the_status_forward_and_logs_an_update(
    session: Session, shop: Shop
) -> None:
    first = ingest(session, shop, _report(detailed_status=D.WAITING_AUTHORISATION), GATEWAY)
    later = ingest(
        session,
        shop,
        _report(detailed_status=D.AUTHORISED, authorisation_number="654321"),
        Actor("gateway", OperationSource.API),
    )
    assert (later.created, later.changed) == (False, True)
    assert later.transaction.id == first.transaction.id
    stored = _stored(session)
    assert (stored["detailed_status"], stored["status"]) == ("AUTHORISED", "PAID")
    assert stored["authorisation_number"] == "654321"
    create, update = _operations(session, first.transaction)
    assert (create.kind, update.kind, update.source) == ("create", "update", "api")
    assert update.before is not None and update.after is not None
    assert update.before["detailed_status"] == "WAITING_AUTHORISATION"
    assert (update.after["detailed_status"], update.after["status"]) == ("AUTHORISED", "PAID")


def test_a_later_report_may_lower_the_amount(session: Session, shop: Shop) -> None:
    ingest(session, shop, _report(), GATEWAY)
    assert ingest(session, shop, _report(amount_minor=8_000), GATEWAY).changed
    stored = _stored(session)
    assert (stored["amount_minor"], stored["original_amount_minor"]) == (8_000, 10_000)


def test_a_later_report_cannot_raise_the_amount(session: Session, shop: Shop) -> None:
    ingest(session, shop, _report(detailed_status=D.WAITING_AUTHORISATION), GATEWAY)
    row, counts = _stored(session), _counts(session)
    with pytest.raises(InvalidInput, match="cannot raise the amount") as caught:
        ingest(session, shop, _report(amount_minor=10_001), GATEWAY)
    assert caught.value.param == "amount"
    assert (_stored(session), _counts(session)) == (row, counts)


FINAL = [D.CAPTURED, D.CAPTURE_FAILED, D.REFUSED, D.CANCELLED, D.EXPIRED, D.ACCEPTED]


@pytest.mark.parametrize("final", FINAL)
@pytest.mark.parametrize("later", [D.AUTHORISED, D.CANCELLED, D.CAPTURED])
def test_a_report_after_a_final_status_is_ignored(
    session: Session, shop: Shop, final: DetailedStatus, later: DetailedStatus
) -> None:
    ingest(session, shop, _report(detailed_status=final), GATEWAY)
    row, counts = _stored(session), _counts(session)
    result = ingest(session, shop, _report(detailed_status=later, amount_minor=20_000), GATEWAY)
    assert (result.created, result.changed) == (False, False)
    assert (_stored(session), _counts(session)) == (row, counts)


@pytest.mark.parametrize(
    ("known", "late"),
    [
        (D.AUTHORISED, D.AUTHORISED_TO_VALIDATE),  # would undo the merchant's validation
        (D.WAITING_AUTHORISATION, D.WAITING_AUTHORISATION_TO_VALIDATE),
        (D.AUTHORISED, D.WAITING_AUTHORISATION),  # would undo an authorisation
        (D.AUTHORISED_TO_VALIDATE, D.WAITING_AUTHORISATION_TO_VALIDATE),
        (D.AUTHORISED, D.WAITING_AUTHORISATION_TO_VALIDATE),
    ],
)
def test_a_late_report_never_moves_a_transaction_back(
    session: Session, shop: Shop, known: DetailedStatus, late: DetailedStatus
) -> None:
    ingest(session, shop, _report(detailed_status=known), GATEWAY)
    row, counts = _stored(session), _counts(session)
    assert not ingest(session, shop, _report(detailed_status=late), GATEWAY).changed
    assert (_stored(session), _counts(session)) == (row, counts)


def test_the_merchants_validation_survives_a_replayed_notification(
    session: Session, shop: Shop
) -> None:
    report = _report(detailed_status=D.AUTHORISED_TO_VALIDATE)
    tx = ingest(session, shop, report, GATEWAY).transaction
    validate(session, tx, Actor("alice", OperationSource.BACK_OFFICE))
    assert not ingest(session, shop, report, GATEWAY).changed
    assert _stored(session)["detailed_status"] == "AUTHORISED"


@pytest.mark.parametrize(
    ("known", "later"),
    [
        (D.WAITING_AUTHORISATION_TO_VALIDATE, D.AUTHORISED_TO_VALIDATE),
        (D.AUTHORISED_TO_VALIDATE, D.AUTHORISED),
        (D.UNDER_VERIFICATION, D.AUTHORISED_TO_VALIDATE),
        (D.SUSPENDED, D.AUTHORISED),
        (D.AUTHORISED, D.REFUSED),
    ],
)
def test_forward_moves_are_applied(
    session: Session, shop: Shop, known: DetailedStatus, later: DetailedStatus
) -> None:
    ingest(session, shop, _report(detailed_status=known), GATEWAY)
    assert ingest(session, shop, _report(detailed_status=later), GATEWAY).changed
    assert _stored(session)["detailed_status"] == later


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"currency": "USD"}, "currency"),
        ({"operation_type": OperationType.VERIFICATION}, "operation_type"),
    ],
)
def test_a_later_report_describing_another_transaction_is_refused(
    session: Session, shop: Shop, changes: dict[str, Any], param: str
) -> None:
    ingest(session, shop, _report(detailed_status=D.WAITING_AUTHORISATION), GATEWAY)
    row, counts = _stored(session), _counts(session)
    with pytest.raises(Conflict, match=f"transaction {UUID} is") as caught:
        ingest(session, shop, _report(**changes), GATEWAY)
    assert caught.value.param == param
    assert (_stored(session), _counts(session)) == (row, counts)


def test_the_uuid_of_another_shops_transaction_is_a_conflict(session: Session, shop: Shop) -> None:
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B).shop
    ingest(session, other, _report(), GATEWAY)
    row, counts = _stored(session), _counts(session)
    with pytest.raises(Conflict, match="belongs to another transaction") as caught:
        ingest(session, shop, _report(detailed_status=D.CANCELLED), GATEWAY)
    assert caught.value.param == "uuid"
    assert (_stored(session), _counts(session)) == (row, counts)


BAD_REPORTS = [
    ({"uuid": "XYZ"}, "uuid"),
    ({"uuid": UUID.upper()}, "uuid"),
    ({"uuid": UUID[:-1]}, "uuid"),
    ({"uuid": UUID + "0"}, "uuid"),
    ({"transaction_id": "12345"}, "transaction_id"),
    ({"transaction_id": "1234567"}, "transaction_id"),
    ({"transaction_id": "12-456"}, "transaction_id"),
    ({"currency": "EURO"}, "currency"),
    ({"currency": "eur"}, "currency"),
    ({"currency": "XXX"}, "currency"),
    ({"created_at": datetime(2026, 3, 2, 10, 0)}, "created_at"),  # noqa: DTZ001 - the point
    ({"amount_minor": 0}, "amount"),
    ({"amount_minor": -100}, "amount"),
    ({"amount_minor": 10**13 + 1}, "amount"),
    ({"original_amount_minor": 9_999}, "original_amount"),
    ({"card_masked": "4970XXXXXX0044"}, "card_masked"),
    ({"card_masked": FULL_PAN}, "card_masked"),
    ({"operation_type": OperationType.CREDIT}, "parent_uuid"),
]


@pytest.mark.parametrize(("changes", "param"), BAD_REPORTS)
def test_a_bad_report_is_refused_naming_the_field(
    session: Session, shop: Shop, changes: dict[str, Any], param: str
) -> None:
    counts = _counts(session)
    with pytest.raises(InvalidInput) as caught:
        ingest(session, shop, _report(**changes), GATEWAY)
    assert caught.value.param == param
    assert _counts(session) == counts


def test_a_full_card_number_is_neither_stored_nor_echoed(session: Session, shop: Shop) -> None:
    with pytest.raises(InvalidInput, match="full card number") as caught:
        ingest(session, shop, _report(card_masked=FULL_PAN), GATEWAY)
    assert FULL_PAN not in str(caught.value)
    assert FULL_PAN[6:12] not in str(caught.value)
    session.flush()
    assert session.scalars(select(Transaction)).all() == []


def test_a_card_verification_may_have_no_amount(session: Session, shop: Shop) -> None:
    report = _report(operation_type=OperationType.VERIFICATION, amount_minor=0)
    result = ingest(session, shop, replace(report, detailed_status=D.ACCEPTED), GATEWAY)
    assert (result.transaction.amount_minor, result.transaction.status) == (0, "PAID")


def test_a_refund_is_linked_to_its_payment(session: Session, shop: Shop) -> None:
    payment = ingest(session, shop, _report(detailed_status=D.CAPTURED), GATEWAY).transaction
    credit = ingest(
        session,
        shop,
        _report(
            uuid="f" * 32, operation_type=OperationType.CREDIT, amount_minor=4_000, parent_uuid=UUID
        ),
        GATEWAY,
    ).transaction
    assert credit.parent_id == payment.id
    assert credit.operation_type == "CREDIT"


@pytest.mark.parametrize("parent", ["another shop", "unknown"])
def test_a_refund_of_a_payment_not_of_this_shop_is_not_found(
    session: Session, shop: Shop, parent: str
) -> None:
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B).shop
    ingest(session, other, _report(detailed_status=D.CAPTURED), GATEWAY)
    parent_uuid = UUID if parent == "another shop" else "e" * 32
    counts = _counts(session)
    credit = _report(uuid="f" * 32, operation_type=OperationType.CREDIT, parent_uuid=parent_uuid)
    with pytest.raises(NotFound, match=f"payment {parent_uuid} not found") as caught:
        ingest(session, shop, credit, GATEWAY)
    assert caught.value.param == "parent_uuid"
    assert _counts(session) == counts


def test_the_contract_is_chosen_by_card_brand(session: Session, setup: ShopSetup) -> None:
    amex = shop_service.create_contract(
        session, setup.shop, setup.bank_account, number="AMEX01", acquirer="Amex", brands="AMEX"
    )
    cards = setup.contract  # CB, VISA, MASTERCARD
    chosen = {
        brand: ingest(session, setup.shop, _report(uuid=None, card_brand=brand), GATEWAY)
        for brand in ("amex", "VISA", "CB", None)
    }
    assert chosen["amex"].transaction.contract_id == amex.id
    assert chosen["VISA"].transaction.contract_id == cards.id
    assert chosen["CB"].transaction.contract_id == cards.id
    assert chosen[None].transaction.contract_id == cards.id  # no brand: the first contract


def test_a_named_contract_must_be_one_of_the_shop(session: Session, setup: ShopSetup) -> None:
    explicit = ingest(session, setup.shop, _report(contract_number=setup.contract.number), GATEWAY)
    assert explicit.transaction.contract_id == setup.contract.id
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    counts = _counts(session)
    for number in (other.contract.number, "NOPE"):
        with pytest.raises(InvalidInput, match=f"contract {number} is not a contract") as caught:
            ingest(session, setup.shop, _report(uuid=None, contract_number=number), GATEWAY)
        assert caught.value.param == "contract_number"
    assert _counts(session) == counts


@pytest.mark.parametrize(
    ("timezone", "day"),
    [
        ("Europe/Paris", date(2026, 4, 1)),
        ("UTC", date(2026, 3, 31)),
        ("America/Martinique", date(2026, 3, 31)),
    ],
)
def test_the_transaction_date_is_the_day_in_the_shop_time_zone(
    session: Session, timezone: str, day: date
) -> None:
    merchant = shop_service.create_merchant(session, "Merchant")
    shop = shop_service.create_shop(
        session, merchant, shop_id="12345678", name="S", timezone=timezone
    )
    # 23:30 UTC on 31 March is 01:30 on 1 April in Paris (summer time since 29 March).
    tx = ingest(
        session, shop, _report(created_at=datetime(2026, 3, 31, 23, 30, tzinfo=UTC)), GATEWAY
    )
    assert tx.transaction.transaction_date == day
    assert tx.transaction.expected_capture_date == day


def test_transaction_ids_are_unique_per_shop_and_day(session: Session, shop: Shop) -> None:
    ingest(session, shop, _report(transaction_id="000001"), GATEWAY)
    counts = _counts(session)
    with pytest.raises(Conflict, match="000001 is already used on 2026-03-02") as caught:
        ingest(session, shop, _report(uuid="a" * 32, transaction_id="000001"), GATEWAY)
    assert caught.value.param == "transaction_id"
    assert _counts(session) == counts
    next_day = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    ingest(
        session, shop, _report(uuid="b" * 32, transaction_id="000001", created_at=next_day), GATEWAY
    )
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B).shop
    ingest(session, other, _report(uuid="c" * 32, transaction_id="000001"), GATEWAY)
    assert _counts(session)[0] == counts[0] + 2


def test_without_a_uuid_or_transaction_id_new_ones_are_given(session: Session, shop: Shop) -> None:
    first = ingest(session, shop, _report(uuid=None), GATEWAY).transaction
    second = ingest(session, shop, _report(uuid=None), GATEWAY).transaction
    assert len(first.uuid) == 32 and first.uuid != second.uuid
    assert first.transaction_id != second.transaction_id


def test_a_report_racing_another_for_the_same_new_uuid_becomes_a_replay(
    session, session_factory, monkeypatch
):
    """Two notifications of one payment at once: the second's insert hits the unique uuid
    and is treated as a later report instead of failing with a database error."""
    setup = make_shop(session)
    session.commit()
    first = make_payment(session, setup.shop, amount_minor=5_000)
    session.commit()
    uuid = first.uuid

    other = session_factory()
    try:
        shop = other.merge(setup.shop)
        real_lookup = TransactionRepository.by_uuid_for_update
        calls = {"n": 0}

        def miss_once(self, wanted):
            calls["n"] += 1
            return None if calls["n"] == 1 else real_lookup(self, wanted)

        monkeypatch.setattr(TransactionRepository, "by_uuid_for_update", miss_once)
        incoming = IncomingTransaction(
            uuid=uuid,
            transaction_id=first.transaction_id,
            operation_type=OperationType.DEBIT,
            amount_minor=5_000,
            currency="EUR",
            detailed_status=DetailedStatus.AUTHORISED,
            created_at=first.created_at,
        )
        result = ingest(other, shop, incoming, TEST_ACTOR)
        other.commit()
    finally:
        other.close()
    assert (result.created, result.changed) == (False, False)
    assert session.scalar(select(func.count()).select_from(Transaction)) == 1


def test_a_refund_reported_above_what_is_left_to_refund_is_refused(session):
    setup = make_shop(session)
    payment = make_payment(session, setup.shop, amount_minor=1_000, status=DetailedStatus.CAPTURED)
    make_payment(
        session,
        setup.shop,
        amount_minor=600,
        operation_type=OperationType.CREDIT,
        parent_uuid=payment.uuid,
        order_id="R1",
    )
    with pytest.raises(InvalidInput) as refused:
        make_payment(
            session,
            setup.shop,
            amount_minor=401,
            operation_type=OperationType.CREDIT,
            parent_uuid=payment.uuid,
            order_id="R2",
        )
    assert refused.value.param == "amount"
    with pytest.raises(InvalidInput) as other_currency:
        make_payment(
            session,
            setup.shop,
            amount_minor=100,
            currency="USD",
            operation_type=OperationType.CREDIT,
            parent_uuid=payment.uuid,
        )
    assert other_currency.value.param == "currency"
