"""The scheduler's heartbeat: each tick of the capture scheduler (pointage.jobs.scheduler)
writes the time it ran into the probe reading `scheduler_heartbeat`, and the probe
`scheduler_heartbeat_age_s` reads how long ago that was. A scheduler that stopped, hangs in a
tick or cannot reach the database stops beating."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from pointage.status.models import StatusProbeReading
from pointage.status.vocabulary import ComponentStatus

HEARTBEAT = "scheduler_heartbeat"


def beat(session: Session, now: datetime, interval_seconds: float) -> None:
    """The scheduler is alive at `now` (one row, replaced at every tick)."""
    row = session.get(StatusProbeReading, HEARTBEAT)
    if row is None:
        row = StatusProbeReading(probe=HEARTBEAT)
        session.add(row)
    row.component_key = "capture_batch"
    row.status = ComponentStatus.OPERATIONAL.value
    row.value = float(interval_seconds)
    row.unit = "s"
    row.detail = f"the capture scheduler ticked (every {interval_seconds:g} s)"
    row.measured_at = now


def last_beat(session: Session) -> datetime | None:
    row = session.get(StatusProbeReading, HEARTBEAT)
    return None if row is None else row.measured_at
