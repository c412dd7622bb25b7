"""The uptime rule: weighted outage time over counted time, per UTC day, maintenance not
counted, nothing counted before a component's first state or after now."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pointage.status.uptime import Change, Window, compute

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # noon: today has 12 counted hours
DAY = 86400.0


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def long_ago(component: str = "api", status: str = "operational") -> Change:
    return Change(component, status, NOW - timedelta(days=400))


def day_of(uptime, component: str, day: date):  # type: ignore[no-untyped-def]
    return next(d for d in uptime.components[component].days if d.day == day)


def test_ninety_days_ending_today_all_up_when_always_operational() -> None:
    uptime = compute(["api"], [long_ago()], [], NOW)
    assert len(uptime.days) == 90
    assert uptime.days[-1] == date(2026, 3, 10)
    assert uptime.days[0] == date(2026, 3, 10) - timedelta(days=89)
    assert all(d.percent == 100.0 for d in uptime.components["api"].days)
    assert uptime.components["api"].days[-1].counted_seconds == 12 * 3600
    assert uptime.components["api"].days[0].counted_seconds == DAY
    assert uptime.percent == 100.0


def test_a_change_before_the_window_gives_the_state_at_its_start() -> None:
    uptime = compute(["api"], [long_ago(status="major_outage")], [], NOW)
    assert uptime.components["api"].days[0].percent == 0.0
    assert uptime.percent == 0.0


def test_major_outage_of_six_hours_costs_a_quarter_of_the_day() -> None:
    changes = [
        long_ago(),
        Change("api", "major_outage", at(5, 6)),
        Change("api", "operational", at(5, 12)),
    ]
    uptime = compute(["api"], changes, [], NOW)
    assert day_of(uptime, "api", date(2026, 3, 5)).percent == pytest.approx(75.0)
    assert day_of(uptime, "api", date(2026, 3, 4)).percent == 100.0
    assert day_of(uptime, "api", date(2026, 3, 6)).percent == 100.0


def test_partial_outage_weighs_less_than_major() -> None:
    changes = [
        long_ago(),
        Change("api", "partial_outage", at(5, 0)),
        Change("api", "operational", at(5, 12)),
    ]
    uptime = compute(["api"], changes, [], NOW)
    assert day_of(uptime, "api", date(2026, 3, 5)).percent == pytest.approx(100 * (1 - 0.3 * 0.5))


def test_degraded_performance_and_maintenance_status_cost_nothing() -> None:
    changes = [
        long_ago(),
        Change("api", "degraded_performance", at(5, 0)),
        Change("api", "under_maintenance", at(5, 12)),
        Change("api", "operational", at(6, 0)),
    ]
    uptime = compute(["api"], changes, [], NOW)
    assert day_of(uptime, "api", date(2026, 3, 5)).percent == 100.0


def test_an_outage_across_midnight_is_split_between_the_two_days() -> None:
    changes = [
        long_ago(),
        Change("api", "major_outage", at(5, 18)),
        Change("api", "operational", at(6, 12)),
    ]
    uptime = compute(["api"], changes, [], NOW)
    assert day_of(uptime, "api", date(2026, 3, 5)).percent == pytest.approx(75.0)
    assert day_of(uptime, "api", date(2026, 3, 6)).percent == pytest.approx(50.0)
    assert day_of(uptime, "api", date(2026, 3, 5)).outage_seconds == 6 * 3600


def test_an_outage_still_going_counts_up_to_now_only() -> None:
    changes = [long_ago(), Change("api", "major_outage", at(10, 6))]
    uptime = compute(["api"], changes, [], NOW)
    today = uptime.components["api"].days[-1]
    assert today.counted_seconds == 12 * 3600
    assert today.percent == pytest.approx(50.0)


def test_maintenance_time_is_not_counted_at_all() -> None:
    changes = [
        long_ago(),
        Change("api", "major_outage", at(5, 0)),
        Change("api", "operational", at(5, 12)),
    ]
    windows = [Window(frozenset({"api"}), at(5, 0), at(5, 6))]
    uptime = compute(["api", "ipn"], [*changes, long_ago("ipn")], windows, NOW)
    day = day_of(uptime, "api", date(2026, 3, 5))
    assert day.counted_seconds == 18 * 3600
    assert day.outage_seconds == 6 * 3600
    assert day.percent == pytest.approx(100 * (1 - 6 / 18))
    # The other component is not under that maintenance: its whole day counts.
    assert day_of(uptime, "ipn", date(2026, 3, 5)).counted_seconds == DAY


def test_a_maintenance_not_completed_runs_until_now() -> None:
    windows = [Window(frozenset({"api"}), at(10, 0), None)]
    uptime = compute(["api"], [long_ago()], windows, NOW)
    assert uptime.components["api"].days[-1].percent is None
    assert uptime.components["api"].days[-1].counted_seconds == 0


def test_a_day_wholly_under_maintenance_has_no_figure() -> None:
    windows = [Window(frozenset({"api"}), at(4, 22), at(6, 1))]
    uptime = compute(["api"], [long_ago()], windows, NOW)
    assert day_of(uptime, "api", date(2026, 3, 5)).percent is None
    assert day_of(uptime, "api", date(2026, 3, 4)).counted_seconds == 22 * 3600
    assert day_of(uptime, "api", date(2026, 3, 6)).counted_seconds == 23 * 3600


def test_a_component_created_within_the_window_counts_from_its_first_state() -> None:
    changes = [Change("reports", "operational", at(8, 18))]
    uptime = compute(["reports"], changes, [], NOW)
    days = uptime.components["reports"].days
    assert all(d.percent is None for d in days[:-3])
    assert day_of(uptime, "reports", date(2026, 3, 8)).counted_seconds == 6 * 3600
    assert uptime.components["reports"].percent == 100.0


def test_a_component_with_no_history_has_no_figure() -> None:
    uptime = compute(["api"], [], [], NOW)
    assert uptime.components["api"].percent is None
    assert uptime.percent is None


def test_overall_is_over_all_components_and_days() -> None:
    changes = [
        long_ago("api", "major_outage"),
        Change("ipn", "operational", NOW - timedelta(days=400)),
    ]
    uptime = compute(["api", "ipn"], changes, [], NOW)
    assert uptime.percent == pytest.approx(50.0)
    assert uptime.components["api"].percent == 0.0
    assert uptime.components["ipn"].percent == 100.0


def test_naive_times_are_read_as_utc() -> None:
    changes = [
        long_ago(),
        Change("api", "major_outage", datetime(2026, 3, 5, 6)),  # noqa: DTZ001
        Change("api", "operational", datetime(2026, 3, 5, 12)),  # noqa: DTZ001
    ]
    uptime = compute(["api"], changes, [], NOW.replace(tzinfo=None))
    assert day_of(uptime, "api", date(2026, 3, 5)).percent == pytest.approx(75.0)
