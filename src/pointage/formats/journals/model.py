"""A journal as plain values: its layout (columns, record name, version) and its rows.

Rows are tuples in the layout's column order, produced lazily (an iterator), so that a
writer streams a million lines without holding them. Values are Python values, never
pre-formatted text: `int` minor units for amounts, `str` alphabetic ISO 4217 codes for
currencies, `date`, tz-aware UTC `datetime`, `str`, `int`, or None for an empty field.
The writers decide how each type reads in CSV (the gateway's layout) and in XLSX (typed
cells for people).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class JournalKind(StrEnum):
    JT = "jt"  # journal des transactions
    JO = "jo"  # journal des opérations
    JRB = "jrb"  # journal de rapprochement bancaire
    JRI = "jri"  # journal des impayés (chargebacks)
    REMITTANCES = "remittances"  # suivi des remises


class ColumnType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    AMOUNT = "amount"  # int minor units; the currency is in the column `currency_column`
    CURRENCY = "currency"  # alphabetic code in rows; CSV writes the numeric ISO 4217 code
    DATE = "date"
    DATETIME = "datetime"  # UTC


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # the CSV ENTETE label: upper case, gateway style ("TRANSACTION_UUID")
    type: ColumnType
    title: str  # the XLSX header, for people ("Transaction UUID")
    currency_column: str | None = None  # for AMOUNT: the CURRENCY column of the same row
    total: bool = False  # XLSX: summed in the totals row (AMOUNT and INTEGER columns)
    width: int | None = None  # XLSX column width in characters; None: from the title


@dataclass(frozen=True, slots=True)
class Layout:
    kind: JournalKind
    version: str  # written in TITRE, e.g. "POINTAGE_JT_V1"
    record: str  # the detail record type: "TRANSACTION", "OPERATION", "MATCHING"…
    columns: tuple[Column, ...]
    has_fin: bool = True  # FIN;<count> closes the file (not for the transaction journal)

    def index(self, name: str) -> int:
        for position, column in enumerate(self.columns):
            if column.name == name:
                return position
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class JournalDocument:
    layout: Layout
    shop_label: str
    shop_id: str  # the 8-digit shop id
    generated_at: datetime  # UTC
    period_start: date
    period_end: date  # inclusive
    rows: Iterable[tuple[object, ...]]
