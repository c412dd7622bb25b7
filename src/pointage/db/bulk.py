"""Inserting many rows at once: `COPY` on PostgreSQL, one `executemany` on SQLite.

Imports of a million rows (gateway journals, bank statements) go through here rather than one
ORM object per row (ARCHITECTURE.md §7). The rows travel on the session's own connection, so
they belong to the caller's unit of work and vanish with it on a rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session


def insert_rows(
    session: Session,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    duplicate: Callable[[str], Exception],
) -> None:
    """Insert `rows` (tuples in `columns` order, values already in the driver's types).

    A unique constraint that refuses a row raises `duplicate(message of the database)`.
    """
    if not rows:
        return
    connection = session.connection()
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    # Every name is quoted: "transaction" and "references" are SQL keywords.
    names = ", ".join(f'"{name}"' for name in columns)
    try:
        cursor = dbapi.cursor()
        try:
            if connection.dialect.name == "postgresql":
                with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608
        finally:
            cursor.close()
    except connection.dialect.loaded_dbapi.IntegrityError as exc:
        raise duplicate(str(exc)) from None


# SQLite keeps 2 MiB of pages by default; a million rows grow a table's indexes to hundreds
# of MiB, and each random key lands on a page that left the cache long ago. 256 MiB for the
# length of an import saves a fifth of its time.
BULK_PAGE_CACHE_KIB = 256 * 1024


@contextmanager
def large_page_cache(session: Session) -> Iterator[None]:
    """Give SQLite a page cache fit for a bulk insert, for the length of the block.
    PostgreSQL sizes its buffers server-side: nothing to do there."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


def column_dumper(session: Session, column: ColumnElement[Any]) -> Callable[[Any], Any]:
    """The column type's bind processor for this database, memoised per value: a file
    repeats each date many times, and rows for `insert_rows` need the driver's types."""
    dialect = session.get_bind().dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return lambda value: value
    cache: dict[Any, Any] = {}

    def dump(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            if len(cache) > 100_000:  # instants hardly repeat: bound the memory
                cache.clear()
            dumped = cache[value] = process(value)
            return dumped

    return dump
