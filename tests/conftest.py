"""Test fixtures: a migrated database per test, on SQLite by default and on PostgreSQL when
POINTAGE_TEST_DATABASE_URL is set (CI runs the suite both ways).

SQLite: the schema is migrated once per worker into a template file, copied for each test.
PostgreSQL: each pytest-xdist worker gets its own database, migrated once; each test starts
from empty tables (TRUNCATE), so tests may commit, and may run real concurrent transactions.
"""

from __future__ import annotations

import os
import shutil
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from pointage.db import session as db_session
from pointage.db.base import Base
from pointage.db.migrate import upgrade
from pointage.db.session import make_engine, make_session_factory
from pointage.settings import Settings

PG_URL = os.environ.get("POINTAGE_TEST_DATABASE_URL")

# Tests build many applications, each with an engine of its own, and a test client that does
# not run the lifespan never disposes of it: with the server's pool (20 idle connections kept
# per engine), finished tests' idle connections pile up to PostgreSQL's max_connections.
# Two kept per engine is what a test needs; connections above them close when given back.
db_session.POOL_SIZE = 2


@pytest.fixture(autouse=True)
def _idle_connections_closed_after_each_test() -> Iterator[None]:
    """Even two idle connections an engine pile up over a few hundred tests on PostgreSQL
    (its max_connections is 100, shared by the test workers): every engine a test connects
    through gives its idle connections back when the test ends. An engine still in use (a
    server fixture's) opens new ones when it next needs them."""
    if not PG_URL:
        yield
        return
    used: weakref.WeakSet[Engine] = weakref.WeakSet()

    def remember(connection: Connection) -> None:
        used.add(connection.engine)

    event.listen(Engine, "engine_connect", remember)
    try:
        yield
    finally:
        event.remove(Engine, "engine_connect", remember)
        for engine in list(used):
            engine.dispose()


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a freshly migrated database for this worker (a template file on SQLite)."""
    if PG_URL:
        url = make_url(PG_URL)
        # The process id keeps two runs against the same server (two developers, CI) apart.
        name = f"{url.database}_{_worker()}_{os.getpid()}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        worker_url = url.set(database=name).render_as_string(hide_password=False)
        upgrade(worker_url)
        yield worker_url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        return
    template = tmp_path_factory.mktemp("db") / "template.db"
    url = f"sqlite:///{template}"
    upgrade(url)
    yield url


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    if PG_URL:
        # DELETE is much faster than TRUNCATE on the handful of rows a test leaves behind.
        engine = create_engine(migrated_template)
        with engine.begin() as conn:
            # The append-only triggers of the logs would refuse the clean-up: replica mode
            # skips triggers for this transaction only.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
        engine.dispose()
        return migrated_template
    source = Path(migrated_template.removeprefix("sqlite:///"))
    target = tmp_path / "pointage.db"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for the test body; the test commits when it wants the data visible to
    another connection (an HTTP request, a concurrent batch)."""
    s = session_factory()
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        secret_key="test-secret-key-0123456789abcdef0123456789",
        scheduler_enabled=False,
        # The status page keeps its last known state in a file: the test's own, not the
        # working directory's.
        status_snapshot_file=str(tmp_path / "status-snapshot.json"),
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[object]:
    """An HTTP client on a freshly built application (no server process)."""
    from fastapi.testclient import TestClient

    from pointage.web.app import create_app

    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client
