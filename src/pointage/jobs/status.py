"""The status page's probes in `pointage serve`: every `status_probe_seconds` (a minute by
default) a round of every probe (pointage.status.probes.run_probe_round), in a worker thread
so that the event loop keeps serving requests. The round keeps its result on the application
(`app.state.status_last_round`) for the public page to answer from while the database is
unreachable; it never raises.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from pointage.jobs.periodic import PeriodicJob
from pointage.settings import Settings
from pointage.status.probes import ProbeRound, run_probe_round


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
        result = run_probe_round(self.factory, self.settings, self.app, now)
        self.rounds += 1
        return result
