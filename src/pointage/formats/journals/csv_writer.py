"""A journal as the gateway's `;`-separated text file (docs/formats/journals.md).

    TITRE;<shop label>;<generated at, UTC, YY/MM/DD_hh:mm:ss>;<layout version>
    ENTETE;<column name>;<column name>;...
    <record>;<value>;<value>;...          (one per row: TRANSACTION, OPERATION, ...)
    FIN;<number of detail records>         (when the layout has one)

The layout has no quoting, so a value cannot hold `;` or a line break: free text gets `,`
for `;` and a space for CR or LF. Amounts stay integers in minor units, currencies are
numeric ISO 4217 codes, dates `YYYYMMDD` and instants `YYYYMMDDhhmmss` in UTC.

A million rows are written in a few seconds: each layout gets one function, compiled once,
that formats a batch of rows with every column inline (calling a formatter per value took
twice as long, and a call per row a tenth more), and the escaping runs only on the rare
batch whose separator count or line breaks show that a value needs it. Rows that offer
their dates as ISO 8601 text (iso_rows.py: SQLite's stored text) are read so, their dates
sliced into the layout's shape instead of parsed and formatted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path

from pointage.core.money import NUMERIC_CODES
from pointage.formats.journals.iso_rows import IsoDatedRows
from pointage.formats.journals.model import ColumnType, JournalDocument, Layout

SEPARATOR = ";"
ENCODINGS = ("utf-8", "iso-8859-15")
_LINES_PER_WRITE = 2_000
_ESCAPES = str.maketrans({";": ",", "\r": " ", "\n": " "})
# SQLite's text of a UTC instant: "2026-03-02 09:15:04" or "2026-03-02 09:15:04.000000".
_STORED_INSTANT = re.compile(
    r"\d{4}-\d\d-\d\d (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?", re.ASCII
).fullmatch

RowsFormatter = Callable[[Sequence[Sequence[object]]], list[str]]


class _NumericCurrency(dict[str, str]):
    """Alphabetic ISO 4217 code -> numeric code; a currency without a known numeric code is
    written as its alphabetic code, which the gateway's readers (and Pointage's) accept."""

    def __missing__(self, alphabetic: str) -> str:
        return alphabetic


class _Days(dict[date | str, str]):
    """`YYYYMMDD` of each day, a `date` or its ISO 8601 text, computed once: a journal
    repeats the same few days."""

    def __missing__(self, key: date | str) -> str:
        day = date.fromisoformat(key) if isinstance(key, str) else key
        text = self[key] = f"{day.year:04d}{day.month:02d}{day.day:02d}"
        return text


class _Instants(dict[datetime | str, str]):
    """`YYYYMMDDhhmmss` in UTC of each instant, a `datetime` or its ISO 8601 text (UTC when
    it has no offset), kept while the journal repeats it (a batch captures thousands of
    payments at the same instant). SQLite's text is sliced, its day checked once."""

    def __init__(self) -> None:
        super().__init__()
        self.days: set[str] = set()

    def __missing__(self, key: datetime | str) -> str:
        if isinstance(key, str) and _STORED_INSTANT(key):
            if (day := key[:10]) not in self.days:
                date.fromisoformat(day)  # ValueError for 2026-02-30
                self.days.add(day)
            text = key[:19].replace("-", "").replace(":", "").replace(" ", "")
        else:
            text = _utc_stamp(datetime.fromisoformat(key) if isinstance(key, str) else key)
        # A few days of a busy shop: enough to keep the repeated instants, and the strings
        # it holds, scattered among the rows' freed ones, do not pin memory.
        if len(self) > 10_000:
            self.clear()
        self[key] = text
        return text


def _utc_stamp(instant: datetime) -> str:
    value = instant
    zone = value.tzinfo
    if zone is not UTC and zone is not None:
        value = value.astimezone(UTC)
    # %-formatting is twice as fast as strftime.
    return "%04d%02d%02d%02d%02d%02d" % (  # noqa: UP031
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
    )


