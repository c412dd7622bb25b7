"""The streaming XLSX writer, read back cell by cell with openpyxl (an independent reader):
typed cells and their formats, text that XML cannot carry as is, the header, frozen pane,
autofilter and widths, and a table longer than a sheet continued on the next."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime

import openpyxl
import pytest

from pointage.core.money import Money
from pointage.formats.journals.model import Column, ColumnType
from pointage.formats.xlsx_stream import (
    Heading,
    StreamingWorkbook,
    column_letter,
    serial_day,
)

CREATED = datetime(2026, 3, 11, 8, 30, tzinfo=UTC)
COLUMNS = (
    Column("NAME", ColumnType.TEXT, "Name", width=30),
    Column("COUNT", ColumnType.INTEGER, "Count"),
    Column("AMOUNT", ColumnType.AMOUNT, "Amount", currency_column="CURRENCY"),
    Column("CURRENCY", ColumnType.CURRENCY, "Currency"),
    Column("DAY", ColumnType.DATE, "Day"),
    Column("AT", ColumnType.DATETIME, "At"),
)


def naive(*parts: int) -> datetime:
    """A date-time as a spreadsheet holds it: no time zone (the writer's are UTC)."""
    return datetime(*parts, tzinfo=UTC).replace(tzinfo=None)


def write(tmp_path, rows, *, max_rows=1_048_576, columns=COLUMNS):
    path = tmp_path / "out.xlsx"
    with StreamingWorkbook(path, created_at=CREATED) as workbook:
        written = workbook.table("Lines", columns, rows, max_rows=max_rows)
    return path, written


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"),
                           (702, "AAA")],
)  # fmt: skip
def test_column_letters(index, letters):
    assert column_letter(index) == letters


def test_cells_keep_their_types_and_formats(tmp_path):
    at = datetime(2026, 3, 11, 14, 5, 30, tzinfo=UTC)
    path, written = write(
        tmp_path,
        [
            ("Café & <Co>", 3, 123_456, "EUR", date(2026, 3, 2), at),
            ("yen", -2, 1_500, "JPY", date(2024, 2, 29), None),
            ("dinar", 0, -1_234, "TND", None, None),
            (None, None, None, "EUR", None, None),
        ],
    )
    assert written == 4
    sheet = openpyxl.load_workbook(path)["Lines"]
    first = [cell for cell in sheet[2]]
    assert [c.value for c in first[:4]] == ["Café & <Co>", 3, 1234.56, "EUR"]
    assert first[2].number_format == '#,##0.00\\ "EUR";\\-#,##0.00\\ "EUR"'
    assert first[4].value == naive(2026, 3, 2) and first[4].number_format == "yyyy-mm-dd"
    assert first[5].value == naive(2026, 3, 11, 14, 5, 30)
    assert first[5].number_format == "yyyy-mm-dd hh:mm:ss"
    yen = sheet["C3"]
    assert (yen.value, yen.number_format) == (1500, '#,##0\\ "JPY";\\-#,##0\\ "JPY"')
    assert sheet["B3"].value == -2
    dinar = sheet["C4"]
    assert dinar.value == pytest.approx(-1.234)
    assert dinar.number_format == '#,##0.000\\ "TND";\\-#,##0.000\\ "TND"'
    assert [c.value for c in sheet[5]] == [None, None, None, "EUR", None, None]


@pytest.mark.parametrize(
    "text",
    [
        "  leading and trailing  ",
        "tab\tand\nnew line",
        "quotes \" and ' and ]]>",
        "emoji 😀 and ß",
    ],
)
def test_text_reads_back_as_written(tmp_path, text):
    path, _ = write(tmp_path, [(text, 1, 0, "EUR", None, None)])
    assert openpyxl.load_workbook(path)["Lines"]["A2"].value == text


def test_control_characters_are_written_as_excels_escapes(tmp_path):
    # XML 1.0 cannot carry them; Excel reads _x0007_ back as the character itself.
    path, _ = write(tmp_path, [("bell\x07 escape\x1b", 1, 0, "EUR", None, None)])
    assert openpyxl.load_workbook(path)["Lines"]["A2"].value == "bell_x0007_ escape_x001B_"


def test_text_longer_than_a_cell_holds_is_cut_at_excels_limit(tmp_path):
    path, _ = write(tmp_path, [("x" * 40_000, 1, 0, "EUR", None, None)])
    assert len(openpyxl.load_workbook(path)["Lines"]["A2"].value) == 32_767


