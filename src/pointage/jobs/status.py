"""The status page's probes in `pointage serve`: every `status_probe_seconds` (a minute by
default) the scheduled maintenance due moves on (pointage.status.maintenance.advance_scheduled:
started at its start, completed at its end), then a round of every probe
(pointage.status.probes.run_probe_round), in a worker thread so that the event loop keeps
serving requests. The round keeps its result on the application
(`app.state.status_last_round`) for the public page to answer from while the database is
unreachable; it never raises.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from pointage.db.session import unit_of_work
from pointage.jobs.periodic import PeriodicJob
from pointage.settings import Settings
from pointage.status.maintenance import advance_scheduled
from pointage.status.probes import ProbeRound, run_probe_round

log = logging.getLogger(__name__)


class StatusProbeJob(PeriodicJob):
    """Runs a probe round every `settings.status_probe_seconds` until stopped."""

    name = "status-probes"

    def __init__(self, factory: sessionmaker[Session], settings: Settings, app: Any) -> None:
        super().__init__(settings.status_probe_seconds)
        self.factory = factory
        self.settings = settings
        self.app = app
        self.rounds = 0

    def tick(self, now: datetime | None = None) -> ProbeRound:
        now = now or datetime.now(UTC)
        self._advance_maintenance(now)
        result = run_probe_round(self.factory, self.settings, self.app, now)
        self.rounds += 1
        return result

    def _advance_maintenance(self, now: datetime) -> None:
        """Before the probes: a maintenance starting now holds its components first."""
        try:
            with unit_of_work(self.factory) as session:
                moved = advance_scheduled(session, now)
        except Exception:
            # The database may be away: the round says so; retried at the next tick.
            log.exception("scheduled maintenance could not be moved on")
            return
        for maintenance in moved:
            log.info("maintenance %s is now %s", maintenance.public_id, maintenance.status)
