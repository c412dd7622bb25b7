"""While the database cannot be reached, /status and the JSON still answer 200, from the last
known state (memory, else the snapshot file), with the database in major outage and the
indicator at least major; with nothing known, from the catalogue. The database is made
really unreachable: a SQLite file replaced by a directory, a PostgreSQL database whose
connections are terminated and which is dropped, a server address where nothing listens."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from pointage.db.migrate import upgrade
from pointage.db.session import make_engine, make_session_factory
from pointage.settings import Settings
from pointage.status import snapshot
from pointage.web.app import create_app
from tests.status.public_seed import seed

NOW = datetime.now(UTC)
PG_URL = os.environ.get(
    "POINTAGE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _settings(database_url: str, snapshot_file: Path) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        secret_key="test-secret-key-0123456789abcdef0123456789",
        scheduler_enabled=False,
        status_snapshot_file=str(snapshot_file),
    )


def _component(body: dict[str, Any], key: str) -> dict[str, Any]:
    return next(c for c in body["components"] if c["key"] == key)


def _break_sqlite(client: TestClient, database: Path) -> None:
    """The file is gone and nothing can create it again (a directory in its place), and the
    connections the server held are closed."""
    database.unlink()
    database.mkdir()
    client.app.state.engine.dispose()  # type: ignore[attr-defined]


def _assert_down(client: TestClient, incident_id: str | None) -> None:
    for path in ("/api/v2/summary.json", "/api/v2/status.json", "/api/v2/components.json"):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text)
        body = answer.json()
        if "status" in body:
            assert body["status"]["indicator"] in ("major", "critical")
        if "components" in body:
            assert _component(body, "database")["status"] == "major_outage"
            assert _component(body, "infrastructure")["status"] == "major_outage"
    summary = client.get("/api/v2/summary.json").json()
    if incident_id is not None:
        assert [i["id"] for i in summary["incidents"]] == [incident_id]
        assert _component(summary, "api")["status"] == "partial_outage"  # as last known
    page = client.get("/status?lang=en")
    assert page.status_code == 200
    assert "The status records cannot be reached just now" in page.text
    assert "Major outage" in page.text
    for path in ("/status/history.atom", "/status/history.rss"):
        assert client.get(path).status_code == 200
    assert client.get("/status/history").status_code == 503


@pytest.fixture(autouse=True)
def _fresh_memory() -> None:
    snapshot.forget()


def test_sqlite_file_gone_answers_from_the_last_known_state(tmp_path: Path) -> None:
    database = tmp_path / "status.db"
    upgrade(f"sqlite:///{database}")
    engine = make_engine(f"sqlite:///{database}")
    seeded = seed(make_session_factory(engine), NOW)
    engine.dispose()
    snapshot_file = tmp_path / "state" / "snapshot.json"
    settings = _settings(f"sqlite:///{database}", snapshot_file)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        known = client.get("/api/v2/summary.json").json()
        assert _component(known, "database")["status"] == "operational"
        assert snapshot_file.exists()
        kept = json.loads(snapshot_file.read_text())
        assert kept["incidents"][0]["id"] == seeded.unresolved
        _break_sqlite(client, database)
        _assert_down(client, seeded.unresolved)
        page = client.get("/status?lang=en").text
        assert "last known at" in page and "Slow answers from the API" in page
        # An incident kept in the last known state is still shown.
        detail = client.get(f"/status/incidents/{seeded.unresolved}?lang=en")
        assert detail.status_code == 200 and "A database index is missing." in detail.text
    # A server started while the database is unreachable answers from the file.
    snapshot.forget()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        _assert_down(client, seeded.unresolved)


def test_nothing_known_answers_from_the_catalogue(tmp_path: Path) -> None:
    # Nothing listens on port 9 of this machine (discard, never served here).
    settings = _settings(
        "postgresql+psycopg://nobody@127.0.0.1:9/none", tmp_path / "never-written.json"
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        _assert_down(client, None)
        body = client.get("/api/v2/summary.json").json()
        assert body["incidents"] == [] and body["scheduled_maintenances"] == []
        assert len(body["components"]) == 11
        assert body["status"] == {"indicator": "critical", "description": "Major System Outage"}
        assert {
            c["status"]
            for c in body["components"]
            if c["key"] not in ("database", "infrastructure")
        } == {"operational"}
    assert not (tmp_path / "never-written.json").exists()


def test_an_unwritable_snapshot_file_does_not_stop_the_page(tmp_path: Path) -> None:
    database = tmp_path / "status.db"
    upgrade(f"sqlite:///{database}")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a directory is expected")
    settings = _settings(f"sqlite:///{database}", blocked / "snapshot.json")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/api/v2/summary.json").status_code == 200
        assert client.get("/status").status_code == 200


def _postgres_reachable() -> bool:
    try:
        engine = create_engine(PG_URL)
        with engine.connect():
            pass
        engine.dispose()
    except Exception:
        return False
    return True


@pytest.mark.skipif(not _postgres_reachable(), reason="no PostgreSQL server to break")
def test_postgresql_database_dropped_answers_from_the_last_known_state(tmp_path: Path) -> None:
    url = make_url(PG_URL)
    name = f"status_down_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    scratch = url.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(scratch)
        engine = make_engine(scratch)
        seeded = seed(make_session_factory(engine), NOW)
        engine.dispose()
        settings = _settings(scratch, tmp_path / "snapshot.json")
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            assert client.get("/api/v2/summary.json").status_code == 200
            with admin.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            _assert_down(client, seeded.unresolved)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
