"""A statement import that adds entries is followed by a reconciliation run of the merchant:
through the API (its answer says what the run did) and the command line. The import is
committed first: a run that fails leaves it in place and is recorded as failed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pointage.auth.service.keys import issue_production_key
from pointage.cli.main import app
from pointage.formats.statements import cfonb120
from pointage.reconciliation.models import Match, ReconciliationRun
from pointage.reconciliation.service import apply
from pointage.statement.models import StatementEntry
from tests.reconciliation.run_builders import (
    MONDAY,
    count,
    credit_line,
    remittance_of,
    shop_with_contract,
    statement_of,
    statuses,
)

SHOP = "12345678"


@pytest.fixture
def credit_file(session, settings):
    """A shop with a remittance, its key, and the bank file that credits the remittance."""
    setup = shop_with_contract(session, shop_id=SHOP)
    remittance = remittance_of(session, setup, MONDAY, [10_000, 2_500])
    key = issue_production_key(session, setup.shop, settings.secret_key)
    data = cfonb120.write([statement_of([credit_line(remittance, setup.contract.number)])])
    session.commit()
    return key, remittance, data


def upload(client, key: str, data: bytes):
    return client.post(
        "/v1/statements", files={"file": ("releve.txt", data, "text/plain")}, auth=(SHOP, key)
    )


def test_an_upload_is_reconciled_and_the_answer_says_how(client, session, credit_file) -> None:
    key, remittance, data = credit_file

    response = upload(client, key, data)

    assert response.status_code == 201, response.text
    body = response.json()
    run = session.scalars(select(ReconciliationRun)).one()
    assert body["reconciliation"] == {
        "run_id": run.id,
        "status": "completed",
        "matched": 1,
        "suggested": 0,
        "open_entries": 0,
        "open_remittances": 0,
        "error": None,
    }
    assert (run.trigger, run.actor) == ("import", f"api:{SHOP}")
    assert statuses(session, remittance) == ["reconciled"]
    session.rollback()  # SQLite: the reads above hold the write lock until then

    again = upload(client, key, data)
    assert again.status_code == 200 and again.json()["reconciliation"] is None
    assert count(session, ReconciliationRun) == 1


def test_no_run_when_runs_after_imports_are_off(settings, session, credit_file) -> None:
    from fastapi.testclient import TestClient

    from pointage.web.app import create_app

    key, remittance, data = credit_file
    quiet = settings.model_copy(update={"reconcile_after_import": False})
    with TestClient(create_app(quiet)) as client:
        response = upload(client, key, data)

    assert response.status_code == 201 and response.json()["reconciliation"] is None
    assert count(session, ReconciliationRun) == 0
    assert statuses(session, remittance) == ["pending"]


def test_a_failing_run_keeps_the_import_and_is_recorded(
    client, session, credit_file, monkeypatch
) -> None:
    key, remittance, data = credit_file

    def broken(*_args):
        raise RuntimeError("engine broke")

    monkeypatch.setattr(apply, "default_engine", broken)
    response = upload(client, key, data)

    assert response.status_code == 201, response.text
    summary = response.json()["reconciliation"]
    assert summary["status"] == "failed" and "RuntimeError" in summary["error"]
    assert count(session, StatementEntry) == 1 and count(session, Match) == 0
    run = session.get(ReconciliationRun, summary["run_id"])
    assert (run.status, run.trigger) == ("failed", "import")
    assert statuses(session, remittance) == ["pending"]


def test_the_command_reconciles_after_an_import_unless_told_not_to(
    database_url, session, credit_file, tmp_path: Path
) -> None:
    _, remittance, data = credit_file
    path = tmp_path / "releve.txt"
    path.write_bytes(data)
    env = {"POINTAGE_DATABASE_URL": database_url, "POINTAGE_SCHEDULER_ENABLED": "false"}
    session.close()

    command = ["statements", "import", str(path)]
    skipped = CliRunner().invoke(app, [*command, "--no-reconcile"], env=env)
    assert skipped.exit_code == 0, skipped.output
    assert "reconciliation" not in skipped.output
    assert count(session, ReconciliationRun) == 0
    assert statuses(session, remittance) == ["pending"]
    session.rollback()

    path.write_bytes(data + b"\r\n")  # other bytes, same movements: nothing new
    nothing_new = CliRunner().invoke(app, command, env=env)
    assert nothing_new.exit_code == 0, nothing_new.output
    assert count(session, ReconciliationRun) == 0
    session.rollback()


def test_the_command_prints_the_run_that_followed(
    database_url, session, credit_file, tmp_path: Path
) -> None:
    _, remittance, data = credit_file
    path = tmp_path / "releve.txt"
    path.write_bytes(data)
    env = {"POINTAGE_DATABASE_URL": database_url, "POINTAGE_SCHEDULER_ENABLED": "false"}
    session.close()

    result = CliRunner().invoke(app, ["statements", "import", str(path), "--actor", "ops"], env=env)

    assert result.exit_code == 0, result.output
    run = session.scalars(select(ReconciliationRun)).one()
    assert result.output.splitlines()[-1] == (
        f"reconciliation run #{run.id} as of {run.business_date.isoformat()}: 1 matched, "
        "0 suggested, 0 bank entries and 0 remittances open, 0 remittances to review"
    )
    assert (run.trigger, run.actor) == ("import", "ops")
    assert statuses(session, remittance) == ["reconciled"]
