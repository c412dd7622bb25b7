"""Engine and unit of work.

Nothing connects at import time: `make_engine(settings)` is called by `create_app`, the CLI
or a test. Services receive a `Session` and never commit; the unit of work that opened it
(request, CLI command, job) commits or rolls back.

A unit of work that only reads says so (`unit_of_work(factory, read_only=True)`): on SQLite
its transaction begins without the write lock, so it neither waits for a writer (a capture
batch, an import holding the lock for seconds) nor makes one wait, and reads the last
committed state; on both databases a write in it fails at once (SQLite's `query_only`,
PostgreSQL's read-only transaction) instead of racing another writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from pointage.settings import Settings


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while the batch writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# The execution option a read-only unit of work sets on its connection before it begins.
READ_ONLY = "pointage_read_only"


def _reads_only(conn: Any) -> bool:
    return bool(conn.get_execution_options().get(READ_ONLY, False))


def _sqlite_begin(conn: Any) -> None:
    # A unit of work that may write takes the write lock when its transaction starts, not
    # at its first write: two writers that both read first and then write would otherwise
    # deadlock with SQLITE_BUSY. One that only reads takes no lock (WAL: readers never
    # wait), and its connection refuses writes until a writing unit of work has it again.
    read_only = _reads_only(conn)
    pooled = conn.connection
    if pooled.info.get(READ_ONLY, False) is not read_only:
        conn.exec_driver_sql(f"PRAGMA query_only = {int(read_only)}")
        pooled.info[READ_ONLY] = read_only
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _postgresql_begin(conn: Any) -> None:
    # psycopg begins the transaction at the first statement, as read-only or not.
    dbapi_connection = conn.connection.dbapi_connection
    read_only = _reads_only(conn)
    if dbapi_connection.read_only is not read_only:
        dbapi_connection.read_only = read_only


# Each request in flight holds a connection while it works (FastAPI runs up to 40 worker
# threads). A connection taken above `pool_size` is closed when given back: a pool smaller
# than the work in flight opens and closes connections all the time (on PostgreSQL, a new
# server process each), which cost the status reads a fifth of their throughput
# (docs/benchmarks.md). At most 40 connections per process.
POOL_SIZE = 20
MAX_OVERFLOW = 20


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    if "poolclass" not in kwargs and make_url(database_url).database not in (None, "", ":memory:"):
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", MAX_OVERFLOW)
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            **kwargs,
        )
        event.listen(engine, "connect", sqlite_pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, decide when transactions begin.
            dbapi_connection.isolation_level = None

        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(database_url, pool_pre_ping=True, **kwargs)
    if engine.dialect.driver == "psycopg":
        event.listen(engine, "begin", _postgresql_begin)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def open_unit(factory: sessionmaker[Session], *, read_only: bool = False) -> Session:
    """The session of a new unit of work (no connection is taken before its first query);
    end it with `end_unit`. `read_only`: the unit only reads (see the module's docstring)."""
    session = factory(execution_options={READ_ONLY: True}) if read_only else factory()
    session.info[READ_ONLY] = read_only
    return session


def end_unit(session: Session, *, succeeded: bool) -> None:
    """Commit if the unit succeeded, roll back otherwise (a failed commit too), close."""
    try:
        if succeeded:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, read_only: bool = False) -> Iterator[Session]:
    """One transaction: commit if the block succeeds, roll back if it raises. `read_only`:
    the block only reads (see the module's docstring)."""
    session = open_unit(factory, read_only=read_only)
    try:
        yield session
    except BaseException:
        end_unit(session, succeeded=False)
        raise
    end_unit(session, succeeded=True)


def is_read_only(session: Session) -> bool:
    """Whether the session is a read-only unit of work's."""
    return bool(session.info.get(READ_ONLY, False))


def engine_from_settings(settings: Settings) -> Engine:
    return make_engine(settings.database_url)