# The text of a non-empty value `{v}`, inline, per column type. A text value that is not a
# `str` (an int in a free-text column) is converted rather than refused.
_EXPRESSIONS = {
    ColumnType.TEXT: "{v} if {v}.__class__ is str else str({v})",
    ColumnType.INTEGER: "str({v})",
    ColumnType.AMOUNT: "str({v})",
    ColumnType.CURRENCY: "numeric[{v}]",
    ColumnType.DATE: "days[{v}]",
    ColumnType.DATETIME: "instants[{v}]",
}


def rows_formatter(layout: Layout) -> RowsFormatter:
    """A function that turns a batch of rows into their detail lines, without line ends.

    It is compiled from the column types only (no name or value of the layout enters the
    source): one list comprehension unpacks each row into locals and formats each one
    inline. A row of the wrong length raises ValueError.
    """
    names = [f"c{position}" for position in range(len(layout.columns))]
    values = ", ".join(
        f"('' if {name} is None else {_EXPRESSIONS[column.type].format(v=name)})"
        for name, column in zip(names, layout.columns, strict=True)
    )
    source = (
        "def format_rows(rows):\n"
        f"    return [join((record, {values})) for {', '.join(names)}, in rows]\n"
    )
    namespace: dict[str, object] = {
        "record": layout.record,
        "join": SEPARATOR.join,
        "numeric": _NumericCurrency({alpha: number for number, alpha in NUMERIC_CODES.items()}),
        "days": _Days(),
        "instants": _Instants(),
        "str": str,
    }
    exec(source, namespace)  # noqa: S102 - the source is built above from fixed templates
    format_rows: RowsFormatter = namespace["format_rows"]  # type: ignore[assignment]
    return format_rows


def escape(text: str) -> str:
    """A value as this layout can hold it: `;` becomes `,`, CR and LF a space."""
    return text.translate(_ESCAPES)


def title_line(document: JournalDocument) -> str:
    generated = document.generated_at.astimezone(UTC).strftime("%y/%m/%d_%H:%M:%S")
    return SEPARATOR.join(
        ("TITRE", escape(document.shop_label), generated, escape(document.layout.version))
    )


def header_line(layout: Layout) -> str:
    return SEPARATOR.join(("ENTETE", *(column.name for column in layout.columns)))


def detail_text(layout: Layout, rows: Iterable[Sequence[object]]) -> Iterator[tuple[int, str]]:
    """The detail records of the rows, in order, a batch at a time: the number of records
    and their lines joined by LF (without a last one)."""
    format_rows = rows_formatter(layout)
    separators = len(layout.columns)  # one after the record type, then one between values
    source = iter(rows)
    while batch := list(islice(source, _LINES_PER_WRITE)):
        lines = format_rows(batch)
        text = "\n".join(lines)
        if (
            text.count(SEPARATOR) != separators * len(lines)
            or text.count("\n") != len(lines) - 1
            or "\r" in text
        ):
            text = "\n".join(
                line
                if line.count(SEPARATOR) == separators and "\n" not in line and "\r" not in line
                else format_rows([[escape(v) if isinstance(v, str) else v for v in row]])[0]
                for line, row in zip(lines, batch, strict=True)
            )
        yield len(lines), text


def detail_lines(layout: Layout, rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The detail record of each row, in order."""
    for _count, text in detail_text(layout, rows):
        yield from text.split("\n")


def write_csv(document: JournalDocument, path: Path, *, encoding: str = "utf-8") -> int:
    """Write the journal to `path` and return the number of detail records.

    `encoding` is "utf-8" or "iso-8859-15"; in ISO-8859-15 a character it cannot hold is
    written `?`. Lines end with LF.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, got {encoding!r}")
    layout = document.layout
    rows: Iterable[Sequence[object]] = document.rows
    if isinstance(rows, IsoDatedRows):
        rows = rows.iso_dated()
    count = 0
    with path.open("w", encoding=encoding, errors="replace", newline="\n") as out:
        out.write(title_line(document) + "\n" + header_line(layout) + "\n")
        for number, text in detail_text(layout, rows):
            count += number
            out.write(text + "\n")
        if layout.has_fin:
            out.write(f"FIN{SEPARATOR}{count}\n")
    return count
