"""Point reads of a SQLite database answered on the event loop, without a worker thread.

A lookup by key in a local SQLite file (an index, a few pages already in memory) takes a few
tens of microseconds: less than handing the work to a worker thread and taking it back, which
on two cores costs the throughput of any route that does it by 40 % (docs/benchmarks.md). The
quick status reads therefore run their one query right on the event loop, through a
connection of their own kept by the process, when the database is a SQLite file; on any
other database (a network round trip would block every request in flight) they keep their
worker thread (`pointage.web.deps.read_rows`).

What keeps this correct, and the loop never blocked for long:
- **Read-only**: the connections refuse writes (`PRAGMA query_only`).
- **Each read sees what was committed before it began**: the connections run in autocommit,
  so each statement is its own read transaction, which SQLite (WAL) starts on the last
  committed state and ends when the statement is reset; every row is fetched and the cursor
  closed before the call returns, so no read transaction outlives its request, nor holds a
  checkpoint back.
- **Never waits**: in WAL mode a reader never waits for a writer, and nothing in Pointage
  runs the checkpoints that make readers wait (RESTART, TRUNCATE); the rare moments SQLite
  still answers "busy" (a connection recovering the write-ahead log, the last connection
  folding it back on close) are not waited out (`busy_timeout` 0): the read raises
  `LoopReadBusy`, and the caller runs it in a worker thread as any other read, which waits as
  long as a unit of work does.
- **The same statement**: the SQL is compiled once from the same SQLAlchemy Core statement the
  worker-thread path executes, its constant parameters and each column's result processing
  (dates, UTC instants) taken from SQLAlchemy, so both paths give the same values.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Engine, Select, event

from pointage.db.session import sqlite_pragmas

# SQLite's primary result codes meaning "another connection holds a lock now".
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6


MMAP_BYTES = 1 << 30


class LoopReadBusy(Exception):
    """The database asked the read to wait: run it where waiting blocks no one."""


@dataclass(frozen=True, slots=True)
class CompiledRead:
    """A Core statement as SQL text for the driver, with what SQLAlchemy would do around it:
    the order of its parameters, the values of its constant ones, each column's result
    processing."""

    sql: str
    names: tuple[str, ...]
    constants: Mapping[str, Any]
    processors: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def of(cls, statement: Select[Any], dialect: Dialect, names: Sequence[str]) -> CompiledRead:
        """`names`: the statement's own bound parameters (`bindparam`), given at each read."""
        compiled = statement.compile(dialect=dialect)
        # Expanding parameters (IN lists of constants) are rendered, one `?` per value.
        state = compiled.construct_expanded_state(dict.fromkeys(names))
        types = [column.type.dialect_impl(dialect) for column in statement.selected_columns]
        processors = tuple(t.result_processor(dialect, None) for t in types)
        constants = {k: v for k, v in state.parameters.items() if k not in names}
        for name, value in constants.items():
            processor = (
                compiled.binds[_origin(compiled.binds, name)]
                .type.dialect_impl(dialect)
                .bind_processor(dialect)
            )
            constants[name] = value if processor is None else processor(value)
        return cls(state.statement, tuple(state.positiontup or ()), constants, processors)

    def arguments(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            values[name] if name in values else self.constants[name] for name in self.names
        )

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(self.processors, raw, strict=True)
        )


def _origin(binds: Mapping[str, Any], name: str) -> str:
    # An expanded parameter `status_1_2` is the second value of the bound parameter `status_1`.
    if name in binds:
        return name
    return name.rsplit("_", 1)[0]


class LoopReader:
    """Read-only connections to one SQLite file, and the statements compiled for them. Each
    read takes a connection, runs and ends its statement, and gives the connection back
    without awaiting anything: on one event loop, one connection serves every request."""

    def __init__(self, database: str, dialect: Dialect) -> None:
        self._database = database
        self._dialect = dialect
        self._idle: list[sqlite3.Connection] = []
        # id of a statement -> the statement (kept, so that its id is never reused) compiled
        self._compiled: dict[int, tuple[Select[Any], tuple[str, ...], CompiledRead]] = {}
        self._lock = threading.Lock()

    def compiled(self, statement: Select[Any], names: Sequence[str]) -> CompiledRead:
        found = self._compiled.get(id(statement))
        if found is not None and found[0] is statement and found[1] == tuple(names):
            return found[2]
        read = CompiledRead.of(statement, self._dialect, names)
        with self._lock:
            self._compiled[id(statement)] = (statement, tuple(names), read)
        return read

    def rows(self, statement: Select[Any], values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row of a statement built once (a module-level or cached one: its compiled
        form is kept with it), for point reads of a few rows. Raises `LoopReadBusy` rather
        than wait for a lock."""
        read = self.compiled(statement, tuple(values))
        connection = None
        try:
            connection = self._take()
            cursor = connection.execute(read.sql, read.arguments(values))
            try:
                raw = cursor.fetchall()  # to its end: the read transaction ends with it
            finally:
                cursor.close()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF not in (_SQLITE_BUSY, _SQLITE_LOCKED):
                if connection is not None:
                    connection.close()
                raise
            if connection is not None:
                self._give_back(connection)
            raise LoopReadBusy(str(exc)) from exc
        self._give_back(connection)
        return [read.row(row) for row in raw]

    def _take(self) -> sqlite3.Connection:
        try:
            return self._idle.pop()  # atomic: the loop of another thread may read too
        except IndexError:
            return self._connect()

    def _give_back(self, connection: sqlite3.Connection) -> None:
        self._idle.append(connection)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self._database,
            timeout=0,  # never wait on the event loop (see the module's docstring)
            isolation_level=None,  # autocommit: each statement its own read transaction
            check_same_thread=False,  # an event loop's, not always the thread that opened it
        )
        try:
            sqlite_pragmas(connection, None)
            connection.execute("PRAGMA busy_timeout = 0")
            connection.execute("PRAGMA query_only = 1")
            # Pages read through the memory map, not copied by a system call each: a third
            # of a lookup's time on a million transactions (writes still go through the
            # writers' connections; Linux keeps the two views the same).
            connection.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        except BaseException:
            connection.close()
            raise
        return connection

    def close(self) -> None:
        """Close the idle connections (as disposing of the engine closes its pool's): the
        next read opens one again."""
        while self._idle:
            try:
                connection = self._idle.pop()
            except IndexError:
                break
            connection.close()


_readers: weakref.WeakKeyDictionary[Engine, LoopReader] = weakref.WeakKeyDictionary()


def loop_reader(engine: Engine) -> LoopReader | None:
    """The engine's loop reader (one per engine, closed when the engine is disposed of), or
    None unless the database is a SQLite file."""
    reader = _readers.get(engine)
    if reader is not None:
        return reader
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return None
    if database.startswith("file:"):  # a URI: its options are the engine's business
        return None
    with _readers_lock:
        reader = _readers.get(engine)
        if reader is None:
            reader = _readers[engine] = LoopReader(database, engine.dialect)
            event.listen(engine, "engine_disposed", _closer(reader))
    return reader


def _closer(reader: LoopReader) -> Callable[[Engine], None]:
    def close(_engine: Engine) -> None:
        reader.close()

    return close


_readers_lock = threading.Lock()
