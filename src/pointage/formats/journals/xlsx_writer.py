"""A journal as an Excel workbook made for people (docs/formats/journals.md).

One sheet: a title row (shop, journal, period, generation time), a header row of column
titles, one row per journal line with typed cells (amounts as numbers in major units with
their currency's number format, dates as dates, instants as UTC date-times), then the
totals. The header row is frozen, an autofilter covers the lines, columns have widths.

XlsxWriter's constant-memory mode flushes each row to disk once the next one starts, so a
million lines never sit in memory. A sheet holds at most 1,048,576 rows: the lines go on in
a new sheet ("JT (2)", with its own title and header rows) and the totals, on the last
sheet, add up every sheet.

Totals: one row per currency of the journal, each total column summed with SUMIFS over the
lines of that currency (a journal of one currency has one totals row). The formula's value
is also stored, computed while streaming from the integer minor units, so a reader that
does not recalculate shows the same figure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.utility import xl_range_formula

from pointage.core.money import exponent
from pointage.formats.journals.model import Column, ColumnType, JournalDocument, Layout

EXCEL_MAX_ROWS = 1_048_576
_HEADER_ROWS = 2  # the title row, then the column titles

JOURNAL_TITLES = {
    "jt": "Transaction journal",
    "jo": "Operations journal",
    "jrb": "Bank reconciliation journal",
    "jri": "Chargeback journal",
    "remittances": "Remittance journal",
}
_DEFAULT_WIDTHS = {
    ColumnType.TEXT: 16,
    ColumnType.INTEGER: 10,
    ColumnType.AMOUNT: 16,
    ColumnType.CURRENCY: 9,
    ColumnType.DATE: 12,
    ColumnType.DATETIME: 20,
}

# (worksheet, row, column, value, the whole row) -> None; a worksheet is untyped.
CellWriter = Callable[[Any, int, int, Any, Sequence[object]], None]


class _Formats:
    """The workbook's cell formats, each made once (a format per cell would bloat the file)."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.title = workbook.add_format({"bold": True, "font_size": 12})
        self.header = workbook.add_format({"bold": True, "bottom": 1, "bg_color": "#DDEBF7"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.total = workbook.add_format({"bold": True, "top": 1})
        self._amounts: dict[tuple[str, bool], Any] = {}

    def amount(self, currency: str, *, bold: bool = False) -> Any:
        """'#,##0.00 "EUR"': the currency's decimals, then its code."""
        key = (currency, bold)
        if key not in self._amounts:
            digits = exponent(currency)
            number = "#,##0" + ("." + "0" * digits if digits else "")
            spec: dict[str, object] = {"num_format": f'{number} "{currency}"'}
            if bold:
                spec |= {"bold": True, "top": 1}
            self._amounts[key] = self.workbook.add_format(spec)
        return self._amounts[key]


@dataclass
class _Sheet:
    name: str
    worksheet: Any
    last_row: int = _HEADER_ROWS - 1  # the last row written so far (the header at first)
    last_line: int = _HEADER_ROWS - 1  # the last journal line (totals rows come after)

    @property
    def has_lines(self) -> bool:
        return self.last_line >= _HEADER_ROWS


@dataclass
class _Totals:
    """Sums of the total columns per currency, in minor units, and lines per currency."""

    sums: Counter[tuple[int, str | None]] = field(default_factory=Counter)
    lines: Counter[str | None] = field(default_factory=Counter)


def _utc_naive(value: datetime) -> datetime:
    # Excel has no time zones: the cell holds the UTC wall time and the header says UTC.
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _scales(currency: str) -> int:
    scale: int = 10 ** exponent(currency)  # int ** int is typed Any
    return scale


class _Writers:
    """One cell writer per column of the layout."""

    def __init__(self, layout: Layout, formats: _Formats, totals: _Totals) -> None:
        self.layout = layout
        self.formats = formats
        self.totals = totals
        self.scales: dict[str, int] = {}
        self.row_currency = _row_currency(layout)

    def __call__(self, column: Column) -> CellWriter:
        kind = column.type
        if kind is ColumnType.AMOUNT:
            return self._amount(column)
        if kind is ColumnType.INTEGER:
            return self._integer(column)
        if kind is ColumnType.DATE:
            date_format = self.formats.date
            return lambda ws, r, c, v, _row: ws.write_datetime(r, c, v, date_format)
        if kind is ColumnType.DATETIME:
            stamp = self.formats.datetime
            return lambda ws, r, c, v, _row: ws.write_datetime(r, c, _utc_naive(v), stamp)
        return lambda ws, r, c, v, _row: ws.write_string(r, c, v if type(v) is str else str(v))

    def _amount(self, column: Column) -> CellWriter:
        if column.currency_column is None:
            raise ValueError(f"amount column {column.name} names no currency column")
        currency_at = self.layout.index(column.currency_column)
        scales, formats, sums = self.scales, self.formats, self.totals.sums
        position = self.layout.columns.index(column)

        def write(ws: Any, r: int, c: int, minor: int, row: Sequence[object]) -> None:
            currency = row[currency_at]
            if not isinstance(currency, str):
                raise ValueError(f"{column.name} has an amount and no currency in row {r + 1}")
            scale = scales.get(currency) or scales.setdefault(currency, _scales(currency))
            # int / int is the correctly rounded float of the exact quotient: display only.
            ws.write_number(r, c, minor / scale, formats.amount(currency))
            if column.total:
                sums[(position, currency)] += minor

        return write

    def _integer(self, column: Column) -> CellWriter:
        if not column.total:
            return lambda ws, r, c, v, _row: ws.write_number(r, c, v)
        sums, currency_at = self.totals.sums, self.row_currency
        position = self.layout.columns.index(column)

        def write(ws: Any, r: int, c: int, value: int, row: Sequence[object]) -> None:
            ws.write_number(r, c, value)
            currency = None if currency_at is None else row[currency_at]
            sums[(position, currency if isinstance(currency, str) else None)] += value

        return write


def _row_currency(layout: Layout) -> int | None:
    """The first currency column: the currency a line is counted under in the totals."""
    for position, column in enumerate(layout.columns):
        if column.type is ColumnType.CURRENCY:
            return position
    return None


def _title(document: JournalDocument) -> str:
    start, end = document.period_start, document.period_end
    period = start.isoformat() if start == end else f"{start.isoformat()} to {end.isoformat()}"
    generated = document.generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    journal = JOURNAL_TITLES.get(document.layout.kind.value, document.layout.kind.value)
    return (
        f"{journal}, {document.shop_label} (shop {document.shop_id}), {period}, "
        f"generated {generated} UTC"
    )


def _header_title(column: Column) -> str:
    if column.type is ColumnType.DATETIME and "UTC" not in column.title:
        return f"{column.title} (UTC)"
    return column.title


class _Book:
    """The workbook being written: its sheets, and the move to a new one when one is full."""

    def __init__(self, document: JournalDocument, path: Path, max_rows: int) -> None:
        if max_rows < _HEADER_ROWS + 2:
            raise ValueError(f"a sheet needs room for at least {_HEADER_ROWS + 2} rows")
        self.document = document
        self.max_rows = max_rows
        self.workbook = Workbook(str(path), {"constant_memory": True})
        self.formats = _Formats(self.workbook)
        self.sheets: list[_Sheet] = []
        self.new_sheet()

    @property
    def sheet(self) -> _Sheet:
        return self.sheets[-1]

    def new_sheet(self) -> _Sheet:
        base = self.document.layout.kind.value.upper()
        name = base if not self.sheets else f"{base} ({len(self.sheets) + 1})"
        worksheet = self.workbook.add_worksheet(name)
        columns = self.document.layout.columns
        worksheet.write_string(0, 0, _title(self.document), self.formats.title)
        for position, column in enumerate(columns):
            worksheet.write_string(1, position, _header_title(column), self.formats.header)
            width = column.width or max(len(column.title) + 2, _DEFAULT_WIDTHS[column.type])
            worksheet.set_column(position, position, width)
        worksheet.freeze_panes(_HEADER_ROWS, 0)
        self.sheets.append(_Sheet(name, worksheet))
        return self.sheets[-1]

    def next_line(self) -> tuple[Any, int]:
        """Where the next journal line goes: the current sheet, or a new one when full."""
        sheet = self.sheet
        if sheet.last_row + 1 >= self.max_rows:
            sheet = self.new_sheet()
        sheet.last_row = sheet.last_line = sheet.last_row + 1
        return sheet.worksheet, sheet.last_row

    def make_room(self, rows: int) -> None:
        """Start a new sheet unless `rows` more rows fit on the current one."""
        if self.sheet.last_row + rows >= self.max_rows:
            self.new_sheet()

    def next_row(self) -> tuple[Any, int]:
        """A row after the lines (totals), on the current sheet."""
        self.sheet.last_row += 1
        return self.sheet.worksheet, self.sheet.last_row

    def close(self) -> None:
        last_column = len(self.document.layout.columns) - 1
        for sheet in self.sheets:
            sheet.worksheet.autofilter(_HEADER_ROWS - 1, 0, sheet.last_line, last_column)
        self.workbook.close()


def write_xlsx(document: JournalDocument, path: Path, *, max_rows: int = EXCEL_MAX_ROWS) -> int:
    """Write the journal to `path` as XLSX and return the number of journal lines.

    `max_rows` is the number of rows a sheet may hold (Excel's limit; smaller in tests).
    """
    book = _Book(document, path, max_rows)
    layout = document.layout
    totals = _Totals()
    make_writer = _Writers(layout, book.formats, totals)
    writers = [make_writer(column) for column in layout.columns]
    currency_at = make_writer.row_currency
    lines = totals.lines
    count = 0
    for row in document.rows:
        worksheet, r = book.next_line()
        for c, (write, value) in enumerate(zip(writers, row, strict=True)):
            if value is not None:
                write(worksheet, r, c, value, row)
        currency = None if currency_at is None else row[currency_at]
        lines[currency if isinstance(currency, str) else None] += 1
        count += 1
    _write_totals(book, totals, currency_at)
    book.close()
    return count


def _write_totals(book: _Book, totals: _Totals, currency_at: int | None) -> None:
    """One totals row per currency (one row when the layout has no currency column)."""
    columns = book.document.layout.columns
    keys = {*totals.lines, *(currency for _, currency in totals.sums)}
    currencies = sorted(keys, key=lambda key: (key is None, key or "")) or [None]
    book.make_room(len(currencies))
    label_at = next((p for p, column in enumerate(columns) if not column.total), 0)
    formats = book.formats
    for currency in currencies:
        worksheet, r = book.next_row()
        lines = totals.lines[currency]
        label = f"Total {currency}" if currency else "Total"
        worksheet.write_string(
            r, label_at, f"{label} ({lines:,} line{'' if lines == 1 else 's'})", formats.total
        )
        for position, column in enumerate(columns):
            if not column.total:
                continue
            minor = totals.sums[(position, currency)]
            if column.type is ColumnType.AMOUNT and currency:
                value: float = minor / _scales(currency)
                cell_format = formats.amount(currency, bold=True)
            else:
                value, cell_format = minor, formats.total
            criterion_at = (
                book.document.layout.index(column.currency_column)
                if column.currency_column
                else currency_at
            )
            formula = _sum_formula(book.sheets, position, criterion_at, currency)
            if formula is None:
                worksheet.write_number(r, position, value, cell_format)
            else:
                worksheet.write_formula(r, position, formula, cell_format, value)


def _sum_formula(
    sheets: list[_Sheet], position: int, criterion_at: int | None, currency: str | None
) -> str | None:
    """SUMIFS of a column over the lines of one currency on every sheet (SUM without a
    currency column); None when there is no line to add up."""
    parts = []
    for sheet in sheets:
        if not sheet.has_lines:
            continue
        first, last = _HEADER_ROWS, sheet.last_line
        values = xl_range_formula(sheet.name, first, position, last, position)
        if criterion_at is None:
            parts.append(f"SUM({values})")
        else:
            criteria = xl_range_formula(sheet.name, first, criterion_at, last, criterion_at)
            parts.append(f'SUMIFS({values},{criteria},"{currency or ""}")')
    return "+".join(parts) or None
