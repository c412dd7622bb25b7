"""The benchmark scripts still run (on tiny inputs), so that their figures can be reproduced.

Only that they run and compare against their baseline is checked here, never their timing:
timing belongs to docs/benchmarks.md, not to the suite's pass or fail.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("script", "args"),
    [
        ("capture_batch.py", ["--count", "300"]),
        ("journal_import.py", ["--rows", "300"]),
        ("statements.py", ["--movements", "300", "--compare", "60", "--camt-compare", "20"]),
        ("reconcile.py", ["--transactions", "3000", "--remittances", "240", "--entries", "300"]),
        ("reports.py", ["--transactions", "3000", "--remittances", "240", "--entries", "300"]),
        ("api.py", ["--transactions", "2000", "--seconds", "1", "--sample", "500"]),
        (
            "backoffice.py",
            ["--database", "sqlite", "--transactions", "2000", "--runs", "2", "--warmup", "1"],
        ),
    ],
)
def test_benchmark_runs_on_a_tiny_input(script, args):
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=600,  # a bound against a hung script on a busy machine, not a speed check
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ratio" in result.stdout
