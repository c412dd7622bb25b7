"""Reading an export back with openpyxl: the Transactions lines as dictionaries keyed by
header, and the Summary's two tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl


def lines(path: Path) -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(path)
    out = []
    for sheet in book:
        if not sheet.title.startswith("Transactions"):
            continue
        rows = list(sheet.iter_rows(values_only=True))
        out += [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    return out


def summary_tables(path: Path) -> dict[str, dict[tuple[str, str | None], tuple[int, float]]]:
    """{"status": {(status, currency): (count, amount)}, "ageing": {(bucket, currency): …}}"""
    sheet = openpyxl.load_workbook(path)["Summary"]
    tables: dict[str, dict[tuple[str, str | None], tuple[int, float]]] = {}
    current = None
    for row in sheet.iter_rows(values_only=True):
        first = row[0] if row else None
        if first == "Totals by reconciliation status":
            current = tables.setdefault("status", {})
        elif isinstance(first, str) and first.startswith("Ageing of payments"):
            current = tables.setdefault("ageing", {})
        elif current is not None and first and len(row) >= 4 and isinstance(row[2], int):
            current[(first, row[1])] = (row[2], row[3])
    return tables


def summary_value(path: Path, label: str) -> Any:
    sheet = openpyxl.load_workbook(path)["Summary"]
    for row in sheet.iter_rows(values_only=True):
        if row and row[0] == label:
            return row[1]
    raise KeyError(label)
