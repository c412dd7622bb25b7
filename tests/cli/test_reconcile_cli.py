"""`pointage reconcile …` as a user runs it: a real run on imported bank files, the
explanation in a terminal, the actions by hand, exit codes and one-line errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pointage.cli.main import app
from pointage.cli.reconcile import cli_actor
from pointage.payment.models import Transaction
from pointage.reconciliation.models import Match, ReconciliationRun, Suggestion
from tests.reconciliation.manual_data import (
    NET,
    Books,
    books,
    run_row,
    suggestion_row,
)

# The day the runs reconcile as of: the credit of 4 March is in, nothing overdue yet.
AS_OF = "2026-03-05"


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"POINTAGE_DATABASE_URL": database_url, "POINTAGE_SCHEDULER_ENABLED": "false"}


@pytest.fixture
def data(session: Session) -> Books:
    made = books(session)
    session.commit()
    return made


def invoke(env: dict[str, str], *args: object):
    return CliRunner().invoke(app, ["reconcile", *map(str, args)], env=env)


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def _statuses(engine: Engine, uuids: list[str]) -> list[str]:
    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                select(Transaction.uuid, Transaction.reconciliation_status).where(
                    Transaction.uuid.in_(uuids)
                )
            ).all()
        )
    return [rows[uuid] for uuid in uuids]


def test_without_a_sub_command_it_runs_reconciliation_and_says_what_it_did(env, data, engine):
    uuids = [p.uuid for p in data.payments]
    result = invoke(env, "--date", AS_OF)

    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    run_id = _latest_run(engine)
    assert line == (
        f"merchant {data.merchant_id}: run {run_id} as of {AS_OF}: 1 matched, 0 suggested, "
        "1 open entries, 0 open remittances, 0 to review"
    )
    assert _statuses(engine, uuids) == ["reconciled", "reconciled"]

    # The chain, down to the bank's line, for the run's own match.
    explained = invoke(env, "explain", uuids[0])
    assert explained.exit_code == 0, explained.output
    bank_line = data.bank.content.decode("latin-1").splitlines()[data.credit.record - 1]
    assert f"      | {bank_line}" in explained.output.splitlines()
    assert "  reconciliation: reconciled; dispute: no" in explained.output
    assert f"releve.txt (cfonb120) record {data.credit.record}" in explained.output
    assert "expected 148.70 EUR" in explained.output

    # Undone by hand: the credit is missing again, and long overdue as of today; the match
    # stays in the history.
    (match_id,) = _match_ids(engine)
    undone = invoke(env, "unmatch", match_id, "--comment", "checking with the acquirer")
    assert undone.exit_code == 0, undone.output
    assert undone.output == f"match {match_id} undone\n"
    assert _statuses(engine, uuids) == ["to_review", "to_review"]
    history = invoke(env, "explain", uuids[0]).output
    assert "undone\n" in history and "checking with the acquirer" in history


def _latest_run(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.max(ReconciliationRun.id))) or 0)


def _match_ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.scalars(select(Match.id).order_by(Match.id)))


def test_a_dry_run_saves_nothing_and_says_so(env, data, engine):
    result = invoke(env, "--dry-run", "--date", AS_OF)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"merchant {data.merchant_id}: dry run as of {AS_OF}: 1 matched")
    assert lines[-1] == "dry run: nothing was saved"
    assert _count(engine, Match) == 0
    assert _statuses(engine, [data.payments[0].uuid]) == ["pending"]


def test_one_merchant_only_and_an_unknown_one(env, data):
    assert invoke(env, "--merchant", data.merchant_id, "--date", AS_OF).exit_code == 0
    unknown = invoke(env, "--merchant", 999)
    assert unknown.exit_code == 1
    assert unknown.output.strip() == "error: merchant 999 not found (merchant)"


def test_a_bad_date_is_one_line(env, data):
    result = invoke(env, "--date", "2026-02-30")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: '2026-02-30' is not a calendar date written YYYY-MM-DD (--date)"
    )


def test_help_lists_the_sub_commands(env):
    result = invoke(env, "--help")
    assert result.exit_code == 0
    for command in ("explain", "suggestions", "confirm", "reject", "match", "unmatch", "mark"):
        assert command in result.output


def test_explain_json_is_the_apis_explanation(env, data):
    result = invoke(env, "explain", data.payments[1].uuid, "--json")

    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["transaction"]["uuid"] == data.payments[1].uuid
    assert body["remittance"]["net_minor"] == NET
    assert body["credit_match"] is None
    assert body["open_reason"]["reason"] == "not_run"


def test_explain_an_unknown_transaction(env, data):
    result = invoke(env, "explain", "f" * 32)
    assert result.exit_code == 1
    assert result.output.strip() == f"error: transaction {'f' * 32} not found (transaction)"


@pytest.fixture
def proposed(session: Session, data: Books) -> tuple[int, int]:
    run = run_row(session, data.merchant_id)
    first = suggestion_row(session, run, entries=[data.credit], remittances=[data.remittance])
    rival = suggestion_row(session, run, entries=[data.other], remittances=[data.remittance])
    session.commit()
    return first.id, rival.id


def test_suggestions_are_listed_then_confirmed(env, data, proposed, engine):
    first, rival = proposed

    listed = invoke(env, "suggestions")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0] == f"merchant {data.merchant_id}: 2 suggestion(s)"
    assert any(line.startswith(f"  suggestion {first} (rule remittance_credit") for line in lines)
    as_json = json.loads(invoke(env, "suggestions", "--json").output)
    assert [s["id"] for s in as_json[0]["suggestions"]] == [first, rival]

    confirmed = invoke(env, "confirm", first, "--comment", "checked")
    assert confirmed.exit_code == 0, confirmed.output
    assert confirmed.output.startswith(f"suggestion {first} confirmed: match ")
    assert f"confirmed by {cli_actor()}" in confirmed.output
    assert _statuses(engine, [p.uuid for p in data.payments]) == ["reconciled_manual"] * 2
    assert invoke(env, "suggestions").output == "no open suggestion\n"
    superseded = invoke(env, "suggestions", "--status", "superseded").output
    assert f"suggestion {rival} " in superseded

    again = invoke(env, "confirm", rival)
    assert again.exit_code == 1
    assert again.output.strip() == (
        f"error: suggestion {rival} is already superseded (suggestion_id)"
    )


def test_reject_needs_a_comment(env, proposed, engine):
    first, _ = proposed
    missing = invoke(env, "reject", first)
    assert missing.exit_code == 2  # the option itself is missing: usage error
    blank = invoke(env, "reject", first, "--comment", " ")
    assert blank.exit_code == 1
    assert blank.output.strip() == "error: a comment is required: say why (comment)"

    rejected = invoke(env, "reject", first, "--comment", "not ours")
    assert rejected.exit_code == 0 and rejected.output == f"suggestion {first} rejected\n"
    with engine.connect() as conn:
        row = conn.execute(
            select(Suggestion.status, Suggestion.decided_by).where(Suggestion.id == first)
        ).one()
    assert tuple(row) == ("rejected", cli_actor())


def test_match_by_hand_then_a_double_claim_is_refused(env, data, engine):
    matched = invoke(
        env,
        "match",
        "--entry",
        data.other.id,
        "--remittance",
        data.remittance.id,
        "--comment",
        "acquirer kept the difference",
    )
    assert matched.exit_code == 0, matched.output
    assert "(manual, manual by cli" in matched.output
    assert "difference -58.70 EUR" in matched.output

    double = invoke(
        env,
        "match",
        "--entry",
        data.credit.id,
        "--remittance",
        data.remittance.id,
        "--comment",
        "x",
    )
    assert double.exit_code == 1
    (match_id,) = _match_ids(engine)
    assert double.output.startswith(
        f"error: remittance {data.remittance.id} is already claimed (credit) by match {match_id}"
    )


def test_match_to_transactions_and_mark_without_entry(env, data, engine):
    first, second = (p.uuid for p in data.payments)
    matched = invoke(
        env, "match", "--entry", data.other.id, "--transaction", first, "--comment", "apart"
    )
    assert matched.exit_code == 0, matched.output
    marked = invoke(env, "mark", second, "--comment", "paid by cheque")
    assert marked.exit_code == 0, marked.output
    assert marked.output.startswith(f"transaction {second} marked reconciled: match ")
    assert _statuses(engine, [first, second]) == ["reconciled_manual", "reconciled_manual"]

    both = invoke(
        env,
        "match",
        "--entry",
        data.credit.id,
        "--remittance",
        data.remittance.id,
        "--transaction",
        first,
        "--comment",
        "x",
    )
    assert both.exit_code == 1 and "not both" in both.output


def test_unknown_objects_are_one_line_errors(env, data):
    for args, message in (
        (("unmatch", 404, "--comment", "x"), "error: match 404 not found (match)"),
        (("confirm", 404), "error: suggestion 404 not found (suggestion)"),
        (("match", "--entry", 404, "--remittance", 1, "--comment", "x"), "error: entry 404"),
        (("mark", "0" * 32, "--comment", "x"), "error: transaction"),
    ):
        result = invoke(env, *args)
        assert result.exit_code == 1, args
        assert result.output.startswith(message), result.output
        assert "Traceback" not in result.output
