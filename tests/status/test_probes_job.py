"""The probes' job starts and stops with the server (the application's lifespan) when its
in-process jobs are enabled, and runs a round at once."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from pointage.db.session import unit_of_work
from pointage.jobs.status import StatusProbeJob
from pointage.settings import Settings
from pointage.status.models import StatusProbeReading
from pointage.web.app import create_app

# A bound on the wait for the first round, generous for a loaded machine; not a measure.
WAIT_SECONDS = 120


def test_the_job_starts_with_the_application_and_runs_a_round(settings: Settings) -> None:
    settings = Settings(
        **{**settings.model_dump(), "scheduler_enabled": True, "status_probe_seconds": 5}
    )
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False):
        job = app.state.status_probe_job
        assert isinstance(job, StatusProbeJob) and job.period_seconds == 5
        deadline = time.monotonic() + WAIT_SECONDS
        while job.rounds == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert job.rounds >= 1
        result = app.state.status_last_round
        assert result.written and result.database_reachable
        with unit_of_work(app.state.session_factory) as session:
            probes = set(session.scalars(select(StatusProbeReading.probe)))
        assert {"database_latency_ms", "api_latency_ms", "backoffice_latency_ms"} <= probes
        api = result.reading_of("api_latency_ms")
        assert api is not None and "answered 200" in api.detail
    # Stopped with the application.
    assert job._task is not None and job._task.done()


def test_no_job_when_the_in_process_jobs_are_disabled(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False):
        assert app.state.status_probe_job is None
