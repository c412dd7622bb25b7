"""Rows with an ISO-dated reading: one reading only, and the CSV writer takes the ISO one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pointage.formats.journals.csv_writer import detail_lines, write_csv
from pointage.formats.journals.iso_rows import IsoDatedRows
from pointage.formats.journals.model import Column, ColumnType, JournalKind, Layout
from tests.formats.journals.documents import document

AT = datetime(2026, 3, 2, 9, 15, 4, tzinfo=UTC)
TYPED = ("x", 1, 500, 0, "EUR", date(2026, 3, 2), AT)
ISO = ("x", 1, 500, 0, "EUR", "2026-03-02", "2026-03-02 09:15:04.000000")
DATES = Layout(
    JournalKind.JO,
    "T",
    "LINE",
    (Column("DAY", ColumnType.DATE, "Day"), Column("AT", ColumnType.DATETIME, "At")),
)


def untouched() -> Iterator[tuple[object, ...]]:
    raise AssertionError("this reading must not be taken")
    yield ()  # pragma: no cover - makes this a generator, which runs only when read


def test_iterated_the_rows_are_the_typed_ones() -> None:
    rows = IsoDatedRows(iter([TYPED]), untouched())
    assert iter(rows) is rows
    assert list(rows) == [TYPED]


def test_the_iso_reading_is_the_other_one() -> None:
    rows = IsoDatedRows(untouched(), iter([ISO]))
    assert list(rows.iso_dated()) == [ISO]


def test_only_one_reading_may_be_taken() -> None:
    typed_first = IsoDatedRows(iter([TYPED, TYPED]), iter([ISO, ISO]))
    next(typed_first)
    with pytest.raises(RuntimeError, match="read already"):
        typed_first.iso_dated()

    iso_first = IsoDatedRows(iter([TYPED]), iter([ISO]))
    iso_first.iso_dated()
    with pytest.raises(RuntimeError, match="read already"):
        next(iso_first)
    with pytest.raises(RuntimeError, match="read already"):
        iso_first.iso_dated()


def test_the_csv_writer_reads_the_iso_dated_rows(tmp_path: Path) -> None:
    typed_path, iso_path = tmp_path / "typed.csv", tmp_path / "iso.csv"
    write_csv(document([TYPED, TYPED]), typed_path)
    iso_document = replace(document([]), rows=IsoDatedRows(untouched(), iter([ISO, ISO])))
    assert write_csv(iso_document, iso_path) == 2
    assert iso_path.read_bytes() == typed_path.read_bytes()
    assert "LINE;x;1;500;0;978;20260302;20260302091504" in iso_path.read_text()


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ("2026-03-02 09:15:04.000000", "20260302091504"),  # what SQLite keeps
        ("2026-03-02 09:15:04.999999", "20260302091504"),  # whole seconds, not rounded
        ("2026-03-02 09:15:04", "20260302091504"),
        ("2026-03-02T09:15:04", "20260302091504"),
        ("2026-03-02 23:30:00+00:00", "20260302233000"),
        ("2026-03-03 00:30:00+01:00", "20260302233000"),  # an offset: written in UTC
        ("2026-03-02", "20260302000000"),
    ],
)
def test_instants_as_iso_text_are_written_in_utc(stored: str, written: str) -> None:
    (line,) = detail_lines(DATES, [("2026-03-02", stored)])
    assert line == f"LINE;20260302;{written}"


@pytest.mark.parametrize("day", ["2026-03-02", "20260302"])
def test_days_as_iso_text(day: str) -> None:
    (line,) = detail_lines(DATES, [(day, None)])
    assert line == "LINE;20260302;"


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30 09:15:04.000000",
        "2026-03-02 24:00:00.000000",
        "2026-03-02 09:60:00",
        "2026-03-02 9:15",
        "yesterday",
    ],
)
def test_text_that_is_not_an_iso_instant_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        list(detail_lines(DATES, [(None, value)]))


def test_lines_needing_escapes_are_found_among_thousands(tmp_path: Path) -> None:
    rows: list[tuple[object, ...]] = [
        (f"row {n}", n, n, 0, "EUR", None, None) for n in range(5_000)
    ]
    rows[3] = ("a;b", 3, 3, 0, "EUR", None, None)
    rows[2_100] = ("line\r\nbreak", 2_100, 2_100, 0, "EUR", None, None)
    rows[4_999] = ("end;\n", 4_999, 4_999, 0, "EUR", None, None)
    assert write_csv(document(rows), tmp_path / "j.csv") == 5_000
    lines = (tmp_path / "j.csv").read_text().split("\n")
    assert len(lines) == 2 + 5_000 + 2  # title, header, the lines, FIN, the last LF
    assert lines[2 + 3] == "LINE;a,b;3;3;0;978;;"
    assert lines[2 + 2_100] == "LINE;line  break;2100;2100;0;978;;"
    assert lines[2 + 4_999] == "LINE;end, ;4999;4999;0;978;;"
    assert lines[2 + 4] == "LINE;row 4;4;4;0;978;;"
    assert lines[-2:] == ["FIN;5000", ""]
