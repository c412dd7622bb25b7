"""The XLSX writer, read back cell by cell with openpyxl (an independent reader)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from pointage.formats.journals.layouts import JO_LAYOUT
from pointage.formats.journals.xlsx_writer import write_xlsx
from tests.formats.journals.documents import document

AT = datetime(2026, 3, 2, 22, 30, 15, tzinfo=UTC)
WALL_TIME = AT.replace(tzinfo=None)  # what a cell holds: Excel has no time zones
MIDNIGHT = AT.replace(hour=0, minute=0, second=0, tzinfo=None)
ROWS = [
    ("first", 3, 123456, 990, "EUR", date(2026, 3, 2), AT),
    ("second", 2, 1, None, "EUR", None, None),
    ("third", 1, 500, 5, "JPY", date(2026, 3, 1), AT.astimezone(timezone(timedelta(hours=9)))),
    ("fourth", 4, 1500, 2, "TND", None, None),
    ("fifth", 10, 250, 10, "EUR", None, None),
]


def read(path: Path, *, values: bool = False) -> openpyxl.Workbook:
    """The workbook: formulas as written, or (values=True) the values stored with them."""
    return openpyxl.load_workbook(path, data_only=values)


def cells(sheet: Worksheet, row: int) -> list[object]:
    return [cell.value for cell in sheet[row]]


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    path = tmp_path / "j.xlsx"
    assert write_xlsx(document(ROWS, period_end=date(2026, 3, 8)), path) == len(ROWS)
    return path


def test_a_title_row_then_the_column_titles(mixed: Path) -> None:
    sheet = read(mixed).active
    assert sheet.title == "REMITTANCES"
    assert sheet["A1"].value == (
        "Remittance journal, BOUTIQUE DEMO (shop 12345678), 2026-03-02 to 2026-03-08, "
        "generated 2026-03-03 01:55:00 UTC"
    )
    assert sheet["A1"].font.b
    assert cells(sheet, 2) == ["Label", "Count", "Gross", "Fee", "Currency", "Day", "At (UTC)"]
    assert all(cell.font.b for cell in sheet[2])


def test_cells_are_typed(mixed: Path) -> None:
    sheet = read(mixed).active
    label, count, gross, fee, currency, day, at = sheet[3]
    assert label.value == "first" and label.data_type == "s"
    assert count.value == 3 and count.data_type == "n"
    assert gross.value == 1234.56 and gross.number_format == '#,##0.00 "EUR"'
    assert fee.value == 9.9 and fee.number_format == '#,##0.00 "EUR"'
    assert currency.value == "EUR"
    assert day.value == MIDNIGHT and day.number_format == "yyyy-mm-dd"
    assert at.value == WALL_TIME
    assert at.number_format == "yyyy-mm-dd hh:mm:ss"


def test_empty_values_are_empty_cells(mixed: Path) -> None:
    sheet = read(mixed).active
    assert cells(sheet, 4)[3:] == [None, "EUR", None, None]


def test_amounts_are_in_major_units_with_their_currency_s_decimals(mixed: Path) -> None:
    sheet = read(mixed).active
    assert (sheet["C5"].value, sheet["C5"].number_format) == (500, '#,##0 "JPY"')
    assert (sheet["C6"].value, sheet["C6"].number_format) == (1.5, '#,##0.000 "TND"')
    # An instant given in another zone is written as its UTC wall time.
    assert sheet["G5"].value == WALL_TIME


def test_the_header_is_frozen_and_the_autofilter_covers_the_lines(mixed: Path) -> None:
    sheet = read(mixed).active
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == f"A2:G{2 + len(ROWS)}"


def test_columns_have_widths_from_the_layout_the_title_or_the_type(mixed: Path) -> None:
    widths = read(mixed).active.column_dimensions
    # Excel stores a width with its padding, a fraction of a character.
    assert round(widths["A"].width) == 31  # the layout asks for 30
    assert round(widths["C"].width) == 17  # an amount: the type's 16, more than "Gross"
    assert round(widths["E"].width) == 11  # "Currency" and a margin of 2: 10
    assert round(widths["F"].width) == 13  # a date: the type's 12, more than "Day"


def test_one_totals_row_per_currency_with_formula_and_value(mixed: Path) -> None:
    formulas, values = read(mixed).active, read(mixed, values=True).active
    first = 3 + len(ROWS)
    assert [formulas.cell(row, 1).value for row in range(first, first + 4)] == [
        "Total EUR (3 lines)",
        "Total JPY (1 line)",
        "Total TND (1 line)",
        None,
    ]
    lines = f"$3:$C${2 + len(ROWS)}"
    assert formulas.cell(first, 3).value == (
        f'=SUMIFS(REMITTANCES!$C{lines},REMITTANCES!$E$3:$E${2 + len(ROWS)},"EUR")'
    )
    assert formulas.cell(first, 2).value.startswith("=SUMIFS(REMITTANCES!$B$3:$B$7,")
    assert formulas.cell(first, 4).value is None  # FEE is not a total column
    totals = [[values.cell(row, col).value for col in (2, 3)] for row in range(first, first + 3)]
    assert totals == [[15, 1237.07], [1, 500], [4, 1.5]]
    assert values.cell(first, 3).number_format == '#,##0.00 "EUR"'
    assert values.cell(first + 1, 3).number_format == '#,##0 "JPY"'
    assert values.cell(first, 3).font.b


def test_an_empty_journal_has_a_zero_totals_row(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    assert write_xlsx(document([]), path) == 0
    sheet = read(path).active
    assert cells(sheet, 3)[:3] == ["Total (0 lines)", 0, 0]
    assert sheet.auto_filter.ref == "A2:G2"


def test_a_layout_without_total_columns_still_counts_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "jo.xlsx"
    row = (None,) * 11 + ("EUR",) + (None,) * 7
    write_xlsx(document([row, row], JO_LAYOUT), path)
    sheet = read(path).active
    assert sheet.title == "JO"
    assert sheet["A5"].value == "Total EUR (2 lines)"
    assert cells(sheet, 5)[1:] == [None] * (len(JO_LAYOUT.columns) - 1)


def test_lines_go_on_in_a_new_sheet_when_one_is_full(tmp_path: Path) -> None:
    path = tmp_path / "long.xlsx"
    rows = [(f"line {n}", 1, 100 * n, None, "EUR", None, None) for n in range(1, 8)]
    # Six rows a sheet: title, header and four lines.
    assert write_xlsx(document(rows), path, max_rows=6) == 7
    book, values = read(path), read(path, values=True)
    assert book.sheetnames == ["REMITTANCES", "REMITTANCES (2)"]
    first, second = book.worksheets
    for sheet in (first, second):
        assert sheet["A1"].value.startswith("Remittance journal, BOUTIQUE DEMO")
        assert sheet["A2"].value == "Label"
        assert sheet.freeze_panes == "A3"
    assert [first.cell(row, 1).value for row in range(3, 7)] == [f"line {n}" for n in range(1, 5)]
    assert first.max_row == 6 and first.auto_filter.ref == "A2:G6"
    assert [second.cell(row, 1).value for row in (3, 4, 5)] == ["line 5", "line 6", "line 7"]
    assert second.auto_filter.ref == "A2:G5"
    # The totals, on the last sheet, add up both sheets.
    assert second["A6"].value == "Total EUR (7 lines)"
    assert second["C6"].value == (
        '=SUMIFS(REMITTANCES!$C$3:$C$6,REMITTANCES!$E$3:$E$6,"EUR")'
        "+SUMIFS('REMITTANCES (2)'!$C$3:$C$5,'REMITTANCES (2)'!$E$3:$E$5,\"EUR\")"
    )
    assert values.worksheets[1]["C6"].value == 28  # 1 + 2 + … + 7 euros
    assert values.worksheets[1]["B6"].value == 7


def test_totals_that_do_not_fit_start_a_sheet_of_their_own(tmp_path: Path) -> None:
    path = tmp_path / "full.xlsx"
    rows = [("a", 1, 100, None, "EUR", None, None), ("b", 1, 100, None, "USD", None, None)]
    write_xlsx(document(rows), path, max_rows=5)  # title, header, 3 lines: room for 1 total
    book = read(path)
    assert book.sheetnames == ["REMITTANCES", "REMITTANCES (2)"]
    assert book.worksheets[0].max_row == 4
    totals = book.worksheets[1]
    assert [totals["A3"].value, totals["A4"].value] == ["Total EUR (1 line)", "Total USD (1 line)"]
    assert totals["C3"].value.startswith("=SUMIFS(REMITTANCES!$C$3:$C$4,")
    assert "REMITTANCES (2)" not in totals["C3"].value  # that sheet has no lines


def test_an_amount_without_a_currency_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no currency"):
        write_xlsx(document([("x", 1, 100, None, None, None, None)]), tmp_path / "j.xlsx")
