"""The demo's reconciliation against its bank's ground truth, end to end: a short demo built
and reconciled by its own run, measured as `pointage demo --verify` measures it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from pointage.cli.main import app
from pointage.demo import repository
from pointage.demo.runner import DemoOptions, build_demo
from pointage.demo.verify import load_truth, verify
from pointage.demo.verify_queries import demo_facts, demo_merchant_id
from tests.factories import make_shop

SECRET = "test-secret-key-0123456789abcdef0123456789"
# Yesterday is Friday 10 April 2026: March's commissions are debited inside the demo.
NOW = datetime(2026, 4, 11, 9, 0, tzinfo=UTC)
# Long enough for each injected anomaly, a chargeback and a commission debit; a few
# payments a day so that it builds in seconds.
SHORT = DemoOptions(days=30, seed=7, per_day=12)


@pytest.fixture
def verified(session, tmp_path):
    # The demo reconciles once its bank's files are imported: measured as built.
    summary = build_demo(session, replace(SHORT, bank_dir=tmp_path), secret_key=SECRET, now=NOW)
    assert summary.reconciliation is not None and summary.reconciliation.matched > 0
    merchant_id = demo_merchant_id(session)
    assert merchant_id is not None
    truth = load_truth(tmp_path / "ground-truth.json")
    return truth, verify(truth, demo_facts(session, merchant_id))


def test_a_reconciled_demo_meets_every_requirement(verified):
    truth, result = verified
    assert result.passed, result.failures
    assert result.wrong == ()
    assert result.automatic > 0
    assert result.credits.ratio is not None and result.credits.ratio >= 0.99
    assert {a.kind for a in result.anomalies} == {"missing", "short", "late", "duplicate"}
    assert all(a.flagged for a in result.anomalies)
    kinds = [line["kind"] for line in truth["lines"]]
    assert result.credits.total == sum(
        kind in ("remittance_credit", "grouped_remittance_credit", "remittance_credit_fx")
        for kind in kinds
    )
    assert result.chargebacks.total == kinds.count("chargeback") > 0
    assert result.commissions.total == kinds.count("commission_debit") > 0


def test_every_chargeback_and_commission_of_the_demo_is_found(verified):
    _truth, result = verified
    assert result.chargebacks.matched == result.chargebacks.total
    assert result.commissions.matched == result.commissions.total


class FixedClock(datetime):
    """The command's clock stopped at NOW: the same demo whatever the day the suite runs."""

    @classmethod
    def now(cls, tz=None):
        return NOW if tz is None else NOW.astimezone(tz)


@pytest.fixture
def invoke(database_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("pointage.cli.demo.datetime", FixedClock)
    runner = CliRunner()
    env = {"POINTAGE_DATABASE_URL": database_url, "POINTAGE_SECRET_KEY": SECRET}

    def _invoke(*args: str):
        return runner.invoke(app, list(args), env=env)

    return _invoke


def test_command_builds_an_empty_database_then_verifies_and_later_only_verifies(
    invoke, session, tmp_path
):
    options = ("--days", "30", "--per-day", "10", "--seed", "7", "--bank-dir", "bank")
    first = invoke("demo", "--verify", *options)
    assert first.exit_code == 0, first.output
    assert "imported:" in first.output  # the demo was built
    assert "(seed 7, 2026-03-12 to 2026-04-10, " in first.output
    assert "precision 100.00 %" in first.output
    assert "requirements met" in first.output
    counts = repository.counts(session)
    session.rollback()

    again = invoke("demo", "--verify", "--bank-dir", "bank")
    assert again.exit_code == 0, again.output
    assert "imported:" not in again.output  # measured as it is, nothing built
    report = first.output[first.output.index("verification against") :]
    assert again.output == report
    assert repository.counts(session) == counts


def test_command_exits_1_naming_the_figure_when_a_requirement_fails(invoke, tmp_path):
    built = invoke("demo", "--verify", "--days", "30", "--per-day", "10", "--seed", "7")
    assert built.exit_code == 0, built.output
    path = tmp_path / "demo-bank" / "ground-truth.json"
    truth = json.loads(path.read_text())
    # Say that a single credit pays another remittance than the one the engine matched.
    credit = next(line for line in truth["lines"] if line["kind"] == "remittance_credit")
    credit["remittances"][0]["remittance_number"] += 1_000
    path.write_text(json.dumps(truth))
    result = invoke("demo", "--verify")
    assert result.exit_code == 1
    assert "requirement NOT met: precision of automatic matches" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("content", [None, "{broken"])
def test_command_without_a_readable_ground_truth_says_so_in_one_line(
    invoke, session, tmp_path, content
):
    build_demo(session, replace(SHORT, days=3), secret_key=SECRET, now=NOW)
    session.commit()
    (tmp_path / "bank").mkdir()
    if content is not None:
        (tmp_path / "bank" / "ground-truth.json").write_text(content)
    result = invoke("demo", "--verify", "--bank-dir", "bank")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("error: ")
    assert "ground truth" in result.output


def test_command_refuses_to_verify_a_database_without_the_demo(invoke, session, tmp_path):
    make_shop(session)  # another merchant's shop: --if-empty builds nothing
    session.commit()
    (tmp_path / "demo-bank").mkdir()
    (tmp_path / "demo-bank" / "ground-truth.json").write_text(
        json.dumps({"version": 1, "lines": [], "anomalies": []})
    )
    result = invoke("demo", "--verify", "--if-empty")
    assert result.exit_code == 1
    assert "nothing to do" in result.output
    assert "error: this database has no demo to verify" in result.output
