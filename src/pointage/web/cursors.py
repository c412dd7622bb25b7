"""Cursors of lists whose objects are named by an integer id (web.pagination)."""

from __future__ import annotations

_MAX_ID = 2**63 - 1  # the largest BIGINT: a larger number names no stored object


def int_cursor(cursor: str) -> int | None:
    """The id a cursor names; None when it cannot be the id of a stored object."""
    if not cursor.isascii() or not cursor.isdigit():
        return None
    value = int(cursor)
    return value if value <= _MAX_ID else None
