"""A real spreadsheet program opens a journal: LibreOffice, headless, converts it to CSV.

Skipped when LibreOffice is not installed (`soffice` or `libreoffice` on PATH).
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pointage.formats.journals.xlsx_writer import write_xlsx
from tests.formats.journals.documents import document

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed"),
]


def test_libreoffice_reads_the_cells_and_the_totals(tmp_path: Path) -> None:
    assert SOFFICE is not None
    at = datetime(2026, 3, 2, 22, 30, 15, tzinfo=UTC)
    rows = [
        ("Crème brûlée", 2, 123456, 990, "EUR", date(2026, 3, 2), at),
        ("second", 1, 544, None, "EUR", None, None),
    ]
    source = tmp_path / "journal.xlsx"
    write_xlsx(document(rows), source)

    subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",  # not the user's profile
            "--convert-to",
            # CSV, UTF-8 (76), comma-separated, cells as shown (number formats applied).
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        timeout=180,
        capture_output=True,
    )

    with (tmp_path / "journal.csv").open(encoding="utf-8", newline="") as converted:
        table = list(csv.reader(converted))
    assert table[0][0].startswith("Remittance journal, BOUTIQUE DEMO")
    assert table[1] == ["Label", "Count", "Gross", "Fee", "Currency", "Day", "At (UTC)"]
    assert table[2] == [
        "Crème brûlée",
        "2",
        "1,234.56 EUR",
        "9.90 EUR",
        "EUR",
        "2026-03-02",
        "2026-03-02 22:30:15",
    ]
    assert table[3][:3] == ["second", "1", "5.44 EUR"]
    assert table[4][:3] == ["Total EUR (2 lines)", "3", "1,240.00 EUR"]
