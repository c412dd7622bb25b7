"""Business days: weekends, French public holidays and TARGET closing days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pointage.core.calendar import add_business_days, business_days_between, is_business_day


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 3, 7),  # Saturday
        date(2026, 3, 8),  # Sunday
        date(2026, 1, 1),  # New Year
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),  # Labour Day
        date(2026, 5, 8),  # Victory in Europe Day
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # Whit Monday
        date(2026, 7, 14),  # Bastille Day
        date(2025, 8, 15),  # Assumption (a Friday)
        date(2027, 11, 1),  # All Saints (a Monday)
        date(2026, 11, 11),  # Armistice
        date(2026, 12, 25),  # Christmas
        date(2026, 4, 3),  # Good Friday: TARGET closing day, not a French holiday
        date(2025, 12, 26),  # 26 December: TARGET closing day (a Friday)
    ],
)
def test_closed_days_are_not_business_days(day: date) -> None:
    assert not is_business_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 3, 2),  # an ordinary Monday
        date(2026, 3, 6),  # an ordinary Friday
        date(2026, 4, 2),  # Maundy Thursday
        date(2026, 5, 15),  # the Friday after Ascension
        date(2026, 7, 13),  # the day before Bastille Day
        date(2026, 12, 24),  # Christmas Eve
        date(2026, 12, 31),  # New Year's Eve
    ],
)
def test_ordinary_weekdays_are_business_days(day: date) -> None:
    assert is_business_day(day)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 3, 2), 0, date(2026, 3, 2)),  # a business day stays itself
        (date(2026, 3, 1), 0, date(2026, 3, 2)),  # a Sunday moves to Monday
        (date(2026, 4, 3), 0, date(2026, 4, 7)),  # Good Friday -> the Tuesday after Easter
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday + 1 -> Monday
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # Saturday + 1 -> Monday
        (date(2026, 3, 1), 1, date(2026, 3, 2)),  # Sunday + 1 -> Monday
        (date(2026, 7, 10), 2, date(2026, 7, 15)),  # over the weekend and 14 July
        (date(2026, 5, 13), 1, date(2026, 5, 15)),  # over Ascension
        (date(2026, 4, 2), 1, date(2026, 4, 7)),  # over Good Friday and Easter Monday
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # over New Year and a weekend
        (date(2026, 3, 9), -1, date(2026, 3, 6)),  # Monday - 1 -> Friday
        (date(2026, 3, 8), -1, date(2026, 3, 6)),  # Sunday - 1 -> Friday
        (date(2026, 7, 15), -1, date(2026, 7, 13)),  # back over 14 July
        (date(2026, 4, 7), -1, date(2026, 4, 2)),  # back over Easter
        (date(2026, 3, 2), 10, date(2026, 3, 16)),
    ],
)
def test_add_business_days(start: date, days: int, expected: date) -> None:
    assert add_business_days(start, days) == expected


@pytest.mark.parametrize(
    ("first", "last", "count"),
    [
        (date(2026, 3, 2), date(2026, 3, 2), 0),
        (date(2026, 3, 6), date(2026, 3, 9), 1),  # Friday -> Monday
        (date(2026, 3, 7), date(2026, 3, 8), 0),  # a weekend holds none
        (date(2026, 7, 10), date(2026, 7, 15), 2),  # 13 and 15 July
        (date(2026, 7, 15), date(2026, 7, 10), -2),
        (date(2026, 3, 2), date(2026, 3, 16), 10),
        (date(2026, 12, 24), date(2027, 1, 4), 5),  # 28, 29, 30, 31 December and 4 January
    ],
)
def test_business_days_between(first: date, last: date, count: int) -> None:
    assert business_days_between(first, last) == count


def test_counting_undoes_adding_over_a_year_of_business_days() -> None:
    day = date(2026, 1, 2)
    while day.year == 2026:
        if is_business_day(day):
            for days in (1, 3, 7):
                later = add_business_days(day, days)
                assert business_days_between(day, later) == days
                assert add_business_days(later, -days) == day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2026, 4, 30), date(2026, 5, 6)),  # across 1 May and a weekend
        (date(2026, 12, 24), date(2027, 1, 4)),  # Christmas, 26 December, New Year
        (date(2026, 7, 11), date(2026, 7, 15)),  # from a Saturday, across 14 July
    ],
)
def test_counting_backward_is_counting_forward_with_the_sign_changed(
    first: date, last: date
) -> None:
    assert business_days_between(last, first) == -business_days_between(first, last)
    assert business_days_between(first, last) > 0
