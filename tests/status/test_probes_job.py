"""The probes' job starts and stops with the server (the application's lifespan) when its
in-process jobs are enabled, and runs a round at once."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from pointage.db.session import unit_of_work
from pointage.jobs.status import StatusProbeJob
from pointage.settings import Settings
from pointage.status.components import ensure_components
from pointage.status.maintenance import schedule
from pointage.status.models import StatusComponent, StatusIncident, StatusProbeReading
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


def test_a_tick_moves_maintenance_on_and_no_draft_opens_for_what_it_holds(
    settings: Settings, session_factory
) -> None:
    now = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    # Every round trip counts as an outage: the database is in major outage for the probes.
    outage = Settings(
        **{
            **settings.model_dump(),
            "status_thresholds": json.dumps(
                {
                    "database_latency_ms": {"degraded": 0, "partial": 0, "major": 0},
                    "api_latency_ms": {"degraded": 60_000, "partial": 60_000, "major": 60_000},
                }
            ),
        }
    )
    with unit_of_work(session_factory) as session:
        ensure_components(session, now)
        maintenance = schedule(
            session,
            name="Database upgrade",
            components=["database", "ipn", "statement_import"],
            scheduled_for=now + timedelta(minutes=10),
            scheduled_until=now + timedelta(minutes=70),
            body="Upgrading the database server.",
            actor="ops",
            now=now,
        )
        maintenance_id = maintenance.id
    app = create_app(outage)
    try:
        job = StatusProbeJob(session_factory, outage, app)
        job.tick(now + timedelta(minutes=11))
        with unit_of_work(session_factory) as session:
            assert session.get(StatusIncident, maintenance_id).status == "in_progress"  # type: ignore[union-attr]
            database = session.scalars(
                select(StatusComponent).where(StatusComponent.key == "database")
            ).one()
            assert database.status == "under_maintenance"
            assert database.probe_status == "major_outage"
            incidents = session.scalars(select(StatusIncident.kind)).all()
        assert incidents == ["maintenance"]  # no draft for what the maintenance holds

        job.tick(now + timedelta(minutes=71))
        with unit_of_work(session_factory) as session:
            assert session.get(StatusIncident, maintenance_id).status == "completed"  # type: ignore[union-attr]
            database = session.scalars(
                select(StatusComponent).where(StatusComponent.key == "database")
            ).one()
            assert database.status == "major_outage"
        assert job.rounds == 2
    finally:
        app.state.engine.dispose()
