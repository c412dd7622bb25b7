"""A streaming XLSX writer for exports of a million lines (docs/exports.md).

Rows go straight into the compressed sheet of the workbook as they come: nothing but the
row being written sits in memory, whatever the number of rows. XlsxWriter's constant-memory
mode does the same, but with a generic call per cell: the reconciliation export's million
lines of 21 columns took it 181 s, against 29 s with this writer, database reads included
(bench/reports.py, docs/benchmarks.md). Here each table gets one function, compiled for its
columns, that writes a whole row. It writes only what exports need: inline strings,
numbers, dates, a number format per currency, a bold header, a frozen header row, an
autofilter and column widths.

Cells follow the journal model's column types (`formats.journals.model.ColumnType`): an
amount is `int` minor units written as a number in major units with its currency's format,
a date an Excel serial day with a date format, a datetime (UTC) a serial with a fraction.
A table longer than a sheet allows continues on another sheet ("Name 2") with the same
header.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self
from xml.sax.saxutils import escape, quoteattr

from pointage.core.money import Money, exponent
from pointage.formats.journals.model import Column, ColumnType

# Excel's limits: rows per sheet (the header is one of them), characters per cell.
MAX_SHEET_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
MAX_SHEET_NAME = 31
# Rows are joined and compressed this many at a time: fewer, larger writes.
ROWS_PER_WRITE = 500
_EXCEL_EPOCH = date(1899, 12, 30).toordinal()
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# What XML 1.0 cannot carry; such characters are written as Excel's _xHHHH_ escapes.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_WORK = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


@dataclass(frozen=True, slots=True)
class Heading:
    """A bold text cell in a free-form sheet (titles, column headers of a small table)."""

    text: str


# What a free-form sheet's cell may hold: None leaves the cell empty.
Cell = str | int | Money | date | datetime | Heading | None


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def text_xml(value: str) -> str:
    """A string as the content of an inline-string cell: escaped for XML, cut at Excel's
    limit; a control character XML cannot carry is written as Excel's `_xHHHH_` escape,
    which Excel reads back as the character (as XlsxWriter does)."""
    # Nearly every value: nothing to escape, no space at either end that XML would drop.
    if (
        len(value) <= MAX_CELL_CHARS
        and _NEEDS_WORK.search(value) is None
        and value.strip() == value
    ):
        return "<is><t>" + value + "</t></is>"
    value = _NOT_XML.sub(_excel_escape, escape(value[:MAX_CELL_CHARS]))
    if value[:1].isspace() or value[-1:].isspace():
        return '<is><t xml:space="preserve">' + value + "</t></is>"
    return "<is><t>" + value + "</t></is>"


def _excel_escape(match: re.Match[str]) -> str:
    return f"_x{ord(match.group()):04X}_"


def serial_day(day: date) -> int:
    return day.toordinal() - _EXCEL_EPOCH


def serial_instant(instant: datetime) -> float:
    """A UTC instant as an Excel serial (days since 1899-12-30, time as the fraction)."""
    seconds = instant.hour * 3600 + instant.minute * 60 + instant.second
    return serial_day(instant.date()) + (seconds + instant.microsecond / 1e6) / 86_400


class _Styles:
    """The cell formats the workbook uses, numbered as styles.xml lists them."""

    def __init__(self) -> None:
        self._formats: dict[str, int] = {}  # number format code -> cell style index
        self.bold = 1  # style 0 is the default, 1 the bold header

    def of_format(self, code: str) -> int:
        if code not in self._formats:
            self._formats[code] = 2 + len(self._formats)
        return self._formats[code]

    def of_currency(self, currency: str) -> int:
        digits = exponent(currency)
        decimals = "." + "0" * digits if digits else ""
        return self.of_format(f'#,##0{decimals}\\ "{currency}";\\-#,##0{decimals}\\ "{currency}"')

    def xml(self) -> str:
        formats = list(self._formats)
        num_fmts = "".join(
            f'<numFmt numFmtId="{164 + n}" formatCode={quoteattr(code)}/>'
            for n, code in enumerate(formats)
        )
        if num_fmts:  # left out when there is none, as in the files Excel writes
            num_fmts = f'<numFmts count="{len(formats)}">{num_fmts}</numFmts>'

        xfs = "".join(
            f'<xf numFmtId="{164 + n}" fontId="0" fillId="0" borderId="0" xfId="0"'
            ' applyNumberFormat="1"/>'
            for n in range(len(formats))
        )
        font = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
        return (
            f'{_XML}<styleSheet xmlns="{_MAIN}">'
            f"{num_fmts}"
            f'<fonts count="2"><font>{font}</font><font><b/>{font}</font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            f'<cellXfs count="{2 + len(formats)}">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            f"{xfs}</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>"
        )


@dataclass(frozen=True, slots=True)
class _Sheet:
    name: str
    filter_ref: str | None  # the autofilter's range, "A1:T101"


# Writes one row of a table: (row number, the row's values) -> the row's XML.
_RowFunction = Callable[[int, Sequence[object]], str]


class StreamingWorkbook:
    """An XLSX file written sheet after sheet; each sheet's rows stream into the archive.

    Use as a context manager: the workbook's parts (sheet list, styles) are written when it
    closes. Sheets appear in the order they were added.
    """

    def __init__(self, path: Path, *, created_at: datetime, compresslevel: int = 1) -> None:
        # Level 1 makes a file a third larger than zlib's default level 6 does, in 40 % of
        # its time: 5 s of compression instead of 13 s for a million lines.
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self._styles = _Styles()
        self._sheets: list[_Sheet] = []
        self._created_at = created_at

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self._zip.close()

    def table(
        self,
        name: str,
        columns: Sequence[Column],
        rows: Iterable[Sequence[object]],
        *,
        max_rows: int = MAX_SHEET_ROWS,
    ) -> int:
        """A header row (bold, frozen, with an autofilter) and one row per item of `rows`,
        each a sequence in `columns` order; continues on "name 2", "name 3"… past
        `max_rows` rows per sheet (the header counts). Returns the rows written."""
        row_xml = self._row_function(columns)
        header = [Heading(column.title) for column in columns]
        widths = [column.width or max(10, len(column.title) + 2) for column in columns]
        last = column_letter(len(columns) - 1)
        written = 0
        source = _Lookahead(rows)
        part = 1
        while True:
            sheet_name = name if part == 1 else _sheet_name(name, f" {part}")
            with self._open_sheet(sheet_name) as out:
                out.write(_sheet_start(widths, frozen=True).encode())
                out.write(_free_row(1, header, self._styles).encode())
                count = _stream_rows(out, source, row_xml, max_rows - 1)
                out.write(f'</sheetData><autoFilter ref="A1:{last}{count + 1}"/>'.encode())
                out.write(b"</worksheet>")
            self._sheets[-1] = _Sheet(sheet_name, f"A1:{last}{count + 1}")
            written += count
            if not source.has_more():
                return written
            part += 1

    def sheet(self, name: str, rows: Iterable[Sequence[Cell]], widths: Sequence[int]) -> None:
        """A free-form sheet of typed cells (totals, notes), small enough to be built."""
        with self._open_sheet(name) as out:
            out.write(_sheet_start(widths, frozen=False).encode())
            for number, cells in enumerate(rows, start=1):
                out.write(_free_row(number, cells, self._styles).encode())
            out.write(b"</sheetData></worksheet>")

    def close(self) -> None:
        for name, content in self._package_parts():
            self._zip.writestr(name, content)
        self._zip.close()

    # -- the parts ------------------------------------------------------------------------

    def _open_sheet(self, name: str) -> IO[bytes]:
        self._sheets.append(_Sheet(name, None))
        part = f"xl/worksheets/sheet{len(self._sheets)}.xml"
        # The size is unknown until the end: Zip64 lets a sheet pass 2 GiB uncompressed.
        return self._zip.open(part, "w", force_zip64=True)

    def _package_parts(self) -> Iterator[tuple[str, str]]:
        count = len(self._sheets)
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, count + 1)
        )
        yield (
            "[Content_Types].xml",
            (
                f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/'
                'vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                f"{sheets}"
                '<Override PartName="/xl/styles.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                '<Override PartName="/docProps/core.xml" ContentType="application/'
                'vnd.openxmlformats-package.core-properties+xml"/>'
                '<Override PartName="/docProps/app.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>'
            ),
        )
        yield (
            "_rels/.rels",
            (
                f'{_XML}<Relationships xmlns="{_PKG_REL}">'
                f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties"'
                ' Target="docProps/core.xml"/>'
                f'<Relationship Id="rId3" Type="{_REL}/extended-properties"'
                ' Target="docProps/app.xml"/></Relationships>'
            ),
        )
        yield "docProps/core.xml", self._core_xml()
        yield (
            "docProps/app.xml",
            (
                f"{_XML}<Properties xmlns="
                '"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
                "<Application>Pointage</Application></Properties>"
            ),
        )
        yield "xl/workbook.xml", self._workbook_xml()
        relations = "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        yield (
            "xl/_rels/workbook.xml.rels",
            (
                f'{_XML}<Relationships xmlns="{_PKG_REL}">{relations}'
                f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                "</Relationships>"
            ),
        )
        yield "xl/styles.xml", self._styles.xml()

    def _workbook_xml(self) -> str:
        sheets = "".join(
            f'<sheet name={quoteattr(sheet.name)} sheetId="{n}" r:id="rId{n}"/>'
            for n, sheet in enumerate(self._sheets, start=1)
        )
        # Excel finds a sheet's autofilter range through this hidden name.
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
            f"{escape(_absolute(sheet.name, sheet.filter_ref))}</definedName>"
            for n, sheet in enumerate(self._sheets)
            if sheet.filter_ref is not None
        )
        defined = f"<definedNames>{names}</definedNames>" if names else ""
        return (
            f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets>{defined}</workbook>"
        )

    def _core_xml(self) -> str:
        created = self._created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            f"{_XML}<cp:coreProperties xmlns:cp="
            '"http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
            ' xmlns:dcterms="http://purl.org/dc/terms/"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<dc:creator>Pointage</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified>'
            "</cp:coreProperties>"
        )

    # -- cells ----------------------------------------------------------------------------

    def _row_function(self, columns: Sequence[Column]) -> _RowFunction:
        """One function writing a whole row, compiled for these columns: each cell's XML is
        spelled inline, with its column letter and style fixed, instead of a call per cell
        (which took twice as long). The source holds no value from outside, only indexes,
        letters and style numbers."""
        names = [column.name for column in columns]
        cells = []
        for position, column in enumerate(columns):
            value = f"v{position}"
            start = f'<c r="{column_letter(position)}{{n}}"'
            kind = column.type
            if kind in (ColumnType.TEXT, ColumnType.CURRENCY):
                cell = f"""f'{start} t="inlineStr">{{text(str({value}))}}</c>'"""
            elif kind is ColumnType.INTEGER:
                cell = f"f'{start}><v>{{int({value})}}</v></c>'"
            elif kind is ColumnType.DATE:
                style = self._styles.of_format(_DATE_FORMAT)
                cell = f"""f'{start} s="{style}"><v>{{day({value})}}</v></c>'"""
            elif kind is ColumnType.DATETIME:
                style = self._styles.of_format(_DATETIME_FORMAT)
                cell = f"""f'{start} s="{style}"><v>{{instant({value})!r}}</v></c>'"""
            else:
                if column.currency_column is None:
                    raise ValueError(f"amount column {column.name} names no currency column")
                currency = f"v{names.index(column.currency_column)}"
                cell = f"f'{start}{{amount({value}, {currency})}}'"
            cells.append(f"('' if {value} is None else {cell})")
        unpack = "".join(f"v{position}, " for position in range(len(columns)))
        source = (
            "def row_xml(n, row):\n"
            f"    {unpack}= row\n"
            f"""    return ''.join((f'<row r="{{n}}">', {", ".join(cells)}, '</row>'))\n"""
        )
        namespace: dict[str, Any] = {
            "text": text_xml,
            "day": serial_day,
            "instant": serial_instant,
            "amount": _Amounts(self._styles),
        }
        exec(compile(source, "<xlsx row>", "exec"), namespace)  # noqa: S102 - see docstring
        function: _RowFunction = namespace["row_xml"]
        return function


class _Amounts(dict[str, tuple[str, int]]):
    """Writes an amount cell's style and value; the format of each currency is made once."""

    def __init__(self, styles: _Styles) -> None:
        super().__init__()
        self._styles = styles

    def __missing__(self, currency: str) -> tuple[str, int]:
        known = self[currency] = (str(self._styles.of_currency(currency)), 10 ** exponent(currency))
        return known

    def __call__(self, minor: int, currency: object) -> str:
        style, scale = self[str(currency)]
        return ' s="' + style + '"><v>' + repr(minor / scale) + "</v></c>"


