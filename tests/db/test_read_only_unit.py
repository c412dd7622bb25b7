"""A unit of work that only reads: it refuses writes, leaves its connection fit for the next
writer, and on SQLite reads while another connection holds the write lock."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from pointage.db.session import is_read_only, make_engine, make_session_factory, unit_of_work
from pointage.shop.models import Merchant


def _merchants(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Merchant)) or 0


def test_a_write_in_a_read_only_unit_fails_at_once(session_factory: sessionmaker[Session]):
    with pytest.raises(DBAPIError), unit_of_work(session_factory, read_only=True) as session:
        assert is_read_only(session)
        session.add(Merchant(name="Never stored"))
        session.flush()
    with unit_of_work(session_factory) as session:
        assert _merchants(session) == 0


def test_the_next_unit_on_the_same_connection_writes_again(database_url: str):
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        factory = make_session_factory(engine)
        for _ in range(2):
            with unit_of_work(factory, read_only=True) as session:
                assert _merchants(session) >= 0
            with unit_of_work(factory) as session:
                assert not is_read_only(session)
                session.add(Merchant(name="Stored"))
        with unit_of_work(factory, read_only=True) as session:
            assert _merchants(session) == 2
    finally:
        engine.dispose()


def _impatient_factory(engine: Engine, database_url: str) -> sessionmaker[Session]:
    """On SQLite, sessions whose connections give up at once on a lock rather than wait."""
    if engine.dialect.name != "sqlite":
        return make_session_factory(engine)
    impatient = make_engine(database_url)

    @event.listens_for(impatient, "connect")
    def _no_waiting(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout = 0")

    return make_session_factory(impatient)


def test_reads_see_the_last_commit_while_a_writer_holds_the_lock(
    engine: Engine, database_url: str, session: Session
):
    session.add(Merchant(name="Committed"))
    session.commit()
    factory = _impatient_factory(engine, database_url)
    writer = engine.connect()
    try:
        writer.begin()  # on SQLite: BEGIN IMMEDIATE, the database's write lock
        writer.execute(Merchant.__table__.insert().values(name="Not committed yet"))
        with unit_of_work(factory, read_only=True) as reader:
            assert _merchants(reader) == 1
        # A unit that may write waits for the lock (here: gives up at once).
        if engine.dialect.name == "sqlite":
            with pytest.raises(DBAPIError), unit_of_work(factory) as other:
                _merchants(other)
    finally:
        writer.rollback()
        writer.close()
        if factory.kw["bind"] is not engine:
            factory.kw["bind"].dispose()
