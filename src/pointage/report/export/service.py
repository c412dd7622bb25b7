"""The reconciliation state as an Excel workbook, streamed (docs/exports.md).

The transactions are read in keyset chunks (by key, `CHUNK_ROWS` at a time), each chunk in
a short transaction of its own, and written to the workbook before the next is read: a
million lines never sit in memory, and on SQLite the database's write lock, which every
transaction takes, is held only while a chunk is read, never while the workbook is written.
The summary is added up from the very lines written, so the two sheets always agree. The
file is written next to its destination and renamed when complete: a failed export leaves
nothing behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from pointage.core.errors import NotFound
from pointage.db.base import utcnow
from pointage.db.session import unit_of_work
from pointage.formats.xlsx_stream import MAX_SHEET_ROWS, StreamingWorkbook
from pointage.report.export import repository
from pointage.report.export.evidence import MatchFacts, facts_of
from pointage.report.export.filters import ExportFilters, validated
from pointage.report.export.layout import (
    COLUMNS,
    SUMMARY_SHEET,
    SUMMARY_WIDTHS,
    TRANSACTIONS_SHEET,
)
from pointage.report.export.summary import Summary, summary_cells

CHUNK_ROWS = 5_000
# Matches remembered between chunks: the lines of one remittance follow each other, so a
# small memory finds nearly every match already read.
MATCH_CACHE = 20_000


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    rows: int
    summary: Summary


def export_reconciliation(
    session_factory: sessionmaker[Session],
    filters: ExportFilters,
    path: Path,
    *,
    today: date,
    generated_at: datetime | None = None,
    chunk_rows: int = CHUNK_ROWS,
    max_sheet_rows: int = MAX_SHEET_ROWS,
) -> ExportResult:
    """Write the workbook of the transactions `filters` selects to `path`; the ageing is
    counted as of `today`. Owns its transactions (one per chunk read). A shop named in the
    filters that does not exist raises NotFound (param `shop`)."""
    filters = validated(filters)
    generated_at = generated_at or utcnow()
    summary = Summary(today)
    lines = reconciliation_lines(session_factory, filters, summary, chunk_rows=chunk_rows)
    partial = path.with_name(f".{path.name}.part")
    try:
        with StreamingWorkbook(partial, created_at=generated_at) as workbook:
            rows = workbook.table(TRANSACTIONS_SHEET, COLUMNS, lines, max_rows=max_sheet_rows)
            cells = summary_cells(summary, generated_at=generated_at, filters=filters.describe())
            workbook.sheet(SUMMARY_SHEET, cells, SUMMARY_WIDTHS)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return ExportResult(path, rows, summary)


def reconciliation_lines(
    session_factory: sessionmaker[Session],
    filters: ExportFilters,
    summary: Summary | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[tuple[object, ...]]:
    """The lines of the Transactions sheet, in `COLUMNS` order, read chunk after chunk as
    they are consumed, each counted into `summary` when one is given. The filters are
    checked, and the shops they name looked up, before this returns."""
    filters = validated(filters)
    with unit_of_work(session_factory) as session:
        shop_keys = _shop_keys(session, filters)
    return _lines(session_factory, filters, shop_keys, summary, chunk_rows)


def _shop_keys(session: Session, filters: ExportFilters) -> list[int]:
    keys = repository.shop_keys(session, filters.shop_ids)
    for shop_id in filters.shop_ids:
        if shop_id not in keys:
            raise NotFound(f"shop {shop_id} not found", param="shop")
    return list(keys.values())


def _lines(
    session_factory: sessionmaker[Session],
    filters: ExportFilters,
    shop_keys: list[int],
    summary: Summary | None,
    chunk_rows: int,
) -> Iterator[tuple[object, ...]]:
    facts: dict[int, MatchFacts] = {}
    after = 0
    while True:
        with unit_of_work(session_factory) as session:
            chunk = repository.transaction_chunk(session, filters, shop_keys, after, chunk_rows)
            if len(facts) > MATCH_CACHE:
                facts.clear()
            _read_matches(session, chunk, facts)
        for row in chunk:
            if summary is not None:
                summary.add(
                    row[repository.RECONCILIATION_STATUS],
                    row[repository.CURRENCY],
                    row[repository.OPERATION_TYPE],
                    row[repository.AMOUNT],
                    row[repository.EXPECTED_CREDIT_DATE],
                )
            yield _line(row, facts)
        if len(chunk) < chunk_rows:
            return
        after = chunk[-1][repository.KEY]


def _read_matches(
    session: Session, chunk: Sequence[repository.ChunkRow], facts: dict[int, MatchFacts]
) -> None:
    """Add the facts of the chunk's matches not yet known."""
    wanted = {
        match_id
        for row in chunk
        if (match_id := _match_of(row)) is not None and match_id not in facts
    }
    if not wanted:
        return
    entries: dict[int, list[repository.EntryRow]] = {match_id: [] for match_id in wanted}
    for entry in repository.entries(session, wanted):
        entries[entry.match_id].append(entry)
    for match in repository.matches(session, wanted):
        facts[match.id] = facts_of(match, entries[match.id])


def _match_of(row: repository.ChunkRow) -> int | None:
    # A transaction matched on its own (by a person) is shown with that match, as its
    # status is: it takes precedence over its remittance's.
    match_id: int | None = row[repository.OWN_MATCH] or row[repository.REMITTANCE_MATCH]
    return match_id


def _line(row: repository.ChunkRow, facts: dict[int, MatchFacts]) -> tuple[object, ...]:
    """The sheet's line: the transaction's columns as read, the match's in their places."""
    match_id = _match_of(row)
    fact = facts.get(match_id) if match_id is not None else None
    if fact is None:
        return (*row[1:14], None, *row[14:16], None, None, None, None, None)
    currency = fact.difference_currency
    if currency is None and not fact.difference_minor:
        # Without a bank entry (marked reconciled by hand) nothing was booked to differ.
        currency = row[repository.CURRENCY]
    return (
        *row[1:14],
        fact.credited_on,
        *row[14:16],
        fact.bank_entry,
        fact.bank_label,
        fact.difference_minor if currency is not None else None,
        currency,
        fact.evidence,
    )
