"""A journal as the gateway's `;`-separated text file (docs/formats/journals.md).

    TITRE;<shop label>;<generated at, UTC, YY/MM/DD_hh:mm:ss>;<layout version>
    ENTETE;<column name>;<column name>;...
    <record>;<value>;<value>;...          (one per row: TRANSACTION, OPERATION, ...)
    FIN;<number of detail records>         (when the layout has one)

The layout has no quoting, so a value cannot hold `;` or a line break: free text gets `,`
for `;` and a space for CR or LF. Amounts stay integers in minor units, currencies are
numeric ISO 4217 codes, dates `YYYYMMDD` and instants `YYYYMMDDhhmmss` in UTC.

A million rows are written in a few seconds: each layout gets one row function, compiled
once, that formats every column inline (calling a formatter per value took twice as long),
and the escaping runs only on the rare line whose separator count or line breaks show that
a value needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from pointage.core.money import NUMERIC_CODES
from pointage.formats.journals.model import ColumnType, JournalDocument, Layout

SEPARATOR = ";"
ENCODINGS = ("utf-8", "iso-8859-15")
_LINES_PER_WRITE = 2_000
_ESCAPES = str.maketrans({";": ",", "\r": " ", "\n": " "})

RowFormatter = Callable[[Sequence[object]], str]


class _NumericCurrency(dict[str, str]):
    """Alphabetic ISO 4217 code -> numeric code; a currency without a known numeric code is
    written as its alphabetic code, which the gateway's readers (and Pointage's) accept."""

    def __missing__(self, alphabetic: str) -> str:
        return alphabetic


class _Days(dict[date, str]):
    """`YYYYMMDD` of each day, computed once: a journal repeats the same few days."""

    def __missing__(self, day: date) -> str:
        text = self[day] = f"{day.year:04d}{day.month:02d}{day.day:02d}"
        return text


class _Instants(dict[datetime, str]):
    """`YYYYMMDDhhmmss` in UTC of each instant, kept while the journal repeats it (a batch
    captures thousands of payments at the same instant; busy shops sell every second)."""

    def __missing__(self, instant: datetime) -> str:
        value = instant
        zone = value.tzinfo
        if zone is not UTC and zone is not None:
            value = value.astimezone(UTC)
        # %-formatting is twice as fast as strftime, and this runs for most rows.
        text = "%04d%02d%02d%02d%02d%02d" % (  # noqa: UP031
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
        )
        if len(self) > 100_000:
            self.clear()
        self[instant] = text
        return text


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


def row_formatter(layout: Layout) -> RowFormatter:
    """A function that turns a row into its detail line, without the line end.

    It is compiled from the column types only (no name or value of the layout enters the
    source), so it unpacks the row into locals and formats each one inline. A row of the
    wrong length raises ValueError.
    """
    names = [f"c{position}" for position in range(len(layout.columns))]
    values = ", ".join(
        f"('' if {name} is None else {_EXPRESSIONS[column.type].format(v=name)})"
        for name, column in zip(names, layout.columns, strict=True)
    )
    source = (
        "def format_row(row):\n"
        f"    {', '.join(names)}, = row\n"
        f"    return prefix + join(({values},))\n"
    )
    namespace: dict[str, object] = {
        "prefix": layout.record + SEPARATOR,
        "join": SEPARATOR.join,
        "numeric": _NumericCurrency({alpha: number for number, alpha in NUMERIC_CODES.items()}),
        "days": _Days(),
        "instants": _Instants(),
        "str": str,
    }
    exec(source, namespace)  # noqa: S102 - the source is built above from fixed templates
    format_row: RowFormatter = namespace["format_row"]  # type: ignore[assignment]
    return format_row


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


def detail_lines(layout: Layout, rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The detail record of each row, in order."""
    format_row = row_formatter(layout)
    separators = len(layout.columns)  # one after the record type, then one between values
    for row in rows:
        line = format_row(row)
        if line.count(SEPARATOR) != separators or "\n" in line or "\r" in line:
            line = format_row([escape(v) if isinstance(v, str) else v for v in row])
        yield line


def write_csv(document: JournalDocument, path: Path, *, encoding: str = "utf-8") -> int:
    """Write the journal to `path` and return the number of detail records.

    `encoding` is "utf-8" or "iso-8859-15"; in ISO-8859-15 a character it cannot hold is
    written `?`. Lines end with LF.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, got {encoding!r}")
    layout = document.layout
    count = 0
    with path.open("w", encoding=encoding, errors="replace", newline="\n") as out:
        out.write(title_line(document) + "\n" + header_line(layout) + "\n")
        batch: list[str] = []
        for line in detail_lines(layout, document.rows):
            batch.append(line)
            if len(batch) == _LINES_PER_WRITE:
                count += len(batch)
                out.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            count += len(batch)
            out.write("\n".join(batch) + "\n")
        if layout.has_fin:
            out.write(f"FIN{SEPARATOR}{count}\n")
    return count
