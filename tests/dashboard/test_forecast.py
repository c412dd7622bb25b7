"""The credits expected on each of the next 10 business days, and those overdue."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from pointage.dashboard import service
from pointage.dashboard.figures import CurrencyTotal, Totals
from tests.dashboard.builders import match
from tests.dashboard.conftest import World

# Friday 22 May 2026: then a weekend and Whit Monday (25 May), closed.
TODAY = date(2026, 5, 22)
NEXT_DAYS = [
    date(2026, 5, 22),
    date(2026, 5, 26),
    date(2026, 5, 27),
    date(2026, 5, 28),
    date(2026, 5, 29),
    date(2026, 6, 1),
    date(2026, 6, 2),
    date(2026, 6, 3),
    date(2026, 6, 4),
    date(2026, 6, 5),
]


def _eur(count: int, amount: int) -> Totals:
    return Totals((CurrencyTotal("EUR", count, amount),))


def _fill(world: World, session: Session) -> None:
    # Remittances of 12 to 22 May and early June, by expected credit date.
    world.a.remittance(
        date(2026, 5, 12), 1_000, expected_on=date(2026, 5, 13), statuses=("to_review",)
    )
    world.a.remittance(date(2026, 5, 19), 2_000, expected_on=date(2026, 5, 21))  # yesterday
    world.a.remittance(date(2026, 5, 20), 3_000, expected_on=date(2026, 5, 22))  # today
    world.a.remittance(date(2026, 5, 21), 4_000, expected_on=date(2026, 5, 25))  # Whit Monday
    world.a.remittance(date(2026, 5, 22), 5_000, expected_on=date(2026, 5, 26))
    world.a.remittance(date(2026, 5, 22), 600, expected_on=date(2026, 5, 27), currency="USD")
    credited = world.a.remittance(
        date(2026, 5, 21), 7_000, expected_on=date(2026, 5, 27), currency="GBP",
        statuses=("reconciled",),
    )  # fmt: skip
    match(session, world.merchant_id, remittances=[credited])
    world.a.remittance(date(2026, 6, 3), 8_000, expected_on=date(2026, 6, 5))  # the 10th day
    world.a.remittance(date(2026, 6, 4), 9_000, expected_on=date(2026, 6, 8))  # the 11th
    world.a2.remittance(date(2026, 5, 22), 50_000, expected_on=date(2026, 5, 26))
    world.b.remittance(date(2026, 5, 22), 60_000, expected_on=date(2026, 5, 26))


def test_the_next_ten_business_days_across_a_holiday(world: World, session: Session):
    _fill(world, session)

    forecast = service.dashboard(session, [world.a.shop.id], TODAY).forecast

    assert [day.day for day in forecast.days] == NEXT_DAYS
    amounts = {day.day: day.totals for day in forecast.days}
    assert amounts[date(2026, 5, 22)] == _eur(1, 3_000)
    # Expected on the holiday: booked on the next business day, with the day's own.
    assert amounts[date(2026, 5, 26)] == _eur(2, 4_000 + 5_000)
    assert amounts[date(2026, 5, 27)] == Totals((CurrencyTotal("USD", 1, 600),))
    assert amounts[date(2026, 6, 5)] == _eur(1, 8_000)
    assert all(amounts[day] == Totals() for day in NEXT_DAYS[3:9])
    assert forecast.overdue == _eur(2, 1_000 + 2_000)
    assert forecast.later == _eur(1, 9_000)


def test_from_a_saturday_the_days_start_on_the_next_business_day(world: World, session: Session):
    _fill(world, session)

    forecast = service.dashboard(session, [world.a.shop.id], date(2026, 5, 23)).forecast

    assert forecast.days[0].day == date(2026, 5, 26)
    assert forecast.days[-1].day == date(2026, 6, 8)
    assert forecast.days[0].totals == _eur(2, 4_000 + 5_000)
    # Expected on Friday and not credited by Saturday: overdue.
    assert forecast.overdue == _eur(3, 1_000 + 2_000 + 3_000)
    assert forecast.days[-1].totals == _eur(1, 9_000)
    assert forecast.later == Totals()


def test_the_shops_given_and_no_other(world: World, session: Session):
    _fill(world, session)

    both = service.dashboard(session, [world.a.shop.id, world.a2.shop.id], TODAY).forecast

    assert both.days[1].totals == _eur(3, 4_000 + 5_000 + 50_000)
