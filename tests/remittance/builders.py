"""Helpers of the capture batch tests: days, instants and a dump of every table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, select

from pointage.db.base import Base

# Thursday 30 April 2026; Friday 1 May is a bank holiday, then a weekend.
DAY = date(2026, 4, 30)
MORNING = datetime(2026, 4, 30, 8, 0, tzinfo=UTC)
# 23:00 in Paris (summer time) on DAY: the default cut-off of the test contracts.
CUTOFF = datetime(2026, 4, 30, 21, 0, tzinfo=UTC)


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order: two equal dumps mean nothing changed."""
    with engine.connect() as conn:
        tables = {}
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns)
            tables[table.name] = [
                tuple(row) for row in conn.execute(select(table).order_by(*order))
            ]
        conn.rollback()
    return tables
