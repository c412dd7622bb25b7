"""Today's and the period's volumes: accepted payments, refunds and refused payments."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from pointage.core.statuses import DetailedStatus, Mode, OperationType
from pointage.dashboard import service
from pointage.dashboard.figures import CurrencyTotal, Totals
from tests.dashboard.conftest import World
from tests.factories import make_payment

TODAY = date(2026, 5, 26)  # a Tuesday; the period is 1 to 26 May
S = DetailedStatus


def _fill(world: World, session: Session) -> None:
    a = world.a
    # Today.
    a.transaction(TODAY, 100_00)
    a.transaction(TODAY, 50_00, status=S.AUTHORISED)
    a.transaction(TODAY, 20_00, status=S.ACCEPTED, currency="USD")
    a.transaction(TODAY, 30_00, status=S.REFUSED)
    a.transaction(TODAY, 10_00, kind=OperationType.CREDIT)
    # Created at 00:30 and 23:30 in Paris: the shop's days, not UTC's.
    for at, amount in (
        (datetime(2026, 5, 25, 22, 30, tzinfo=UTC), 12_34),
        (datetime(2026, 5, 25, 21, 30, tzinfo=UTC), 7_00),
    ):
        make_payment(
            session,
            a.shop,
            amount_minor=amount,
            created_at=at,
            order_id=str(amount),
        )
    # Neither accepted nor refused, a refused refund, a card check, test mode: not counted.
    for status in (S.CANCELLED, S.EXPIRED, S.AUTHORISED_TO_VALIDATE, S.CAPTURE_FAILED,
                   S.WAITING_AUTHORISATION, S.UNDER_VERIFICATION):  # fmt: skip
        a.transaction(TODAY, 40_00, status=status)
    a.transaction(TODAY, 45_00, status=S.REFUSED, kind=OperationType.CREDIT)
    a.transaction(TODAY, 0, status=S.ACCEPTED, kind=OperationType.VERIFICATION)
    a.transaction(TODAY, 999_00, mode=Mode.TEST)
    a.transaction(TODAY, 998_00, status=S.REFUSED, mode=Mode.TEST)
    # Earlier in the period, and around it.
    a.transaction(date(2026, 5, 4), 200_00)
    a.transaction(date(2026, 5, 4), 15_00, status=S.REFUSED)
    a.transaction(date(2026, 5, 4), 5_00, status=S.AUTHORISED, kind=OperationType.CREDIT)
    a.transaction(date(2026, 4, 30), 300_00)
    a.transaction(date(2026, 5, 27), 400_00, status=S.AUTHORISED)
    # Other shops: one of the same merchant, one of another.
    world.a2.transaction(TODAY, 500_00)
    world.b.transaction(TODAY, 600_00)


def _eur(count: int, amount: int) -> Totals:
    return Totals((CurrencyTotal("EUR", count, amount),))


def test_today_and_the_month_to_date(world: World, session: Session):
    _fill(world, session)

    figures = service.dashboard(session, [world.a.shop.id], TODAY)

    today = figures.today_volumes
    assert (today.first_day, today.last_day) == (TODAY, TODAY)
    assert today.payments == Totals(
        (CurrencyTotal("EUR", 3, 100_00 + 50_00 + 12_34), CurrencyTotal("USD", 1, 20_00))
    )
    assert today.refunds == _eur(1, 10_00)
    assert today.refused == _eur(1, 30_00)
    period = figures.period_volumes
    assert (period.first_day, period.last_day) == (date(2026, 5, 1), TODAY)
    assert period.payments.amount("EUR") == 100_00 + 50_00 + 12_34 + 7_00 + 200_00
    assert period.payments.count == 5 + 1
    assert period.refunds == _eur(2, 10_00 + 5_00)
    assert period.refused == _eur(2, 30_00 + 15_00)


def test_every_day_of_the_period_has_its_line(world: World, session: Session):
    _fill(world, session)

    days = service.dashboard(session, [world.a.shop.id], TODAY).period_volumes.days

    assert [d.day for d in days] == [date(2026, 5, n) for n in range(1, 27)]
    assert days[3].payments == _eur(1, 200_00)  # 4 May
    assert days[3].refused == _eur(1, 15_00)
    assert days[3].refunds == _eur(1, 5_00)
    assert days[24].payments == _eur(1, 7_00)  # 25 May, 23:30 in Paris
    assert days[1].payments == days[1].refunds == days[1].refused == Totals()


def test_the_shops_given_and_no_other(world: World, session: Session):
    _fill(world, session)

    both = service.dashboard(session, [world.a.shop.id, world.a2.shop.id], TODAY)
    none = service.dashboard(session, [], TODAY)

    assert both.today_volumes.payments.amount("EUR") == 162_34 + 500_00
    assert none.today_volumes.payments == none.period_volumes.payments == Totals()


def test_a_period_without_today(world: World, session: Session):
    _fill(world, session)
    period = service.Period(date(2026, 5, 1), date(2026, 5, 10))

    figures = service.dashboard(session, [world.a.shop.id], TODAY, period)

    assert figures.period_volumes.payments == _eur(1, 200_00)
    assert len(figures.period_volumes.days) == 10
    assert figures.today_volumes.payments.amount("EUR") == 162_34
