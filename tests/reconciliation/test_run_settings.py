"""The engine's settings from the application's: remittance patterns per bank, checked when
the settings are read, and the automatic threshold."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from pointage.cli.main import app
from pointage.reconciliation.engine_settings import engine_settings
from pointage.settings import Settings


def test_patterns_and_threshold_reach_the_engine() -> None:
    settings = Settings(
        remittance_patterns='{"30004": ["TELECOLLECTE N(?P<number>\\\\d{6})"]}',
        reconcile_auto_threshold=85,
    )

    engine = engine_settings(settings)

    assert engine.auto_threshold == 85
    (pattern,) = engine.bank_patterns["30004"]
    assert pattern.search("TELECOLLECTE N000123")["number"] == "000123"
    assert engine.patterns_for("30004")[0] is pattern
    assert engine.patterns_for("10278") == engine.generic_patterns


def test_no_patterns_by_default() -> None:
    engine = engine_settings(Settings())
    assert engine.bank_patterns == {} and engine.auto_threshold == 70


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"30004": ["REM("]}', "remittance patterns[30004][0]: not a regular expression"),
        (
            '{"30004": ["REM (?P<number>1)", "REM (?P<num>1)"]}',
            "remittance patterns[30004][1]: the pattern",
        ),
        ('{"3000": ["(?P<number>1)"]}', "'3000' is not a 5-character bank code"),
        ("[1]", "expected an object of bank code to patterns"),
        ("{", "remittance patterns: not JSON"),
    ],
)
def test_a_bad_pattern_is_refused_naming_the_bank_and_index(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match="remittance_patterns") as refused:
        Settings(remittance_patterns=value)
    assert message in str(refused.value)


def test_the_command_line_stops_on_a_bad_pattern_in_one_line(database_url: str) -> None:
    env = {
        "POINTAGE_DATABASE_URL": database_url,
        "POINTAGE_REMITTANCE_PATTERNS": '{"30004": ["REM("]}',
    }

    result = CliRunner().invoke(app, ["batch", "run", "--date", "2026-03-02"], env=env)

    assert result.exit_code == 1
    assert result.output.startswith(
        "error: invalid setting remittance_patterns: Value error, remittance patterns[30004][0]"
    )
    assert "Traceback" not in result.output


def test_the_threshold_is_at_least_one() -> None:
    with pytest.raises(ValidationError, match="reconcile_auto_threshold"):
        Settings(reconcile_auto_threshold=0)
