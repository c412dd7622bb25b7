"""The business days the dashboard counts in (French bank holidays, `core.calendar`)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from pointage.core.calendar import add_business_days, is_business_day


@lru_cache(maxsize=4096)
def age_in_business_days(day: date, today: date, cap: int) -> int:
    """Business days after `day` up to and including `today`, counted up to `cap`.

    A remittance made today is 0 days old, one made on the previous business day 1: a
    Friday's remittance is 1 day old on Monday, and 1 again on the Tuesday after an Easter
    Monday. A day after `today` is 0 days old.
    """
    count = 0
    current = today
    while current > day and count < cap:
        if is_business_day(current):
            count += 1
        current -= timedelta(days=1)
    return count


def next_business_days(today: date, count: int) -> list[date]:
    """`count` business days from `today` on: today first when it is a business day."""
    first = add_business_days(today, 0)
    return [first] + [add_business_days(first, n) for n in range(1, count)]


@lru_cache(maxsize=4096)
def booked_on(expected_credit_date: date) -> date:
    """The business day a credit expected on this date is booked: itself, or the next
    business day after a weekend or a holiday."""
    return add_business_days(expected_credit_date, 0)
