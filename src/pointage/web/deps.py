"""Annotated dependencies: one unit of work per request, the settings; quick reads.

The request's session is made on the event loop (no connection is taken before its first
query) and its unit of work is ended in a worker thread, only when it has a transaction to
end: each hop to a worker thread and back costs about as much as a small query, so a
request does its database work in as few of them as it can.

The quickest reads (a transaction by its uuid: the real-time status services) take no hop at
all on SQLite: `read_rows` runs their one statement on the event loop
(pointage.db.loop_reads, which says why that is safe); on any other database in one of the
quick-read worker threads, alone in autocommit (a SELECT: it cannot write); and when SQLite
asks it to wait, there in a read-only unit of work. Each way it reads what was committed
before it began.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from typing import Annotated, Any, ParamSpec, TypeVar, overload

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import Engine, Select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from pointage.db.loop_reads import LoopReadBusy, loop_reader
from pointage.db.session import end_unit, is_read_only, open_unit, unit_of_work
from pointage.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

_READS_ONLY = "__pointage_reads_only__"


# Quick reads (a lookup by key, bounded) run in two worker threads of their own: more
# threads only fight over the interpreter's lock, which cost the status reads a third of
# their throughput and most of their p99 latency (docs/benchmarks.md). Longer reads keep
# FastAPI's pool, so that a slow list never queues a status read behind it.
QUICK_READ_THREADS = 2
_quick_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _quick_limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _quick_limiters.get(loop)
    if limiter is None:
        limiter = _quick_limiters[loop] = anyio.CapacityLimiter(QUICK_READ_THREADS)
    return limiter


@overload
def reads_only(endpoint: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]: ...


@overload
def reads_only(
    *, quick: bool
) -> Callable[[Callable[P, R]], Callable[P, Coroutine[Any, Any, R]]]: ...


def reads_only(
    endpoint: Callable[P, R] | None = None, *, quick: bool = False
) -> (
    Callable[P, Coroutine[Any, Any, R]]
    | Callable[[Callable[P, R]], Callable[P, Coroutine[Any, Any, R]]]
):
    """Mark a route that never writes. Its request's unit of work is read-only
    (`pointage.db.session`: on SQLite it waits for no writer, a batch or an import holding
    the write lock included; a write in it fails at once), and ends in the same worker
    thread as the route, right after it: the route's database work takes one hop to a
    worker thread. `quick`: a lookup by key, run in the threads kept for quick reads."""

    def mark(endpoint: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]:
        @functools.wraps(endpoint)
        async def route(*args: P.args, **kwargs: P.kwargs) -> R:
            call = functools.partial(_run_and_end, endpoint, *args, **kwargs)
            if quick:
                return await anyio.to_thread.run_sync(call, limiter=_quick_limiter())
            return await run_in_threadpool(call)

        setattr(route, _READS_ONLY, True)
        return route

    return mark if endpoint is None else mark(endpoint)


def _run_and_end(endpoint: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    sessions = [v for v in kwargs.values() if isinstance(v, Session) and is_read_only(v)]
    try:
        result = endpoint(*args, **kwargs)
    except BaseException:
        for session in sessions:
            session.rollback()
        raise
    for session in sessions:
        session.commit()
    return result


async def read_rows(
    request: Request, statement: Select[Any], values: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """The rows of a quick read (a few rows by key) of a statement built once, with its
    bound parameters' `values`: on the event loop on SQLite, in a quick-read worker thread
    otherwise (see the module's docstring)."""
    reader = loop_reader(request.app.state.engine)
    if reader is not None:
        try:
            return reader.rows(statement, values)
        except LoopReadBusy:
            pass  # waiting is the worker thread's business
    factory = request.app.state.session_factory
    call = functools.partial(_rows_in_unit, factory, statement, values)
    return await anyio.to_thread.run_sync(call, limiter=_quick_limiter())


def _rows_in_unit(
    factory: sessionmaker[Session], statement: Select[Any], values: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    engine: Engine = factory.kw["bind"]
    if engine.dialect.name == "sqlite":  # SQLite was busy: a unit of work waits its turn
        with unit_of_work(factory, read_only=True) as session:
            return [tuple(row) for row in session.execute(statement, dict(values))]
    # Elsewhere the one statement runs alone, in autocommit: it sees the state committed when
    # it starts, as a read-only transaction of one statement would, without the two round
    # trips of BEGIN and COMMIT (on PostgreSQL, two fifths of a quick read's CPU time).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return [tuple(row) for row in connection.execute(statement, dict(values))]


async def _session(request: Request) -> AsyncIterator[Session]:
    read_only = getattr(request.scope.get("endpoint"), _READS_ONLY, False)
    session = open_unit(request.app.state.session_factory, read_only=read_only)
    try:
        yield session
    except BaseException:
        await _end(session, succeeded=False)
        raise
    await _end(session, succeeded=True)


async def _end(session: Session, *, succeeded: bool) -> None:
    if session.in_transaction():
        await run_in_threadpool(end_unit, session, succeeded=succeeded)
    else:
        session.close()  # nothing to commit or roll back: no I/O


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# Scope "function": the unit of work commits before the answer is sent, so that a client
# that has its answer finds the change committed (with the default scope FastAPI would
# commit after sending the answer), and a failed commit answers 500 rather than a success.
DbSession = Annotated[Session, Depends(_session, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]
