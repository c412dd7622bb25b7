"""The quick status reads (V4 Transaction/Get, GET /v1/transactions/{uuid}): on SQLite their
query runs on the event loop (pointage.db.loop_reads), elsewhere or when SQLite is busy in a
worker thread. Both ways answer the same, see only the caller's shop and mode, and show a
change as soon as it is committed, never before."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import fields
from typing import Any

import pytest
from sqlalchemy import Engine, make_url, select
from sqlalchemy.orm import Session

from pointage.core.statuses import DetailedStatus, Mode, OperationSource, OperationType
from pointage.db.loop_reads import LoopReadBusy, LoopReader, loop_reader
from pointage.db.session import unit_of_work
from pointage.payment.models import Transaction
from pointage.payment.repository import TransactionRow, with_links_by_uuid
from pointage.payment.service import operations
from pointage.payment.service.common import Actor
from pointage.payment.v4.repository import view_by_uuid
from pointage.web import deps
from tests.payment.v4.conftest import Caller, World, captured, pay

VOLATILE = ("serverDate", "ticket")  # of the V4 envelope and its error answer

on_sqlite = pytest.mark.skipif(
    "os.environ.get('POINTAGE_TEST_DATABASE_URL', '').startswith('postgresql')",
    reason="the event loop's reads are SQLite's",
)


def _v1(caller: Caller, uuid: str) -> tuple[int, Any]:
    response = caller.client.get(
        f"/v1/transactions/{uuid}", headers={"Authorization": f"Bearer {caller.key}"}
    )
    return response.status_code, _stable(response.json())


def _v4(caller: Caller, uuid: str) -> tuple[int, Any]:
    response = caller.post("Transaction/Get", {"uuid": uuid})
    return response.status_code, _stable(response.json())


def _stable(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: _stable(v) for k, v in body.items() if k not in VOLATILE}
    return body


READS = {"v1": _v1, "v4": _v4}


@pytest.fixture
def in_threads(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to send every quick read to a worker thread, as on PostgreSQL."""

    def switch() -> None:
        monkeypatch.setattr(deps, "loop_reader", lambda _engine: None)

    return switch


