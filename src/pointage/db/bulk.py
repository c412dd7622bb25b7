"""Inserting many rows at once: `COPY` on PostgreSQL, one `executemany` on SQLite.

Imports of a million rows (gateway journals, bank statements) go through here rather than one
ORM object per row (ARCHITECTURE.md §7). The rows travel on the session's own connection, so
they belong to the caller's unit of work and vanish with it on a rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

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