def _stream_rows(
    out: IO[bytes], rows: Iterator[Sequence[object]], row_xml: _RowFunction, limit: int
) -> int:
    """Write up to `limit` rows from the second row on; returns how many were written."""
    count = 0
    batch: list[str] = []
    for row in rows:
        count += 1
        batch.append(row_xml(count + 1, row))
        if len(batch) >= ROWS_PER_WRITE:
            out.write("".join(batch).encode())
            batch.clear()
        if count == limit:
            break
    out.write("".join(batch).encode())
    return count


class _Lookahead(Iterator[Sequence[object]]):
    """Rows with a look one ahead: is there a row left for another sheet?"""

    def __init__(self, rows: Iterable[Sequence[object]]) -> None:
        self._rows = iter(rows)
        self._ahead: list[Sequence[object]] = []

    def __next__(self) -> Sequence[object]:
        if self._ahead:
            return self._ahead.pop()
        return next(self._rows)

    def has_more(self) -> bool:
        if not self._ahead:
            try:
                self._ahead.append(next(self._rows))
            except StopIteration:
                return False
        return True


def _sheet_start(widths: Sequence[int], *, frozen: bool) -> str:
    pane = (
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        if frozen
        else ""
    )
    cols = "".join(
        f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
        for n, width in enumerate(widths, start=1)
    )
    return (
        f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"{f'<cols>{cols}</cols>' if cols else ''}<sheetData>"
    )