@pytest.fixture
def threads_used(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The statements the quick reads ran in a worker thread."""
    used: list[object] = []
    original = deps._rows_in_unit

    def spy(factory: Any, statement: Any, values: Any) -> Any:
        used.append(statement)
        return original(factory, statement, values)

    monkeypatch.setattr(deps, "_rows_in_unit", spy)
    return used


@pytest.fixture
def refund_world(world: World, session: Session) -> dict[str, str]:
    """Transactions with every link a read shows: a captured payment (contract, remittance)
    partly refunded, its refund, a test-mode payment, another shop's payment."""
    payment = captured(session, world.shop, amount=10_000)
    refund = pay(
        session,
        world.shop,
        operation_type=OperationType.CREDIT,
        amount=2_500,
        parent_uuid=payment.uuid,
    )
    return {
        "payment": payment.uuid,
        "refund": refund.uuid,
        "test": pay(session, world.shop, mode=Mode.TEST).uuid,
        "other": pay(session, world.other).uuid,
        "unknown": "0" * 32,
    }


def test_a_transaction_row_has_every_column_of_a_transaction():
    assert [f.name for f in fields(TransactionRow)] == [
        column.key for column in Transaction.__table__.columns
    ]


@pytest.mark.parametrize("read", READS)
def test_both_ways_answer_the_same_to_every_caller(world, refund_world, in_threads, read):
    ask = READS[read]
    callers = [world.production, world.test, world.other_production]
    on_loop = {(c.key, name): ask(c, uuid) for c in callers for name, uuid in refund_world.items()}
    in_threads()
    in_thread = {(c.key, n): ask(c, uuid) for c in callers for n, uuid in refund_world.items()}
    assert in_thread == on_loop
    found = {key for key, (status, body) in on_loop.items() if _found(read, status, body)}
    assert found == {
        (world.production.key, "payment"),
        (world.production.key, "refund"),
        (world.test.key, "test"),
        (world.other_production.key, "other"),
    }


def _found(read: str, status: int, body: Any) -> bool:
    if read == "v1":
        assert status in (200, 404), body
        return status == 200
    assert status == 200, body
    assert body["status"] == "SUCCESS" or body["answer"]["errorCode"] == "PSP_010", body
    return bool(body["status"] == "SUCCESS")


def test_the_reads_show_every_link_and_the_refunds(world, refund_world):
    status, body = _v1(world.production, refund_world["refund"])
    assert status == 200
    assert body["parent_uuid"] == refund_world["payment"]
    status, body = _v1(world.production, refund_world["payment"])
    assert body["contract_number"] == world.shop.contract.number
    assert body["remittance_number"] == 1
    assert body["captured_at"] is not None
    assert body["created_at"].endswith("Z")
    _, envelope = _v4(world.production, refund_world["payment"])
    card = envelope["answer"]["transactionDetails"]["cardDetails"]
    assert card["captureResponse"]["refundAmount"] == 2_500
    assert card["captureResponse"]["captureFileNumber"] == 1


@pytest.mark.parametrize("read", READS)
def test_a_change_shows_once_committed_and_not_before(world, session, read):
    ask = READS[read]
    uuid = pay(session, world.shop, status=DetailedStatus.AUTHORISED).uuid
    assert _status(read, ask(world.production, uuid)) == "AUTHORISED"
    writer = Session(session.get_bind(), expire_on_commit=False)
    try:
        tx = writer.scalars(select(Transaction).where(Transaction.uuid == uuid)).one()
        operations.cancel(writer, tx, Actor("user:test", OperationSource.BACK_OFFICE))
        writer.flush()  # written, not committed: on SQLite the writer holds the write lock
        assert _status(read, ask(world.production, uuid)) == "AUTHORISED"
        writer.commit()
    finally:
        writer.close()
    assert _status(read, ask(world.production, uuid)) == "CANCELLED"


def _status(read: str, answer: tuple[int, Any]) -> str:
    status, body = answer
    assert status == 200, body
    return str(body["detailed_status"] if read == "v1" else body["answer"]["detailedStatus"])


@on_sqlite
def test_on_sqlite_the_reads_take_no_worker_thread(world, refund_world, threads_used):
    for read in READS.values():
        read(world.production, refund_world["payment"])  # the key is checked, then kept
    threads_used.clear()
    for read in READS.values():
        assert read(world.production, refund_world["payment"])[0] == 200
        assert read(world.production, refund_world["other"])[0] in (200, 404)
    assert threads_used == []


@on_sqlite
def test_when_sqlite_is_busy_the_read_goes_to_a_worker_thread(
    world, refund_world, threads_used, monkeypatch
):
    def busy(self: LoopReader, statement: Any, values: Any) -> Any:
        raise LoopReadBusy("database is locked")

    monkeypatch.setattr(LoopReader, "rows", busy)
    status, body = _v1(world.production, refund_world["payment"])
    assert status == 200 and body["uuid"] == refund_world["payment"]
    status, body = _v4(world.production, refund_world["payment"])
    assert body["answer"]["uuid"] == refund_world["payment"]
    assert threads_used == [with_links_by_uuid(), view_by_uuid()]


def test_without_a_sqlite_file_there_is_no_loop_reader(engine):
    from pointage.db.session import make_engine

    memory = make_engine("sqlite://")
    try:
        assert loop_reader(memory) is None
    finally:
        memory.dispose()
    assert (loop_reader(engine) is None) == (engine.dialect.name != "sqlite")


# -- the loop reader itself (SQLite) ---------------------------------------------------------


@pytest.fixture
def reader(engine: Engine) -> Iterator[LoopReader]:
    if engine.dialect.name != "sqlite":
        pytest.skip("the event loop's reads are SQLite's")
    found = loop_reader(engine)
    assert found is not None
    yield found
    found.close()


def _values(session: Session, uuid: str) -> dict[str, Any]:
    tx = session.scalars(select(Transaction).where(Transaction.uuid == uuid)).one()
    return {"uuid": uuid, "shop_pk": tx.shop_id, "mode": tx.mode}


def test_the_reader_gives_the_values_sqlalchemy_gives(reader, refund_world, session):
    for uuid in refund_world.values():
        if uuid == refund_world["unknown"]:
            continue
        values = _values(session, uuid)
        for statement in (view_by_uuid(), with_links_by_uuid()):
            expected = [tuple(row) for row in session.execute(statement, values)]
            assert len(expected) == 1
            assert reader.rows(statement, values) == expected
    session.commit()


def test_the_reader_never_waits_for_a_lock(reader, refund_world, session, monkeypatch):
    values = _values(session, refund_world["payment"])
    session.commit()
    assert len(reader.rows(view_by_uuid(), values)) == 1
    connection = reader._idle[-1]
    assert connection.execute("PRAGMA busy_timeout").fetchone() == (0,)

    class Locked:
        """A connection that another one holds a lock on."""

        def execute(self, *_args: Any) -> Any:
            error = sqlite3.OperationalError("database is locked")
            error.sqlite_errorcode = 5  # SQLITE_BUSY
            raise error

        def close(self) -> None:
            pass

    monkeypatch.setattr(reader, "_take", lambda: Locked())
    with pytest.raises(LoopReadBusy):
        reader.rows(view_by_uuid(), values)


def test_no_read_transaction_outlives_a_read(reader, refund_world, engine, session):
    values = _values(session, refund_world["payment"])
    session.commit()
    for _ in range(3):
        assert len(reader.rows(view_by_uuid(), values)) == 1
    with unit_of_work(sessionmaker_of(engine)) as writer:
        writer.execute(Transaction.__table__.update().values(reconciliation_status="pending"))
    path = make_url(engine.url).database
    assert path is not None
    checkpointer = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        busy, _log, _done = checkpointer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        checkpointer.close()
    assert busy == 0  # no reader kept a snapshot of the database open


def sessionmaker_of(engine: Engine) -> Any:
    from pointage.db.session import make_session_factory

    return make_session_factory(engine)


def test_the_reader_refuses_writes(reader, refund_world, session):
    values = _values(session, refund_world["payment"])
    session.commit()
    reader.rows(view_by_uuid(), values)
    connection = reader._idle[-1]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        connection.execute("UPDATE merchant SET name = 'changed'")
