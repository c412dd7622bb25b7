"""The periods a journal covers, and which of them are due on a day.

Pure date arithmetic. A period is inclusive at both ends. Days are the shop's days (its
time zone decides which day "today" is); the caller passes them in.

Which periods are due on `today`, by frequency:
- daily: each day before today;
- weekly: the last Monday-to-Sunday week before today (due from the Monday after);
- monthly: the last calendar month before today (due from the 1st after);
each only if it ended on or after `since` (the day the report settings were created) and
at most `catch_up_days` days ago: after a stop, the missed periods are caught up, oldest
first, but a report is never sent weeks late without a person asking for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pointage.report.models import Frequency

CATCH_UP_DAYS = 7


@dataclass(frozen=True, slots=True, order=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        """YYMMDD for one day, YYMMDD-YYMMDD for several (as in file names)."""
        first = self.start.strftime("%y%m%d")
        if self.start == self.end:
            return first
        return f"{first}-{self.end.strftime('%y%m%d')}"

    def __str__(self) -> str:
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def one_day(day: date) -> Period:
    return Period(day, day)


def week_of(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6))


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return Period(first, next_first - timedelta(days=1))


def due_periods(
    frequency: Frequency,
    today: date,
    *,
    since: date,
    catch_up_days: int = CATCH_UP_DAYS,
) -> list[Period]:
    """The periods of `frequency` due on `today`, oldest first (see the module's doc)."""
    oldest_end = max(since, today - timedelta(days=catch_up_days))
    yesterday = today - timedelta(days=1)
    if frequency is Frequency.DAILY:
        days = (yesterday - oldest_end).days + 1
        return [one_day(oldest_end + timedelta(days=n)) for n in range(max(days, 0))]
    if frequency is Frequency.WEEKLY:
        period = week_of(today - timedelta(days=7))
    elif frequency is Frequency.MONTHLY:
        period = month_of(today.replace(day=1) - timedelta(days=1))
    else:
        return []
    return [period] if period.end >= oldest_end else []
