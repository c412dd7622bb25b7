"""What needs a person: transactions in anomaly, open suggestions, the period's chargebacks."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from pointage.core.statuses import Mode, OperationType
from pointage.dashboard import service
from pointage.dashboard.figures import CurrencyTotal, Totals
from pointage.reconciliation.models import ClaimRole, SuggestionStatus
from tests.dashboard.builders import entry, match, run_row, suggestion
from tests.dashboard.conftest import World

TODAY = date(2026, 5, 26)  # the period: 1 to 26 May, Paris time (UTC+2)


def test_transactions_in_anomaly_whenever_they_were_made(world: World, session: Session):
    a = world.a
    a.transaction(TODAY, 100_00, reconciliation="anomaly")
    a.transaction(date(2025, 11, 3), 40_00, reconciliation="anomaly")  # before the period
    a.transaction(TODAY, 30_00, kind=OperationType.CREDIT, reconciliation="anomaly")
    a.transaction(TODAY, 9_00, currency="USD", reconciliation="anomaly")
    a.transaction(TODAY, 50_00, reconciliation="reconciled")
    a.transaction(TODAY, 60_00, reconciliation="to_review")
    a.transaction(TODAY, 70_00, reconciliation="anomaly", mode=Mode.TEST)  # were one ever
    world.a2.transaction(TODAY, 80_00, reconciliation="anomaly")
    world.b.transaction(TODAY, 90_00, reconciliation="anomaly")

    anomalies = service.dashboard(session, [a.shop.id], TODAY).anomalies

    # A refund in anomaly counts against the payments.
    assert anomalies == Totals(
        (CurrencyTotal("EUR", 3, 100_00 + 40_00 - 30_00), CurrencyTotal("USD", 1, 9_00))
    )


def test_open_suggestions_naming_only_the_shops_given(world: World, session: Session):
    a, a2 = world.a, world.a2
    run = run_row(session, world.merchant_id)
    ours = entry(session, world.merchant_id, a.setup.bank_account.id)
    theirs = entry(session, world.merchant_id, a2.setup.bank_account.id)
    mine = a.remittance(date(2026, 5, 20), 1_000, expected_on=date(2026, 5, 22))
    other = a2.remittance(date(2026, 5, 20), 1_000, expected_on=date(2026, 5, 22))
    payment = a.transaction(date(2026, 5, 4), 10_00)
    suggestion(session, run, entries=[ours], remittances=[mine])
    suggestion(session, run, entries=[ours], transactions=[payment])  # a chargeback
    suggestion(session, run, entries=[ours], remittances=[mine], status=SuggestionStatus.REJECTED)
    suggestion(session, run, entries=[ours], remittances=[mine], status=SuggestionStatus.CONFIRMED)
    suggestion(session, run, entries=[ours], remittances=[mine, other])  # A2's too
    suggestion(session, run, entries=[theirs], remittances=[mine])  # A2's account
    foreign = run_row(session, world.b.shop.merchant_id)
    suggestion(
        session,
        foreign,
        entries=[entry(session, world.b.shop.merchant_id, world.b.setup.bank_account.id)],
        remittances=[world.b.remittance(date(2026, 5, 20), 1_000, expected_on=TODAY)],
    )

    def count(*books: object) -> int:
        pks = [book.shop.id for book in (a, a2, world.b) if book in books]
        return service.dashboard(session, pks, TODAY).open_suggestions

    assert count(a) == 2
    assert count(a, a2) == 4
    assert count(world.b) == 1
    assert count() == 0


def test_chargebacks_recorded_on_the_period_days_in_paris(world: World, session: Session):
    a = world.a
    taken_back = {
        # recorded at: amount, dispute flag, claim active
        datetime(2026, 5, 10, 10, 0, tzinfo=UTC): (80_00, "yes", True),
        datetime(2026, 4, 30, 22, 30, tzinfo=UTC): (25_00, "yes", True),  # 1 May, 00:30 in Paris
        datetime(2026, 4, 30, 21, 30, tzinfo=UTC): (11_00, "yes", True),  # 30 April, 23:30 in Paris
        datetime(2026, 5, 26, 22, 30, tzinfo=UTC): (12_00, "yes", True),  # 27 May, 00:30 in Paris
        datetime(2026, 5, 11, 10, 0, tzinfo=UTC): (13_00, "no", False),  # the match was undone
    }
    for at, (amount, flag, active) in taken_back.items():
        payment = a.transaction(date(2026, 4, 2), amount, reconciliation="reconciled", dispute=flag)
        match(
            session,
            world.merchant_id,
            transactions=[payment],
            role=ClaimRole.CHARGEBACK,
            at=at,
            active=active,
        )
    payment = world.a2.transaction(date(2026, 4, 2), 14_00, dispute="yes")
    match(session, world.merchant_id, transactions=[payment], role=ClaimRole.CHARGEBACK)
    a.transaction(date(2026, 5, 4), 15_00, dispute="no")
    # A payment a person reconciled on its own in the period: a claim, not a chargeback.
    payment = a.transaction(date(2026, 5, 4), 16_00, reconciliation="reconciled_manual")
    match(session, world.merchant_id, transactions=[payment], at=datetime(2026, 5, 5, tzinfo=UTC))

    chargebacks = service.dashboard(session, [a.shop.id], TODAY).chargebacks

    assert chargebacks == Totals((CurrencyTotal("EUR", 2, 80_00 + 25_00),))


def test_each_shop_s_days_in_its_own_time_zone(world: World, session: Session):
    world.a2.shop.timezone = "Indian/Reunion"  # UTC+4
    # 30 April, 22:30 in Paris; 1 May, 00:30 in Réunion.
    at = datetime(2026, 4, 30, 20, 30, tzinfo=UTC)
    for book, amount in ((world.a, 10_00), (world.a2, 20_00)):
        payment = book.transaction(date(2026, 4, 2), amount, dispute="yes")
        match(session, world.merchant_id, transactions=[payment], role=ClaimRole.CHARGEBACK, at=at)

    figures = service.dashboard(session, [world.a.shop.id, world.a2.shop.id], TODAY)

    assert figures.chargebacks == Totals((CurrencyTotal("EUR", 1, 20_00),))
