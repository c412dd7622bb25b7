"""`pointage export reconciliation` as an operator runs it: every shop unless some are
named, the filters as options, the rows written and the path printed, one-line errors."""

from __future__ import annotations

import openpyxl
import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pointage.cli.main import app
from tests.report.export.books import RUN_DAY, SHOP_A, SHOP_B, Books, books
from tests.report.export.reading import lines


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"POINTAGE_DATABASE_URL": database_url, "POINTAGE_SCHEDULER_ENABLED": "false"}


@pytest.fixture
def data(session: Session, monkeypatch) -> Books:
    monkeypatch.setattr("pointage.cli.export.business_today", lambda: RUN_DAY)
    return books(session)


def invoke(env, *args):
    return CliRunner().invoke(app, ["export", "reconciliation", *map(str, args)], env=env)


def test_every_shop_by_default(env, data, tmp_path):
    out = tmp_path / "state.xlsx"
    result = invoke(env, "--out", out)
    assert result.exit_code == 0, result.output
    assert result.output == f"9 transactions written to {out}\n"
    assert {line["Shop"] for line in lines(out)} == {SHOP_A, SHOP_B}
    assert openpyxl.load_workbook(out).sheetnames == ["Transactions", "Summary"]


def test_filters_are_options(env, data, tmp_path):
    out = tmp_path / "state.xlsx"
    result = invoke(
        env, "--out", out, "--shop", SHOP_A, "--from", "2026-03-02", "--to", "2026-03-05",
        "--reconciliation-status", "to_review", "--reconciliation-status", "pending",
        "--status", "paid", "--dispute", "no", "--amount-min", 1_000, "--amount-max", 5_000,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(line["Order"] for line in lines(out)) == [
        "ORDER-C-2026-03-04-0",
        "ORDER-D-2026-03-05-0",
        "ORDER-USD-1",
    ]
    result = invoke(env, "--out", out, "--order-id", "REFUSED-1")
    assert result.output.startswith("1 transaction written")
    result = invoke(env, "--out", out, "--remittance-number", data.short.number, "--shop", SHOP_A)
    assert [line["Order"] for line in lines(out)] == ["ORDER-B-2026-03-03-0"]


def test_an_export_of_nothing_is_still_a_workbook(env, data, tmp_path):
    out = tmp_path / "state.xlsx"
    result = invoke(env, "--out", out, "--shop", SHOP_B, "--dispute", "yes")
    assert result.exit_code == 0
    assert result.output == f"0 transactions written to {out}\n"
    assert openpyxl.load_workbook(out)["Transactions"].max_row == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shop", "99999999"], "error: shop 99999999 not found (shop)"),
        (
            ["--from", "2026-02-30"],
            "error: '2026-02-30' is not a calendar date written YYYY-MM-DD (from)",
        ),
        (
            ["--reconciliation-status", "done"],
            "error: unknown reconciliation status 'done'; one of not_applicable, pending,"
            " to_review, reconciled, reconciled_manual, anomaly (reconciliation_status)",
        ),
        (["--from", "2026-03-05", "--to", "2026-03-01"], "error: `from` is after `to` (from)"),
    ],
)
def test_user_errors_are_one_line(env, data, tmp_path, args, message):
    out = tmp_path / "state.xlsx"
    result = invoke(env, "--out", out, *args)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [message]
    assert not out.exists()


def test_the_workbook_needs_a_folder_and_an_xlsx_name(env, data, tmp_path):
    result = invoke(env, "--out", tmp_path / "missing" / "state.xlsx")
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {tmp_path / 'missing'}: no such directory"
    result = invoke(env, "--out", tmp_path / "state.csv")
    assert result.exit_code == 1
    assert "must end in .xlsx" in result.output
