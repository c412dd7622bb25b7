"""Business days of the dashboard: ages of awaited credits and the days of the forecast."""

from __future__ import annotations

from datetime import date

import pytest

from pointage.dashboard.days import age_in_business_days, booked_on, next_business_days


@pytest.mark.parametrize(
    ("day", "today", "age"),
    [
        (date(2026, 5, 26), date(2026, 5, 26), 0),  # the same day
        (date(2026, 5, 27), date(2026, 5, 26), 0),  # after today
        (date(2026, 5, 22), date(2026, 5, 26), 1),  # Friday → Tuesday after Whit Monday
        (date(2026, 5, 23), date(2026, 5, 26), 1),  # a Saturday's
        (date(2026, 5, 22), date(2026, 5, 25), 0),  # seen on the holiday itself
        (date(2026, 4, 2), date(2026, 4, 7), 1),  # Good Friday and Easter Monday (TARGET)
        (date(2026, 5, 13), date(2026, 5, 26), 7),  # across Ascension Thursday
        (date(2026, 5, 12), date(2026, 5, 26), 8),
        (date(2025, 12, 24), date(2026, 1, 2), 4),  # 29, 30, 31 December, 2 January
    ],
)
def test_age_in_business_days(day: date, today: date, age: int):
    assert age_in_business_days(day, today, 100) == age


def test_the_age_stops_at_its_cap():
    assert age_in_business_days(date(2020, 1, 1), date(2026, 5, 26), 8) == 8


def test_next_business_days_across_a_weekend_and_a_holiday():
    assert next_business_days(date(2026, 4, 30), 3) == [
        date(2026, 4, 30),
        date(2026, 5, 4),  # 1 May closed, then the weekend
        date(2026, 5, 5),
    ]
    assert next_business_days(date(2026, 5, 1), 1) == [date(2026, 5, 4)]


def test_a_credit_expected_on_a_closed_day_is_booked_on_the_next_business_day():
    assert booked_on(date(2026, 5, 25)) == date(2026, 5, 26)
    assert booked_on(date(2026, 5, 26)) == date(2026, 5, 26)
