"""Generating a journal into the reports directory: the file named by the pattern, its
SHA-256 and size recorded, the same report never twice, nothing left behind by a failure."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from pointage.core.errors import Conflict, InvalidInput
from pointage.db.session import unit_of_work
from pointage.formats.journals.model import JournalKind
from pointage.report.models import GeneratedReport, ReportFormat
from pointage.report.service import generate as generate_module
from pointage.report.service import on_demand
from pointage.report.service.generate import ReportExists, generate_report
from pointage.report.service.naming import DEFAULT_PATTERN
from tests.factories import make_payment, make_shop

DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)


@pytest.fixture
def shop(session):
    setup = make_shop(session)
    setup.shop.name = "Café des Arts"
    make_payment(session, setup.shop, amount_minor=1_250, order_id="A-1")
    make_payment(session, setup.shop, amount_minor=990, order_id="A-2")
    # Another day: not in the journal of DAY.
    make_payment(
        session, setup.shop, order_id="B-1", created_at=datetime(2026, 3, 5, 9, tzinfo=UTC)
    )
    session.flush()
    return setup.shop


def generate(session, shop, reports_dir, *, kind=JournalKind.JT, start=DAY, end=DAY, **options):
    return generate_report(
        session,
        shop,
        kind,
        start,
        end,
        options.pop("fmt", ReportFormat.CSV),
        encoding=options.pop("encoding", "utf-8"),
        reports_dir=reports_dir,
        actor=options.pop("actor", "test"),
        filename_pattern=options.pop("pattern", DEFAULT_PATTERN),
        now=NOW,
    )


def reports(session) -> int:
    return session.scalar(select(func.count()).select_from(GeneratedReport)) or 0


def test_a_journal_is_written_named_and_recorded(session, shop, tmp_path):
    report = generate(session, shop, tmp_path)
    path = tmp_path / "12345678" / "jt" / "JT_CAFE_DES_ARTS_12345678_260302.csv"
    assert report.filename == path.name
    assert report.storage_path == "12345678/jt/" + path.name
    content = path.read_bytes()
    assert report.sha256 == hashlib.sha256(content).hexdigest()
    assert report.size_bytes == len(content)
    assert report.row_count == 2
    lines = content.decode("utf-8").splitlines()
    assert lines[0].startswith("TITRE;Café des Arts;")
    assert sum(1 for line in lines if line.startswith("TRANSACTION;")) == 2
    assert (report.journal, report.format, report.generated_by) == ("jt", "csv", "test")
    assert report.generated_at == NOW
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_a_period_of_several_days_and_a_custom_pattern(session, shop, tmp_path):
    report = generate(
        session,
        shop,
        tmp_path,
        end=date(2026, 3, 8),
        pattern="{shop_id}-{journal}-{period}.{ext}",
    )
    assert report.filename == "12345678-JT-260302-260308.csv"
    assert report.row_count == 3


def test_an_xlsx_journal_opens_in_a_spreadsheet_reader(session, shop, tmp_path):
    report = generate(session, shop, tmp_path, fmt=ReportFormat.XLSX, encoding="iso-8859-15")
    assert report.filename.endswith("_260302.xlsx")
    assert report.encoding == "utf-8"  # a workbook is UTF-8 inside, whatever was asked
    workbook = openpyxl.load_workbook(tmp_path / report.storage_path, read_only=True)
    sheet = workbook.worksheets[0]
    assert sheet.max_row >= 3  # header and two transactions (and a totals row)
    workbook.close()


def test_a_csv_in_iso_8859_15(session, shop, tmp_path):
    report = generate(session, shop, tmp_path, encoding="ISO-8859-15")
    assert report.encoding == "iso-8859-15"
    content = (tmp_path / report.storage_path).read_bytes()
    assert "Café des Arts".encode("iso-8859-15") in content


def test_an_empty_journal_is_generated_with_no_row(session, shop, tmp_path):
    report = generate(session, shop, tmp_path, start=date(2026, 3, 3), end=date(2026, 3, 3))
    assert report.row_count == 0
    assert (tmp_path / report.storage_path).is_file()


def test_the_same_report_twice_is_a_conflict_naming_the_first(session, shop, tmp_path):
    first = generate(session, shop, tmp_path)
    with pytest.raises(ReportExists) as twice:
        generate(session, shop, tmp_path)
    assert isinstance(twice.value, Conflict)
    assert twice.value.report_id == first.id
    assert f"report {first.id}" in twice.value.message
    # Another format of the same period is another report.
    generate(session, shop, tmp_path, fmt=ReportFormat.XLSX)
    assert reports(session) == 2


def test_a_failure_leaves_no_file_and_no_row(session, shop, tmp_path, monkeypatch):
    def broken_writer(document, path, *, encoding):
        path.write_text("half a journal")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(generate_module, "write_csv", broken_writer)
    with pytest.raises(OSError, match="No space left"), session.begin_nested():
        generate(session, shop, tmp_path)
    assert reports(session) == 0
    assert list((tmp_path / "12345678" / "jt").iterdir()) == []


@pytest.mark.parametrize(
    ("start", "end", "param"),
    [(date(2026, 3, 2), date(2026, 3, 1), "period_end"), (DAY, date(2027, 3, 3), "period_end")],
)
def test_a_period_that_makes_no_sense_is_refused(session, shop, tmp_path, start, end, param):
    with pytest.raises(InvalidInput) as refused:
        generate(session, shop, tmp_path, start=start, end=end)
    assert refused.value.param == param
    assert reports(session) == 0


def test_an_unknown_encoding_is_refused(session, shop, tmp_path):
    with pytest.raises(InvalidInput) as refused:
        generate(session, shop, tmp_path, encoding="cp1252")
    assert refused.value.param == "encoding"


def test_two_generations_at_once_make_one_report_and_one_file(
    session, shop, tmp_path, session_factory
):
    session.commit()  # the shop's attributes stay loaded: they are all a generation reads
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def worker() -> None:
        barrier.wait()
        try:
            with unit_of_work(session_factory) as own:
                outcomes.append(generate(own, shop, tmp_path).sha256)
        except ReportExists as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["ReportExists", "str"]
    with session_factory() as check:
        [row] = check.scalars(select(GeneratedReport)).all()
    file = tmp_path / row.storage_path
    assert hashlib.sha256(file.read_bytes()).hexdigest() == row.sha256
    assert len(list(file.parent.iterdir())) == 1


# -- on demand ----------------------------------------------------------------------------


def test_on_demand_refuses_a_period_not_over(session, shop, tmp_path):
    request = on_demand.Request(journal="jt", day=date(2026, 3, 3))
    with pytest.raises(InvalidInput) as refused:
        on_demand.generate_now(session, shop, request, reports_dir=tmp_path, actor="t", now=NOW)
    assert refused.value.param == "date"
    assert "must be over" in refused.value.message


@pytest.mark.parametrize(
    ("request_", "param"),
    [
        (on_demand.Request(journal="jx", day=DAY), "journal"),
        (on_demand.Request(journal="jt", day=DAY, period_start=DAY), "date"),
        (on_demand.Request(journal="jt", period_start=DAY), "period_end"),
        (on_demand.Request(journal="jt"), "period_start"),
        (on_demand.Request(journal="jt", day=DAY, format="pdf"), "format"),
    ],
)
def test_on_demand_requests_are_checked(session, shop, tmp_path, request_, param):
    with pytest.raises(InvalidInput) as refused:
        on_demand.generate_now(session, shop, request_, reports_dir=tmp_path, actor="t", now=NOW)
    assert refused.value.param == param


def test_on_demand_uses_the_shop_settings_format(session, shop, tmp_path):
    from pointage.report.service.settings import save_settings

    save_settings(session, shop, {"journals": ["jt"], "format": "xlsx"}, "t", secret_key="k" * 32)
    request = on_demand.Request(journal="JT", day=DAY)
    report = on_demand.generate_now(
        session, shop, request, reports_dir=tmp_path, actor="api:12345678", now=NOW
    )
    assert (report.format, report.generated_by) == ("xlsx", "api:12345678")


def test_a_file_written_to_a_folder_is_not_recorded(session, shop, tmp_path):
    folder = tmp_path / "out"
    written = on_demand.write_to_folder(
        session,
        shop,
        JournalKind.JO,
        DAY,
        date(2026, 3, 8),
        ReportFormat.CSV,
        encoding="utf-8",
        folder=folder,
        now=NOW,
    )
    assert written.path == folder / "JO_CAFE_DES_ARTS_12345678_260302-260308.csv"
    assert hashlib.sha256(written.path.read_bytes()).hexdigest() == written.sha256
    assert reports(session) == 0


def test_a_folder_that_cannot_be_written_is_a_one_line_error(session, shop, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(InvalidInput) as refused:
        on_demand.write_to_folder(
            session,
            shop,
            JournalKind.JT,
            DAY,
            DAY,
            ReportFormat.CSV,
            encoding="utf-8",
            folder=Path(blocker),
            now=NOW,
        )
    assert refused.value.param == "out"
