"""The transaction journal's two readings on a real database: on SQLite the CSV writer reads
the dates as SQLite stores them, and writes the file the typed rows give; the workbook still
gets typed dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.orm import Session

from pointage.formats.journals.csv_writer import write_csv
from pointage.formats.journals.iso_rows import IsoDatedRows
from pointage.formats.journals.layouts import JT_LAYOUT
from pointage.formats.journals.model import ColumnType, JournalDocument, JournalKind
from pointage.formats.journals.xlsx_writer import write_xlsx
from tests.report.jt_jo_data import Day, build_day, journal

FIRST, LAST = date(2026, 3, 1), date(2026, 3, 3)


@pytest.fixture
def day(session: Session) -> Day:
    day = build_day(session)
    day.captured.customer_reference = "Dupont; Fils\nà Lyon"  # free text to escape
    session.flush()
    return day


def three_days(session: Session, day: Day) -> JournalDocument:
    return journal(session, JournalKind.JT, day.shop, FIRST, LAST)


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def test_the_csv_is_the_one_the_typed_rows_give(session: Session, day: Day, tmp_path: Path) -> None:
    document = three_days(session, day)
    assert isinstance(document.rows, IsoDatedRows) is is_sqlite(session)
    assert write_csv(document, tmp_path / "jt.csv") == 9

    typed = three_days(session, day)
    write_csv(replace(typed, rows=iter(list(typed.rows))), tmp_path / "typed.csv")

    assert (tmp_path / "jt.csv").read_bytes() == (tmp_path / "typed.csv").read_bytes()
    lines = (tmp_path / "jt.csv").read_text().splitlines()
    (fields,) = [f for f in (line.split(";") for line in lines) if f[2] == day.captured.uuid]
    assert fields[4] == "20260302091500"  # TRANSACTION_DATE, UTC
    assert fields[11] == "Dupont, Fils à Lyon"  # CUSTOMER_ID
    assert fields[15] == "20260302"  # PRESENTATION_DATE
    assert fields[18:21] == ["20260302220000", "1", "20260302"]  # captured, remittance


def test_on_sqlite_the_iso_reading_is_the_typed_rows_with_their_dates_as_text(
    session: Session, day: Day
) -> None:
    if not is_sqlite(session):
        pytest.skip("PostgreSQL's driver gives typed dates: there is one reading")
    typed = list(three_days(session, day).rows)
    rows = three_days(session, day).rows
    assert isinstance(rows, IsoDatedRows)
    stored = list(rows.iso_dated())

    assert len(stored) == len(typed) == 9
    for typed_row, stored_row in zip(typed, stored, strict=True):
        for column, value, text in zip(JT_LAYOUT.columns, typed_row, stored_row, strict=True):
            if text is None or column.type not in (ColumnType.DATE, ColumnType.DATETIME):
                assert text == value, column.name
                continue
            assert isinstance(text, str), column.name
            if column.type is ColumnType.DATE:
                assert date.fromisoformat(text) == value, column.name
            else:
                assert datetime.fromisoformat(text).replace(tzinfo=UTC) == value, column.name


def wall_time(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """What a cell holds: Excel has no time zones."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC).replace(tzinfo=None)


def test_the_workbook_gets_typed_dates(session: Session, day: Day, tmp_path: Path) -> None:
    assert write_xlsx(three_days(session, day), tmp_path / "jt.xlsx") == 9
    sheet = openpyxl.load_workbook(tmp_path / "jt.xlsx").active
    assert sheet is not None
    uuids = [sheet.cell(row, 2).value for row in range(3, 12)]
    row = 3 + uuids.index(day.captured.uuid)
    assert sheet.cell(row, 4).value == wall_time(2, 9, 15)  # TRANSACTION_DATE, UTC
    assert sheet.cell(row, 15).value == wall_time(2)  # PRESENTATION_DATE
    assert sheet.cell(row, 18).value == wall_time(2, 22)  # CAPTURE_DATE
