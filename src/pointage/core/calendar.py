"""Business days of French banks: weekends, French public holidays and TARGET closing days.

Expected credit dates are computed here, never guessed in SQL. The holiday tables come from
the `holidays` package (France + the ECB's TARGET2 calendar), cached per year.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _closed_days(year: int) -> frozenset[date]:
    french = holidays.country_holidays("FR", years=year)
    target = holidays.financial_holidays("XECB", years=year)
    return frozenset(french) | frozenset(target)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _closed_days(day.year)


def add_business_days(start: date, days: int) -> date:
    """The business day `days` business days after `start` (before, if negative).

    With days=0 the result is `start` itself when it is a business day, else the next one:
    a credit announced for a Sunday is booked on Monday.
    """
    step = 1 if days >= 0 else -1
    current = start
    if days == 0:
        while not is_business_day(current):
            current += timedelta(days=1)
        return current
    remaining = abs(days)
    while remaining:
        current += timedelta(days=step)
        if is_business_day(current):
            remaining -= 1
    return current


def business_days_between(first: date, last: date) -> int:
    """Signed count of business days from `first` to `last`.

    Forward, `first` is excluded and `last` included (a credit one business day after its
    remittance is 1). Backward, the count is the same with the sign changed:
    business_days_between(a, b) == -business_days_between(b, a).
    """
    if first == last:
        return 0
    sign = 1 if last > first else -1
    low, high = sorted((first, last))
    count = 0
    current = low
    while current < high:
        current += timedelta(days=1)
        if is_business_day(current):
            count += 1
    return sign * count
