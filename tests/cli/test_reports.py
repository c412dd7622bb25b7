"""`pointage reports …` as an operator runs it: a journal written into a folder, the due
reports for cron, the list of a shop's reports, a re-send, the settings; one-line errors
and a non-zero exit status."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pointage.cli.main import app
from pointage.report.models import GeneratedReport, ReportSetting
from pointage.report.service import generate as generate_module
from tests.report.reports_data import DAY, count, reports, run_batch, shop_with_reports


@pytest.fixture
def outbox(tmp_path) -> Path:
    folder = tmp_path / "outbox"
    folder.mkdir()
    return folder


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "POINTAGE_DATABASE_URL": database_url,
        "POINTAGE_SCHEDULER_ENABLED": "false",
        "POINTAGE_REPORTS_DIR": str(tmp_path / "reports"),
    }


@pytest.fixture
def shop(session, outbox):
    setup = shop_with_reports(session, outbox, journals=["jt"])
    session.commit()
    return setup.shop


def invoke(env: dict[str, str], *args: object):
    return CliRunner().invoke(app, ["reports", *map(str, args)], env=env)


def test_generate_writes_the_file_and_says_where(env, shop, tmp_path, session_factory):
    out = tmp_path / "journals"
    result = invoke(
        env, "generate", "--type", "jt", "--shop", shop.shop_id, "--date", "2026-03-02",
        "--to", "2026-03-08", "--format", "csv", "--encoding", "iso-8859-15", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    path_line, rows_line, sha_line = result.output.splitlines()
    path = Path(path_line)
    assert path == out / "JT_SHOP_12345678_12345678_260302-260308.csv"
    assert rows_line == "rows: 2"
    assert sha_line == f"sha256: {hashlib.sha256(path.read_bytes()).hexdigest()}"
    # A file for a person: not among the shop's reports, not delivered.
    assert count(session_factory, GeneratedReport) == 0


def test_generate_an_xlsx_journal(env, shop, tmp_path):
    result = invoke(
        env, "generate", "--type", "JO", "--shop", shop.shop_id, "--date", "2026-03-02",
        "--format", "xlsx", "--out", tmp_path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith("JO_SHOP_12345678_12345678_260302.xlsx")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "jz"], "error: unknown journal type 'jz' (--type)"),
        (["--format", "pdf"], "error: must be one of csv, xlsx (--format)"),
        (["--date", "2026-02-30"], "error: '2026-02-30' is not a calendar date"),
        (["--to", "2026-03-01"], "error: the period ends before it starts (--to)"),
        (["--shop", "99999999"], "error: shop 99999999 not found (--shop)"),
        (
            ["--encoding", "cp1252"],
            "error: encoding must be one of utf-8, iso-8859-15 (--encoding)",
        ),
    ],
)
def test_generate_refuses_bad_input_in_one_line(env, shop, tmp_path, args, message):
    options = {
        "--type": "jt",
        "--shop": shop.shop_id,
        "--date": "2026-03-02",
        "--format": "csv",
        "--out": str(tmp_path),
    }
    given = dict(zip(args[::2], args[1::2], strict=True))
    result = invoke(
        env, "generate", *[part for item in {**options, **given}.items() for part in item]
    )
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert len(result.output.splitlines()) == 1
    assert "Traceback" not in result.output


def test_run_due_generates_and_delivers_then_has_nothing_left(env, shop, outbox, session_factory):
    run_batch(session_factory, DAY)
    result = invoke(env, "run-due", "--date", DAY.isoformat())
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("shop 12345678 jt 2026-03-02: generated (report ")
    assert "2 row(s), 1 delivery(ies) scheduled" in lines[0]
    assert "reports: 1 generated, 0 taken from on-demand ones, 0 failed, 0 waiting" in lines
    assert "deliveries: 1 delivered, 0 to retry, 0 failed" in lines
    assert len(list(outbox.iterdir())) == 1

    again = invoke(env, "run-due", "--date", "2026-03-02")
    assert again.exit_code == 0
    assert "reports: 0 generated, 0 taken from on-demand ones, 0 failed, 0 waiting" in again.output


def test_run_due_says_what_waits_for_its_batch(env, shop):
    result = invoke(env, "run-due", "--date", "2026-03-02")
    assert result.exit_code == 0, result.output
    assert (
        "shop 12345678 jt 2026-03-02: waiting for the capture batch of 2026-03-02 "
        "(contract C12345678)" in result.output
    )


def test_run_due_exits_non_zero_when_a_report_fails(env, shop, session_factory, monkeypatch):
    run_batch(session_factory, DAY)

    def broken(kind):
        raise RuntimeError("the journal query broke")

    monkeypatch.setattr(generate_module, "producer", broken)
    result = invoke(env, "run-due", "--date", "2026-03-02")
    assert result.exit_code == 1
    assert "jt 2026-03-02: failed: RuntimeError: the journal query broke" in result.output
    assert result.output.splitlines()[-1] == "error: 1 report(s) failed"


def test_list_and_resend(env, shop, outbox, session_factory):
    run_batch(session_factory, DAY)
    invoke(env, "run-due", "--date", "2026-03-02")
    [report] = reports(session_factory)

    listed = invoke(env, "list", "--shop", shop.shop_id)
    assert listed.exit_code == 0, listed.output
    first, last = listed.output.splitlines()
    assert first.split("\t") == [
        str(report.id), "jt", "2026-03-02..2026-03-02", "csv", "2 row(s)", report.filename,
        "local#0 delivered",
    ]  # fmt: skip
    assert last == "1 of 1 report(s)"

    for file in outbox.iterdir():
        file.unlink()
    resent = invoke(env, "resend", report.id, "--channel", "local")
    assert resent.exit_code == 0, resent.output
    assert resent.output == f"local {outbox}: delivered\n"
    assert [p.name for p in outbox.iterdir()] == [report.filename]
    assert "local#1 delivered" in invoke(env, "list", "--shop", shop.shop_id).output

    missing = invoke(env, "resend", "999999")
    assert missing.exit_code == 1
    assert missing.output == "error: report 999999 not found (report_id)\n"


def test_a_resend_that_fails_exits_non_zero(env, shop, outbox, session_factory):
    run_batch(session_factory, DAY)
    invoke(env, "run-due", "--date", "2026-03-02")
    [report] = reports(session_factory)
    for file in outbox.iterdir():
        file.unlink()
    outbox.rmdir()  # the share is not mounted any more
    result = invoke(env, "resend", report.id)
    assert result.exit_code == 1
    assert "local" in result.output and "does not exist" in result.output


def test_settings_are_printed_and_changed_from_a_json_file(env, shop, tmp_path, session_factory):
    shown = invoke(env, "settings", "--shop", shop.shop_id)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["journals"] == ["jt"]

    file = tmp_path / "settings.json"
    file.write_text(json.dumps({"journals": ["jt", "jrb"], "local_directory": "/srv/out"}))
    changed = invoke(env, "settings", "--shop", shop.shop_id, "--file", file)
    assert changed.exit_code == 0, changed.output
    body = json.loads(changed.output)
    assert (body["journals"], body["local_directory"]) == (["jt", "jrb"], "/srv/out")
    assert "sftp_password" not in body

    file.write_text(json.dumps({"email_recipients": ["nobody"]}))
    refused = invoke(env, "settings", "--shop", shop.shop_id, "--file", file)
    assert refused.exit_code == 1
    assert refused.output.startswith("error: recipient 1 is not a valid e-mail address")
    assert refused.output.rstrip().endswith("(email_recipients)")
    with session_factory() as check:
        setting = check.scalar(select(ReportSetting))
    assert setting is not None and setting.email_recipients == []

    file.write_text("[1, 2")
    broken = invoke(env, "settings", "--shop", shop.shop_id, "--file", file)
    assert broken.exit_code == 1
    assert "is not JSON" in broken.output and "(--file)" in broken.output
