"""The database probe against a database that really goes away: a SQLite file replaced by
something that is no database, a PostgreSQL database whose connections are cut and refused.
The round then says major outage, writes nothing and keeps its result in memory."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, select, text

from pointage.db.session import make_engine, make_session_factory, unit_of_work
from pointage.settings import Settings
from pointage.status.models import StatusComponent, StatusProbeReading
from pointage.status.probes import ProbeContext, last_round, probe_database, run_probe_round
from pointage.status.thresholds import DEFAULTS
from pointage.status.vocabulary import ComponentStatus
from pointage.web.app import create_app

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
PG_URL = os.environ.get("POINTAGE_TEST_DATABASE_URL")


def _settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        environment="test",
        secret_key="test-secret-key-0123456789abcdef0123456789",
        scheduler_enabled=False,
        # Latencies are not what is tested here: a loaded machine may take its time.
        status_thresholds='{"database_latency_ms": {"degraded": 60000, "partial": 60000, '
        '"major": 60000}, "api_latency_ms": {"degraded": 60000, "partial": 60000, '
        '"major": 60000}}',
    )


@pytest.mark.skipif(bool(PG_URL), reason="the SQLite file case")
def test_a_sqlite_file_gone_is_a_major_outage_and_nothing_is_written(
    migrated_template: str, tmp_path: Path
) -> None:
    path = tmp_path / "pointage.db"
    shutil.copyfile(migrated_template.removeprefix("sqlite:///"), path)
    settings = _settings(f"sqlite:///{path}")
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    app = create_app(settings)
    try:
        healthy = run_probe_round(factory, settings, app, NOW)
        assert healthy.written

        # The file goes: connections are closed and a directory stands in its place.
        engine.dispose()
        app.state.engine.dispose()
        path.rename(tmp_path / "moved.db")
        path.mkdir()
        down = run_probe_round(factory, settings, app, NOW + timedelta(minutes=1))

        assert not down.database_reachable and not down.written
        database = down.reading_of("database_latency_ms")
        assert database is not None and database.value is None
        assert database.status == ComponentStatus.MAJOR_OUTAGE
        assert database.detail.startswith("the database is unreachable: OperationalError")
        assert down.statuses["database"] == ComponentStatus.MAJOR_OUTAGE
        # The API cannot answer without its database; the daily work is not measured.
        assert down.statuses["api"] == ComponentStatus.MAJOR_OUTAGE
        late = down.reading_of("capture_batch_late_min")
        assert late is not None and "the database is unreachable" in late.detail
        assert last_round() is down and app.state.status_last_round is down
        assert down.error == database.detail

        # It comes back: the round while it was away wrote nothing.
        path.rmdir()
        (tmp_path / "moved.db").rename(path)
        with unit_of_work(factory) as session:
            row = session.get(StatusProbeReading, "database_latency_ms")
            assert row is not None and row.measured_at == NOW
            assert (
                session.scalars(
                    select(StatusComponent.status).where(StatusComponent.key == "database")
                ).one()
                == ComponentStatus.OPERATIONAL
            )
        back = run_probe_round(factory, settings, app, NOW + timedelta(minutes=2))
        assert back.written and back.statuses["database"] == ComponentStatus.OPERATIONAL
    finally:
        engine.dispose()
        app.state.engine.dispose()


@pytest.fixture
def scratch_postgresql() -> Iterator[str]:
    """An empty database of its own on the test server, dropped afterwards."""
    if not PG_URL:
        pytest.skip("needs POINTAGE_TEST_DATABASE_URL (PostgreSQL)")
    url = make_url(PG_URL)
    name = f"{url.database}_probe_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _cut_off(admin_url: str, name: str, *, allow: bool) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}'))
        if not allow:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
    admin.dispose()


def test_a_postgresql_database_cut_off_is_a_major_outage(scratch_postgresql: str) -> None:
    assert PG_URL is not None
    name = make_url(scratch_postgresql).database
    assert name is not None
    settings = _settings(scratch_postgresql)
    engine = make_engine(scratch_postgresql)
    factory = make_session_factory(engine)
    context = ProbeContext(settings, dict(DEFAULTS), NOW)
    try:
        up = probe_database(factory, context)
        assert up.status == ComponentStatus.OPERATIONAL and up.value is not None

        # Its connections are terminated (the pool holds one) and new ones refused.
        _cut_off(PG_URL, name, allow=False)
        down = probe_database(factory, context)
        assert down.status == ComponentStatus.MAJOR_OUTAGE and down.value is None
        assert down.detail.startswith("the database is unreachable: OperationalError")
        assert "not currently accepting connections" in down.detail

        result = run_probe_round(factory, settings, None, NOW)
        assert not result.database_reachable and not result.written
        assert result.statuses["database"] == ComponentStatus.MAJOR_OUTAGE
        assert last_round() is result

        # Allowed again: the pool's next connection works.
        _cut_off(PG_URL, name, allow=True)
        again = probe_database(factory, context)
        assert again.status == ComponentStatus.OPERATIONAL
    finally:
        engine.dispose()