def test_header_is_bold_frozen_filtered_and_sized(tmp_path):
    path, _ = write(tmp_path, [("a", 1, 100, "EUR", None, None)] * 3)
    sheet = openpyxl.load_workbook(path)["Lines"]
    assert [c.value for c in sheet[1]] == [c.title for c in COLUMNS]
    assert all(c.font.b for c in sheet[1])
    assert not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F4"
    assert sheet.column_dimensions["A"].width == 30
    assert sheet.column_dimensions["B"].width == 10  # at least 10 without a width of its own


def test_an_empty_table_is_a_header_alone(tmp_path):
    path, written = write(tmp_path, [])
    sheet = openpyxl.load_workbook(path)["Lines"]
    assert written == 0
    assert sheet.max_row == 1
    assert sheet.auto_filter.ref == "A1:F1"


def test_a_table_longer_than_a_sheet_goes_on_in_the_next(tmp_path):
    rows = [(f"row {n}", n, n, "EUR", None, None) for n in range(1, 8)]
    path, written = write(tmp_path, iter(rows), max_rows=4)  # header + 3 lines a sheet
    book = openpyxl.load_workbook(path)
    assert written == 7
    assert book.sheetnames == ["Lines", "Lines 2", "Lines 3"]
    for sheet in book:
        assert [c.value for c in sheet[1]] == [c.title for c in COLUMNS]
    counts = [[row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] for sheet in book]
    assert counts == [[1, 2, 3], [4, 5, 6], [7]]
    assert book["Lines 3"].auto_filter.ref == "A1:F2"


def test_a_table_that_fills_its_sheet_exactly_adds_no_empty_sheet(tmp_path):
    rows = [(f"row {n}", n, n, "EUR", None, None) for n in range(3)]
    path, _ = write(tmp_path, rows, max_rows=4)
    assert openpyxl.load_workbook(path).sheetnames == ["Lines"]


def test_an_amount_column_must_name_its_currency_column(tmp_path):
    columns = (Column("AMOUNT", ColumnType.AMOUNT, "Amount"),)
    with pytest.raises(ValueError, match="currency column"):
        write(tmp_path, [(1,)], columns=columns)


def test_free_form_sheet_after_a_table(tmp_path):
    path = tmp_path / "out.xlsx"
    with StreamingWorkbook(path, created_at=CREATED) as workbook:
        workbook.table("Lines", COLUMNS, [])
        workbook.sheet(
            "Summary",
            [
                [Heading("Totals")],
                ["EUR", 3, Money(-4_550, "EUR"), date(2026, 3, 2)],
                [],
                [None, "after a gap", CREATED],
            ],
            widths=(20, 12),
        )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Lines", "Summary"]
    summary = book["Summary"]
    assert summary["A1"].value == "Totals" and summary["A1"].font.b
    assert [c.value for c in summary[2]] == ["EUR", 3, -45.5, naive(2026, 3, 2)]
    assert summary["C2"].number_format == '#,##0.00\\ "EUR";\\-#,##0.00\\ "EUR"'
    assert summary["A4"].value is None and summary["B4"].value == "after a gap"
    assert summary["C4"].value == naive(2026, 3, 11, 8, 30)
    assert summary.freeze_panes is None
    assert summary.column_dimensions["A"].width == 20


def test_the_package_names_its_parts_and_the_filter_range(tmp_path):
    path, _ = write(tmp_path, [("a", 1, 100, "EUR", None, None)])
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        workbook = archive.read("xl/workbook.xml").decode()
        core = archive.read("docProps/core.xml").decode()
    assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml",
            "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"} <= names  # fmt: skip
    assert '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">' in workbook
    assert "'Lines'!$A$1:$F$2" in workbook
    assert "2026-03-11T08:30:00Z" in core


def test_a_failed_table_leaves_the_archive_closed(tmp_path):
    def broken():
        yield ("a", 1, 100, "EUR", None, None)
        raise RuntimeError("the database went away")

    path = tmp_path / "out.xlsx"
    with pytest.raises(RuntimeError), StreamingWorkbook(path, created_at=CREATED) as workbook:
        workbook.table("Lines", COLUMNS, broken())
    with pytest.raises(KeyError):  # no workbook part: not a spreadsheet anyone would open
        zipfile.ZipFile(path).read("xl/workbook.xml")


def test_serial_days_are_excels():
    assert serial_day(date(1900, 3, 1)) == 61
    assert serial_day(date(2026, 3, 2)) == 46083
