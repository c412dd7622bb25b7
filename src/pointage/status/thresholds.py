"""When a probe's reading turns a component degraded, partially or wholly out: the defaults,
and the operator's changes given as JSON in POINTAGE_STATUS_THRESHOLDS, checked at start-up.

Each threshold is a pair of bounds per level: a reading at or above `degraded` is
degraded_performance, at or above `partial` a partial_outage, at or above `major` a
major_outage (a probe that cannot read at all says major_outage by itself). A level left out
(None) is never reached by the reading alone.

This module imports nothing of the application, so that the settings can check the JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from pointage.status.vocabulary import ComponentStatus


class ThresholdError(ValueError):
    pass


@dataclass(frozen=True)
class Levels:
    degraded: float | None
    partial: float | None
    major: float | None

    def status_of(self, reading: float) -> ComponentStatus:
        if self.major is not None and reading >= self.major:
            return ComponentStatus.MAJOR_OUTAGE
        if self.partial is not None and reading >= self.partial:
            return ComponentStatus.PARTIAL_OUTAGE
        if self.degraded is not None and reading >= self.degraded:
            return ComponentStatus.DEGRADED_PERFORMANCE
        return ComponentStatus.OPERATIONAL


# Probe name: its levels, in the probe's unit (named in the key's suffix).
DEFAULTS: dict[str, Levels] = {
    # A simple query's round trip to the database.
    "database_latency_ms": Levels(degraded=250, partial=1_000, major=5_000),
    # The API answering one of its own status reads, in process.
    "api_latency_ms": Levels(degraded=500, partial=2_000, major=10_000),
    # Seconds since the scheduler's last heartbeat (it beats every scheduler interval).
    "scheduler_heartbeat_age_s": Levels(degraded=180, partial=600, major=1_800),
    # Minutes a due capture batch or reconciliation run is late against its schedule.
    "capture_batch_late_min": Levels(degraded=15, partial=60, major=240),
    "reconciliation_late_min": Levels(degraded=30, partial=120, major=480),
    # Report deliveries and webhook deliveries given up (failed) over the last 24 hours.
    "report_delivery_failures": Levels(degraded=1, partial=10, major=None),
    "webhook_failures": Levels(degraded=5, partial=50, major=None),
    # Deliveries due for more than 15 minutes and not sent yet (the backlog).
    "report_delivery_backlog": Levels(degraded=5, partial=50, major=500),
    "webhook_backlog": Levels(degraded=50, partial=500, major=5_000),
}


def parse_thresholds(text: str) -> dict[str, Levels]:
    """The defaults with the JSON's changes: {"database_latency_ms": {"degraded": 100}, …}.
    Unknown names, unknown levels, negative or unordered bounds are refused, named."""
    if not text.strip():
        return dict(DEFAULTS)
    try:
        given = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ThresholdError(f"status thresholds: not JSON ({exc.msg} at {exc.pos})") from None
    if not isinstance(given, dict):
        raise ThresholdError("status thresholds: a JSON object of probe names is expected")
    result = dict(DEFAULTS)
    for name, levels in given.items():
        if name not in DEFAULTS:
            known = ", ".join(sorted(DEFAULTS))
            raise ThresholdError(f"status thresholds: unknown probe {name!r} (known: {known})")
        if not isinstance(levels, dict):
            raise ThresholdError(f"status thresholds: {name} must be an object of levels")
        changes: dict[str, float | None] = {}
        for level, bound in levels.items():
            if level not in ("degraded", "partial", "major"):
                raise ThresholdError(f"status thresholds: {name}: unknown level {level!r}")
            valid = bound is None or (
                isinstance(bound, int | float) and not isinstance(bound, bool) and bound >= 0
            )
            if not valid:
                raise ThresholdError(
                    f"status thresholds: {name}.{level} must be a number ≥ 0 or null"
                )
            changes[level] = None if bound is None else float(bound)
        merged = replace(result[name], **changes)
        bounds = [b for b in (merged.degraded, merged.partial, merged.major) if b is not None]
        if bounds != sorted(bounds):
            raise ThresholdError(
                f"status thresholds: {name}: degraded ≤ partial ≤ major is required"
            )
        result[name] = merged
    return result
