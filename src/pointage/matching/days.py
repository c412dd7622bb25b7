"""Business-day arithmetic for one run, on an index built once.

The engine compares tens of thousands of value dates with expected credit dates; walking
the calendar day by day for each pair would cost more than the rest of the run. The index
numbers every day of the run's span by the count of business days up to it (from
`pointage.core.calendar`), so that a distance in business days is a subtraction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from pointage.core.calendar import add_business_days, is_business_day

# Dates this far around those seen are indexed too, so that windows fit inside the index.
_MARGIN_DAYS = 60


class BusinessDays:
    """Business-day distances between the dates of one run."""

    def __init__(self, days: Iterable[date]) -> None:
        known = list(days)
        self._first = min(known, default=date(2000, 1, 1)) - timedelta(days=_MARGIN_DAYS)
        last = max(known, default=self._first) + timedelta(days=_MARGIN_DAYS)
        self._counts: list[int] = []
        self._expected: dict[date, int] = {}
        count = 0
        day = self._first
        while day <= last:
            count += is_business_day(day)
            self._counts.append(count)
            day += timedelta(days=1)

    def _count(self, day: date) -> int:
        position = (day - self._first).days
        if 0 <= position < len(self._counts):
            return self._counts[position]
        # Outside the index (a date far from all others): the calendar itself.
        anchor = self._first if position < 0 else self._first + timedelta(len(self._counts) - 1)
        base = self._counts[0] if position < 0 else self._counts[-1]
        return base + _walk(anchor, day)

    def ordinal(self, day: date) -> int:
        """A number that grows by one on each business day: what windows are compared on."""
        return self._count(day)

    def expected_ordinal(self, expected: date) -> int:
        """The ordinal of the business day a credit expected on `expected` is due: the day
        itself, or the next business day when it is a closed day."""
        ordinal = self._expected.get(expected)
        if ordinal is None:
            ordinal = self._count(expected) + (not is_business_day(expected))
            self._expected[expected] = ordinal
        return ordinal

    def offset(self, expected: date, actual: date) -> int:
        """Signed business days from `expected` to `actual`: 0 on the expected date (or on
        the next business day when the expected date is a closed day), 2 two business days
        late, -1 one business day early."""
        return self._count(actual) - self.expected_ordinal(expected)


def _walk(anchor: date, day: date) -> int:
    """Business days in (anchor, day] (negative when `day` is before `anchor`)."""
    step = 1 if day >= anchor else -1
    count = 0
    current = anchor
    while current != day:
        if step > 0:
            current += timedelta(days=1)
            count += is_business_day(current)
        else:
            count -= is_business_day(current)
            current -= timedelta(days=1)
    return count


def overdue_from(expected: date, grace_business_days: int) -> date:
    """The first day a remittance without credit is overdue: after expected date + grace
    (the same day the transaction statuses turn `to_review`)."""
    return add_business_days(add_business_days(expected, 0), grace_business_days + 1)
