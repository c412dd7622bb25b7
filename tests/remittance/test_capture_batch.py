"""The capture batch of one contract and day: what it captures, expires, sums and logs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from pointage.core.statuses import (
    DetailedStatus,
    OperationKind,
    OperationType,
    SettlementMode,
    Status,
)
from pointage.payment.models import Operation, Transaction
from pointage.payment.service import refund
from pointage.payment.service.common import snapshot
from pointage.remittance.models import CaptureBatchRun, Remittance
from pointage.remittance.repository import RemittanceRepository
from pointage.remittance.service import capture_contract, fee_of_payments
from pointage.shop import service as shop_service
from tests.factories import IBAN_BANK_B, TEST_ACTOR, make_payment, make_shop
from tests.remittance.builders import CUTOFF, DAY, MORNING


def _operations(session, tx: Transaction, kind: OperationKind) -> list[Operation]:
    return list(
        session.scalars(
            select(Operation).where(Operation.transaction_pk == tx.id, Operation.kind == kind.value)
        )
    )


def _captured_payment_to_refund(session, setup):
    """A payment captured by the batch of the day before DAY (remittance number 1)."""
    payment = make_payment(
        session, setup.shop, amount_minor=8000, created_at=MORNING - timedelta(days=1)
    )
    capture_contract(session, setup.contract.id, DAY - timedelta(days=1))
    session.refresh(payment)
    return payment


def test_remittance_sums_payments_refunds_fees_and_credit_date_after_holiday(session):
    setup = make_shop(session, fee_rate_bp=50, fee_fixed_minor=5, credit_delay_days=2)
    earlier = _captured_payment_to_refund(session, setup)
    credit = refund(session, setup.shop, earlier, TEST_ACTOR, amount_minor=3000, now=MORNING)
    payments = [
        make_payment(session, setup.shop, amount_minor=amount, created_at=MORNING)
        for amount in (100, 10_000, 2_550)
    ]
    result = capture_contract(session, setup.contract.id, DAY)

    assert not result.already_done
    assert result.captured_count == 4
    (summary,) = result.remittances
    # Fees rounded half up per payment: 0.5 -> 1, 50, 12.75 -> 13; plus 5 each.
    assert summary.fee_minor == (1 + 5) + (50 + 5) + (13 + 5)
    assert (summary.payment_count, summary.refund_count) == (3, 1)
    assert (summary.gross_minor, summary.refunds_minor) == (12_650, 3_000)
    assert summary.net_minor == 12_650 - 3_000 - 79
    assert summary.expected_credit_minor == summary.net_minor
    # Thursday 30 April + 2 business days: not 1 May (holiday), not the weekend.
    assert summary.expected_credit_date == date(2026, 5, 5)
    assert summary.number == 2
    stored = session.scalars(select(Remittance).order_by(Remittance.number)).all()
    assert [(r.number, r.remittance_date) for r in stored] == [
        (1, DAY - timedelta(days=1)),
        (2, DAY),
    ]
    for tx in [*payments, credit]:
        session.refresh(tx)
        assert (tx.detailed_status, tx.status) == (DetailedStatus.CAPTURED, Status.PAID)
        assert tx.remittance_id == stored[1].id
        assert tx.captured_at == CUTOFF
        assert tx.reconciliation_status == "pending"
    assert {tx.dispute_flag for tx in payments} == {"no"}
    assert credit.dispute_flag == "na"


def test_each_capture_is_logged_with_snapshots_before_and_after(session):
    setup = make_shop(session)
    tx = make_payment(
        session, setup.shop, status=DetailedStatus.WAITING_AUTHORISATION, created_at=MORNING
    )
    capture_contract(session, setup.contract.id, DAY)
    session.refresh(tx)
    (entry,) = _operations(session, tx, OperationKind.CAPTURE)
    assert (entry.source, entry.actor, entry.at) == ("batch", "capture-batch", CUTOFF)
    assert entry.before["detailed_status"] == "WAITING_AUTHORISATION"
    assert entry.before["status"] == "RUNNING"
    assert entry.after == snapshot(tx)


def test_given_instant_dates_the_captures(session):
    setup = make_shop(session)
    tx = make_payment(session, setup.shop, created_at=MORNING)
    late = datetime(2026, 5, 2, 6, 30, tzinfo=UTC)
    capture_contract(session, setup.contract.id, DAY, now=late)
    session.refresh(tx)
    assert tx.captured_at == late
    assert _operations(session, tx, OperationKind.CAPTURE)[0].at == late


def test_gross_settled_contract_expects_gross_minus_refunds(session):
    setup = make_shop(
        session, settlement_mode=SettlementMode.GROSS, fee_rate_bp=100, fee_fixed_minor=0
    )
    earlier = _captured_payment_to_refund(session, setup)
    refund(session, setup.shop, earlier, TEST_ACTOR, amount_minor=1_000, now=MORNING)
    make_payment(session, setup.shop, amount_minor=20_000, created_at=MORNING)
    (summary,) = capture_contract(session, setup.contract.id, DAY).remittances
    assert summary.fee_minor == 200
    assert summary.net_minor == 20_000 - 1_000 - 200
    assert summary.expected_credit_minor == 19_000


def test_one_remittance_per_currency_numbered_in_sequence(session):
    setup = make_shop(session, fee_rate_bp=0, fee_fixed_minor=0)
    make_payment(session, setup.shop, amount_minor=1_000, currency="USD", created_at=MORNING)
    make_payment(session, setup.shop, amount_minor=500, currency="JPY", created_at=MORNING)
    make_payment(session, setup.shop, amount_minor=2_000, created_at=MORNING)
    make_payment(session, setup.shop, amount_minor=3_000, created_at=MORNING)
    result = capture_contract(session, setup.contract.id, DAY)
    by_currency = {
        r.currency: (r.number, r.payment_count, r.gross_minor) for r in result.remittances
    }
    assert by_currency == {"EUR": (1, 2, 5_000), "JPY": (2, 1, 500), "USD": (3, 1, 1_000)}
    next_day = capture_contract(session, setup.contract.id, DAY + timedelta(days=1))
    assert next_day.remittances == ()
    make_payment(session, setup.shop, order_id="LATER", created_at=MORNING + timedelta(days=4))
    (later,) = capture_contract(session, setup.contract.id, DAY + timedelta(days=4)).remittances
    assert later.number == 4


def test_unvalidated_transactions_expire_at_their_capture_date(session):
    setup = make_shop(session)
    due = make_payment(
        session, setup.shop, status=DetailedStatus.AUTHORISED_TO_VALIDATE, created_at=MORNING
    )
    waiting = make_payment(
        session,
        setup.shop,
        status=DetailedStatus.WAITING_AUTHORISATION_TO_VALIDATE,
        created_at=MORNING - timedelta(days=2),
        capture_date=DAY,
    )
    not_yet = make_payment(
        session,
        setup.shop,
        status=DetailedStatus.AUTHORISED_TO_VALIDATE,
        created_at=MORNING,
        capture_date=DAY + timedelta(days=3),
    )
    result = capture_contract(session, setup.contract.id, DAY)
    assert (result.expired_count, result.captured_count, result.remittances) == (2, 0, ())
    for tx in (due, waiting, not_yet):
        session.refresh(tx)
    assert (due.detailed_status, due.status) == (DetailedStatus.EXPIRED, Status.UNPAID)
    assert waiting.detailed_status == DetailedStatus.EXPIRED
    assert not_yet.detailed_status == DetailedStatus.AUTHORISED_TO_VALIDATE
    assert due.remittance_id is None
    (entry,) = _operations(session, waiting, OperationKind.EXPIRE)
    assert entry.before["detailed_status"] == "WAITING_AUTHORISATION_TO_VALIDATE"
    assert entry.after == snapshot(waiting)
    assert entry.at == CUTOFF


def test_deferred_capture_waits_for_its_date(session):
    setup = make_shop(session)
    deferred = make_payment(
        session, setup.shop, created_at=MORNING, capture_date=DAY + timedelta(days=3)
    )
    assert capture_contract(session, setup.contract.id, DAY).captured_count == 0
    session.refresh(deferred)
    assert deferred.detailed_status == DetailedStatus.AUTHORISED
    assert capture_contract(session, setup.contract.id, DAY + timedelta(days=3)).captured_count == 1
    session.refresh(deferred)
    assert deferred.detailed_status == DetailedStatus.CAPTURED


def test_overdue_transactions_are_caught_by_a_later_day(session):
    setup = make_shop(session)
    missed = make_payment(session, setup.shop, created_at=MORNING - timedelta(days=3))
    (summary,) = capture_contract(session, setup.contract.id, DAY).remittances
    session.refresh(missed)
    assert missed.detailed_status == DetailedStatus.CAPTURED
    assert summary.payment_count == 1


def test_verifications_and_other_shops_are_left_alone(session):
    setup = make_shop(session)
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    verification = make_payment(
        session,
        setup.shop,
        amount_minor=0,
        operation_type=OperationType.VERIFICATION,
        created_at=MORNING,
    )
    foreign = make_payment(session, other.shop, created_at=MORNING)
    mine = make_payment(session, setup.shop, created_at=MORNING)
    assert capture_contract(session, setup.contract.id, DAY).captured_count == 1
    for tx in (verification, foreign, mine):
        session.refresh(tx)
    assert verification.detailed_status == DetailedStatus.AUTHORISED
    assert foreign.detailed_status == DetailedStatus.AUTHORISED
    assert foreign.remittance_id is None
    assert mine.detailed_status == DetailedStatus.CAPTURED


def test_each_contract_of_a_shop_gets_its_own_remittance(session):
    setup = make_shop(session)
    second = shop_service.create_contract(
        session, setup.shop, setup.bank_account, number="AMEX1", acquirer="Amex", brands="AMEX"
    )
    make_payment(session, setup.shop, created_at=MORNING)
    amex = make_payment(session, setup.shop, created_at=MORNING, order_id="AMEX")
    amex.contract_id = second.id
    session.flush()
    first_result = capture_contract(session, setup.contract.id, DAY)
    session.refresh(amex)
    assert first_result.captured_count == 1
    assert amex.detailed_status == DetailedStatus.AUTHORISED
    (summary,) = capture_contract(session, second.id, DAY).remittances
    assert (summary.number, summary.payment_count) == (1, 1)


def test_claim_records_the_counts_of_the_run(session):
    setup = make_shop(session)
    make_payment(session, setup.shop, created_at=MORNING)
    make_payment(
        session, setup.shop, status=DetailedStatus.AUTHORISED_TO_VALIDATE, created_at=MORNING
    )
    capture_contract(session, setup.contract.id, DAY, source="cli")
    run = session.scalars(select(CaptureBatchRun)).one()
    assert (run.contract_id, run.shop_id, run.business_date) == (
        setup.contract.id,
        setup.shop.id,
        DAY,
    )
    assert (run.captured_count, run.expired_count, run.remittance_count, run.source) == (
        1,
        1,
        1,
        "cli",
    )


def test_fee_is_rounded_per_payment_not_on_the_total():
    # 3 payments of 0.5 minor unit of fee each: 3 (per payment), not round(1.5) = 2.
    assert fee_of_payments([(100, 3)], 50, 0) == 3
    assert fee_of_payments([(100, 3), (2_550, 1)], 50, 5) == 3 + 15 + 13 + 5
    assert fee_of_payments([], 80, 5) == 0


def test_capture_and_expiry_report_exactly_how_many_rows_they_changed(session):
    """Both databases: the counts the batch relies on (an empty remittance is discarded
    when its capture changed no row) are the real ones, zero included."""
    setup = make_shop(session)
    repo = RemittanceRepository(session)
    assert repo.capture(setup.contract, DAY, "EUR", remittance_id=0, at=CUTOFF) == 0
    assert repo.expire(setup.contract, DAY, CUTOFF) == 0
    for _ in range(3):
        make_payment(
            session, setup.shop, status=DetailedStatus.AUTHORISED_TO_VALIDATE, created_at=MORNING
        )
    assert repo.expire(setup.contract, DAY, CUTOFF) == 3
    assert len(list(session.scalars(select(Operation).where(Operation.kind == "expire")))) == 3
