"""Test-mode payments in the capture batch: captured as the gateway captures them, but never
into a remittance (no bank will ever credit them), with nothing to reconcile."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pointage.core.statuses import DetailedStatus, Mode, OperationType
from pointage.payment.models import Operation, Transaction
from pointage.payment.service import refund
from pointage.remittance.models import CaptureBatchRun, Remittance
from pointage.remittance.service import capture_contract
from tests.factories import TEST_ACTOR, make_shop
from tests.payment.api_builders import add
from tests.remittance.builders import CUTOFF, DAY, MORNING


def _reload(session, tx: Transaction) -> Transaction:
    session.refresh(tx)
    return tx


def test_test_mode_payments_are_captured_in_no_remittance(session):
    setup = make_shop(session)
    live = add(session, setup, created_at=MORNING, order_id="LIVE", amount=10_000)
    test = add(session, setup, created_at=MORNING, order_id="TEST", amount=7_000, mode=Mode.TEST)
    test_usd = add(
        session, setup, created_at=MORNING, order_id="TEST-USD", currency="USD", mode=Mode.TEST
    )

    result = capture_contract(session, setup.contract.id, DAY)

    (summary,) = result.remittances  # EUR only: the USD payment is a test one
    assert (summary.currency, summary.payment_count, summary.gross_minor) == ("EUR", 1, 10_000)
    assert (result.captured_count, result.test_captured_count) == (3, 2)
    remittance = session.scalars(select(Remittance)).one()
    assert _reload(session, live).remittance_id == remittance.id
    for tx in (test, test_usd):
        _reload(session, tx)
        assert (tx.detailed_status, tx.status) == (DetailedStatus.CAPTURED, "PAID")
        assert tx.remittance_id is None
        assert tx.captured_at == CUTOFF
        assert tx.reconciliation_status == "not_applicable"
        assert tx.dispute_flag == "na"
        (log,) = session.scalars(
            select(Operation).where(Operation.transaction_pk == tx.id, Operation.kind == "capture")
        ).all()
        assert (log.source, log.actor) == ("batch", "capture-batch")
        assert log.before["detailed_status"] == "AUTHORISED"
        assert log.after["detailed_status"] == "CAPTURED"
    assert session.scalars(select(CaptureBatchRun)).one().captured_count == 3


def test_a_day_of_test_payments_only_makes_no_remittance(session):
    setup = make_shop(session)
    add(session, setup, created_at=MORNING, order_id="TEST", mode=Mode.TEST)

    result = capture_contract(session, setup.contract.id, DAY)

    assert result.remittances == ()
    assert result.test_captured_count == 1
    assert session.scalars(select(Remittance)).all() == []


def test_a_test_refund_is_captured_in_no_remittance_the_next_day(session):
    setup = make_shop(session)
    payment = add(
        session, setup, created_at=MORNING - timedelta(days=1), order_id="TEST", mode=Mode.TEST
    )
    capture_contract(session, setup.contract.id, DAY - timedelta(days=1))
    credit = refund(session, setup.shop, _reload(session, payment), TEST_ACTOR, now=MORNING)

    result = capture_contract(session, setup.contract.id, DAY)

    assert result.remittances == ()
    _reload(session, credit)
    assert (credit.operation_type, credit.mode) == (OperationType.CREDIT, "TEST")
    assert (credit.detailed_status, credit.remittance_id) == ("CAPTURED", None)


def test_test_payments_waiting_for_validation_expire_like_live_ones(session):
    setup = make_shop(session)
    waiting = add(
        session,
        setup,
        created_at=MORNING,
        order_id="TEST",
        mode=Mode.TEST,
        status=DetailedStatus.AUTHORISED_TO_VALIDATE,
    )

    result = capture_contract(session, setup.contract.id, DAY)

    assert result.expired_count == 1
    assert _reload(session, waiting).detailed_status == "EXPIRED"
