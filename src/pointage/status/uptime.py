"""Uptime: per component and per day (UTC), the share of the counted time it was up.

    uptime % = 100 x (1 - weighted outage time / counted time)

where a major outage weighs 1.0, a partial outage 0.3, and degraded performance, operational
and under maintenance 0. Time under a scheduled maintenance that affects the component (from
its start in progress to its completion) is not counted at all, neither up nor down. Time
before a component's first recorded state (a component created within the window) and time
after `now` are not counted either. A day with no counted time has no figure (None). The
overall figure is the same ratio over every component and every day of the window.

A pure function of the change history and the maintenance windows: no database, no clock.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pointage.status.vocabulary import ComponentStatus

DAYS = 90

WEIGHTS: dict[str, float] = {
    ComponentStatus.MAJOR_OUTAGE: 1.0,
    ComponentStatus.PARTIAL_OUTAGE: 0.3,
}


@dataclass(frozen=True)
class Change:
    """`component` is in `status` from `at` until its next change."""

    component: str
    status: str
    at: datetime


@dataclass(frozen=True)
class Window:
    """A scheduled maintenance in progress on `components` from `start` to `end` (None: not
    completed yet, so up to now)."""

    components: frozenset[str]
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class DayUptime:
    day: date
    percent: float | None  # None: nothing counted that day
    outage_seconds: float  # weighted
    counted_seconds: float


@dataclass(frozen=True)
class ComponentUptime:
    component: str
    days: tuple[DayUptime, ...]  # oldest first
    percent: float | None  # over the whole window


@dataclass(frozen=True)
class Uptime:
    days: tuple[date, ...]  # oldest first, the last one is today (UTC)
    components: dict[str, ComponentUptime]
    percent: float | None  # every component, every day


def _percent(outage: float, counted: float) -> float | None:
    if counted <= 0:
        return None
    return 100.0 * (1.0 - outage / counted)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def compute(
    components: Sequence[str],
    changes: Iterable[Change],
    windows: Iterable[Window],
    now: datetime,
    days: int = DAYS,
) -> Uptime:
    """The uptime of `components` over the `days` days (UTC) ending today, `now` included."""
    now = _utc(now)
    today = now.date()
    day_list = tuple(today - timedelta(days=days - 1 - i) for i in range(days))
    start = datetime.combine(day_list[0], time(), UTC)
    history: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        history[change.component].append(Change(change.component, change.status, _utc(change.at)))
    maintenance: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for window in windows:
        begin, end = _utc(window.start), _utc(window.end) if window.end is not None else now
        for component in window.components:
            maintenance[component].append((begin, end))

    result: dict[str, ComponentUptime] = {}
    total_outage = total_counted = 0.0
    for component in components:
        per_day = _component_days(
            sorted(history.get(component, []), key=lambda c: c.at),
            maintenance.get(component, []),
            start,
            now,
            day_list,
        )
        outage = sum(d.outage_seconds for d in per_day)
        counted = sum(d.counted_seconds for d in per_day)
        total_outage += outage
        total_counted += counted
        result[component] = ComponentUptime(component, per_day, _percent(outage, counted))
    return Uptime(day_list, result, _percent(total_outage, total_counted))


def _component_days(
    changes: list[Change],
    maintenance: list[tuple[datetime, datetime]],
    start: datetime,
    now: datetime,
    day_list: tuple[date, ...],
) -> tuple[DayUptime, ...]:
    outage: dict[date, float] = defaultdict(float)
    counted: dict[date, float] = defaultdict(float)
    # Cut the window at every change, every maintenance bound and every midnight: within a
    # piece the state, the maintenance and the day are the same throughout.
    cuts = {start, now}
    cuts.update(c.at for c in changes if start < c.at < now)
    for begin, end in maintenance:
        cuts.update(t for t in (begin, end) if start < t < now)
    cuts.update(datetime.combine(d, time(), UTC) for d in day_list[1:])
    points = sorted(t for t in cuts if start <= t <= now)
    index = 0
    status: str | None = None
    for left, right in itertools.pairwise(points):
        while index < len(changes) and changes[index].at <= left:
            status = changes[index].status
            index += 1
        if status is None:
            continue  # before the component's first known state
        if any(begin <= left and right <= end for begin, end in maintenance):
            continue
        seconds = (right - left).total_seconds()
        day = left.date()
        counted[day] += seconds
        outage[day] += seconds * WEIGHTS.get(status, 0.0)
    return tuple(
        DayUptime(d, _percent(outage[d], counted[d]), outage[d], counted[d]) for d in day_list
    )
