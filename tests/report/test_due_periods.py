"""The periods due on a day, by frequency: daily catches up at most a week, weekly is the
last Monday-to-Sunday, monthly the last calendar month, never before the settings began."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pointage.report.models import Frequency
from pointage.report.service.periods import Period, due_periods, month_of, week_of

LONG_AGO = date(2020, 1, 1)


def days(first: date, last: date) -> list[Period]:
    return [
        Period(first + timedelta(days=n), first + timedelta(days=n))
        for n in range((last - first).days + 1)
    ]


def test_daily_is_yesterday_when_nothing_is_missed():
    # Created long ago: only the catch-up window bounds the days.
    due = due_periods(Frequency.DAILY, date(2026, 3, 11), since=date(2026, 3, 10))
    assert due == [Period(date(2026, 3, 10), date(2026, 3, 10))]


def test_daily_catches_up_at_most_seven_days_oldest_first():
    due = due_periods(Frequency.DAILY, date(2026, 3, 20), since=LONG_AGO)
    assert due == days(date(2026, 3, 13), date(2026, 3, 19))


def test_daily_starts_on_the_day_the_settings_were_created():
    due = due_periods(Frequency.DAILY, date(2026, 3, 20), since=date(2026, 3, 18))
    assert due == days(date(2026, 3, 18), date(2026, 3, 19))
    assert due_periods(Frequency.DAILY, date(2026, 3, 20), since=date(2026, 3, 20)) == []


@pytest.mark.parametrize("today", [date(2026, 3, 16), date(2026, 3, 19), date(2026, 3, 22)])
def test_weekly_is_the_last_monday_to_sunday(today):
    # 16 March 2026 is a Monday: the week before runs from the 9th to the 15th.
    due = due_periods(Frequency.WEEKLY, today, since=LONG_AGO)
    assert due == [Period(date(2026, 3, 9), date(2026, 3, 15))]


def test_weekly_is_not_due_for_a_week_that_ended_before_the_settings():
    assert due_periods(Frequency.WEEKLY, date(2026, 3, 16), since=date(2026, 3, 16)) == []
    # Created on the Sunday: that week is the first one sent.
    assert due_periods(Frequency.WEEKLY, date(2026, 3, 16), since=date(2026, 3, 15)) == [
        Period(date(2026, 3, 9), date(2026, 3, 15))
    ]


def test_monthly_is_the_last_calendar_month_during_the_first_week():
    assert due_periods(Frequency.MONTHLY, date(2026, 3, 1), since=LONG_AGO) == [
        Period(date(2026, 2, 1), date(2026, 2, 28))
    ]
    assert due_periods(Frequency.MONTHLY, date(2024, 3, 7), since=LONG_AGO) == [
        Period(date(2024, 2, 1), date(2024, 2, 29))
    ]
    # Past the catch-up window: a month is not sent weeks late on its own.
    assert due_periods(Frequency.MONTHLY, date(2026, 3, 8), since=LONG_AGO) == []


def test_monthly_across_a_year():
    assert due_periods(Frequency.MONTHLY, date(2027, 1, 1), since=LONG_AGO) == [
        Period(date(2026, 12, 1), date(2026, 12, 31))
    ]


def test_none_is_never_due():
    assert due_periods(Frequency.NONE, date(2026, 3, 16), since=LONG_AGO) == []


def test_period_labels_and_helpers():
    assert Period(date(2026, 3, 9), date(2026, 3, 9)).label == "260309"
    assert week_of(date(2026, 3, 11)).label == "260309-260315"
    assert month_of(date(2026, 2, 14)) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert str(week_of(date(2026, 3, 11))) == "2026-03-09..2026-03-15"
