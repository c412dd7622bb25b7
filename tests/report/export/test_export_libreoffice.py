"""A real spreadsheet program opens the export: LibreOffice, headless, converts its
Transactions sheet to CSV (skipped where LibreOffice is not installed)."""

from __future__ import annotations

import csv
import shutil
import subprocess

import pytest

from pointage.report.export import ExportFilters, export_reconciliation
from tests.report.export.books import RUN_DAY

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_the_export(data, session_factory, tmp_path):
    path = tmp_path / "reconciliation.xlsx"
    export_reconciliation(session_factory, ExportFilters(), path, today=RUN_DAY)
    assert SOFFICE is not None
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "csv", "--outdir", str(tmp_path / "csv"), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    with (tmp_path / "csv" / "reconciliation.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0][:3] == ["Shop", "Order", "Transaction UUID"]
    assert len(rows) == 10
    assert {row[14] for row in rows[1:]} >= {"reconciled", "anomaly", "to_review", "pending"}