def _free_row(number: int, cells: Sequence[Cell], styles: _Styles) -> str:
    parts = [f'<row r="{number}">']
    for position, value in enumerate(cells):
        ref = f"{column_letter(position)}{number}"
        if value is None:
            continue
        if isinstance(value, Heading):
            parts.append(f'<c r="{ref}" s="{styles.bold}" t="inlineStr">{text_xml(value.text)}</c>')
        elif isinstance(value, str):
            parts.append(f'<c r="{ref}" t="inlineStr">{text_xml(value)}</c>')
        elif isinstance(value, Money):
            style = styles.of_currency(value.currency)
            amount = value.minor / 10 ** exponent(value.currency)
            parts.append(f'<c r="{ref}" s="{style}"><v>{amount!r}</v></c>')
        elif isinstance(value, datetime):
            style = styles.of_format(_DATETIME_FORMAT)
            parts.append(f'<c r="{ref}" s="{style}"><v>{serial_instant(value)!r}</v></c>')
        elif isinstance(value, date):
            style = styles.of_format(_DATE_FORMAT)
            parts.append(f'<c r="{ref}" s="{style}"><v>{serial_day(value)}</v></c>')
        else:
            parts.append(f'<c r="{ref}"><v>{int(value)}</v></c>')
    parts.append("</row>")
    return "".join(parts)


def _sheet_name(base: str, suffix: str) -> str:
    return base[: MAX_SHEET_NAME - len(suffix)] + suffix


def _absolute(sheet: str, ref: str | None) -> str:
    """'Transactions'!$A$1:$T$101, the form Excel's defined names take."""
    assert ref is not None
    first, last = ref.split(":")
    quoted = "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!{_dollar(first)}:{_dollar(last)}"


def _dollar(cell: str) -> str:
    letters = cell.rstrip("0123456789")
    return f"${letters}${cell[len(letters) :]}"
