"""`pointage demo` against a database: determinism, invariants, the command, idempotence."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pointage.auth.service.keys import authenticate_basic
from pointage.auth.service.users import authenticate_user
from pointage.cli.main import app
from pointage.core.errors import Conflict, InvalidInput
from pointage.core.statuses import DetailedStatus, Mode, OperationType, SettlementMode
from pointage.demo import repository
from pointage.demo.runner import DemoOptions, build_demo
from pointage.payment.models import Operation, Transaction
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract
from pointage.statement.models import StatementEntry, StatementFile

SECRET = "test-secret-key-0123456789abcdef0123456789"
NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)  # yesterday is 2026-03-31 in Paris
SMALL = DemoOptions(days=3, seed=7, per_day=20)
MODEST = DemoOptions(days=14, seed=7, per_day=40)
# Long enough for chargebacks weeks after their payment and for a late credit.
BANKED = DemoOptions(days=30, seed=7, per_day=12)
# Columns that depend on the clock or on generated keys (PostgreSQL sequences do not roll
# back), not on the simulation.
UNSTABLE = {"id", "shop_id", "updated_at", "remittance_id", "parent_id", "contract_id"}


def transaction_rows(session):
    columns = [c for c in Transaction.__table__.columns if c.name not in UNSTABLE]
    return session.execute(select(*columns).order_by(Transaction.uuid)).all()


def operation_rows(session):
    return session.execute(
        select(Transaction.uuid, Operation.kind, Operation.source, Operation.at, Operation.after)
        .join(Transaction, Transaction.id == Operation.transaction_pk)
        .order_by(Transaction.uuid, Operation.id)
    ).all()


def test_same_seed_builds_the_same_rows_and_another_seed_others(session):
    build_demo(session, SMALL, secret_key=SECRET, now=NOW)
    first = transaction_rows(session), operation_rows(session)
    session.rollback()
    build_demo(session, SMALL, secret_key=SECRET, now=NOW)
    assert (transaction_rows(session), operation_rows(session)) == first
    session.rollback()
    build_demo(session, DemoOptions(days=3, seed=8, per_day=20), secret_key=SECRET, now=NOW)
    other = {row.uuid for row in transaction_rows(session)}
    assert not other & {row.uuid for row in first[0]}


def test_a_modest_run_has_every_kind_of_outcome(session):
    summary = build_demo(session, MODEST, secret_key=SECRET, now=NOW)
    assert (summary.first_day, summary.last_day) == (date(2026, 3, 18), date(2026, 3, 31))
    by_status = summary.counts.transactions_by_status
    for status in ("CAPTURED", "REFUSED", "CANCELLED", "EXPIRED", "AUTHORISED"):
        assert by_status.get(f"DEBIT {status}", 0) > 0, status
    assert by_status.get("CREDIT CAPTURED", 0) > 0
    kinds = set(session.scalars(select(Operation.kind).distinct()))
    expected = {"create", "validate", "cancel", "modify", "refund", "duplicate", "capture"}
    assert expected | {"expire"} <= kinds
    currencies = set(session.scalars(select(Remittance.currency).distinct()))
    assert currencies == {"EUR", "USD"}


def test_money_invariants_hold(session):
    build_demo(session, MODEST, secret_key=SECRET, now=NOW)
    transactions = session.scalars(select(Transaction)).all()
    refunded: dict[int, int] = defaultdict(int)
    for tx in transactions:
        if tx.operation_type == OperationType.CREDIT.value:
            refunded[tx.parent_id] += tx.amount_minor  # type: ignore[index]
    payments = {tx.id: tx for tx in transactions}
    assert refunded
    for payment_pk, total in refunded.items():
        payment = payments[payment_pk]
        assert payment.detailed_status == DetailedStatus.CAPTURED.value
        assert total <= payment.amount_minor
    contracts = {c.id: c for c in session.scalars(select(Contract))}
    for remittance in session.scalars(select(Remittance)):
        mine = [tx for tx in transactions if tx.remittance_id == remittance.id]
        debits = [tx.amount_minor for tx in mine if tx.operation_type == "DEBIT"]
        credits = [tx.amount_minor for tx in mine if tx.operation_type == "CREDIT"]
        assert {tx.currency for tx in mine} == {remittance.currency}
        assert (remittance.payment_count, remittance.gross_minor) == (len(debits), sum(debits))
        assert (remittance.refund_count, remittance.refunds_minor) == (len(credits), sum(credits))
        assert remittance.net_minor == (
            remittance.gross_minor - remittance.refunds_minor - remittance.fee_minor
        )
        gross = contracts[remittance.contract_id].settlement_mode == SettlementMode.GROSS
        expected = (
            remittance.gross_minor - remittance.refunds_minor if gross else remittance.net_minor
        )
        assert remittance.expected_credit_minor == expected
        assert all(tx.detailed_status == "CAPTURED" for tx in mine)


def test_the_demo_shops_are_refused_a_second_time(session):
    build_demo(session, SMALL, secret_key=SECRET, now=NOW)
    with pytest.raises(Conflict, match="already exist"):
        build_demo(session, SMALL, secret_key=SECRET, now=NOW)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (DemoOptions(days=0), "days must be between"),
        (DemoOptions(per_day=0), "payments per day"),
        (DemoOptions(last_day=date(2026, 4, 1)), "past days only"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(session, options, message):
    with pytest.raises(InvalidInput, match=message):
        build_demo(session, options, secret_key=SECRET, now=NOW)
    assert not repository.any_shop(session)


def test_the_demo_bank_files_are_imported_with_their_ground_truth(session, tmp_path):
    bank_dir = tmp_path / "bank"
    summary = build_demo(session, replace(BANKED, bank_dir=bank_dir), secret_key=SECRET, now=NOW)
    truth = json.loads((bank_dir / "ground-truth.json").read_text())
    assert summary.bank is not None
    assert sorted(summary.bank.anomalies) == ["duplicate", "late", "missing", "short"]
    statements, entries = repository.statement_counts(session)
    assert summary.bank.statements == statements == truth["statements"] == summary.bank.files
    assert summary.bank.entries == entries == len(truth["lines"])
    stored = session.execute(
        select(StatementFile.filename, StatementEntry.record, StatementEntry.amount_minor).join(
            StatementFile, StatementFile.id == StatementEntry.file_id
        )
    ).all()
    assert {(name, record): amount for name, record, amount in stored} == {
        (line["file"], line["record"]): line["amount_minor"] for line in truth["lines"]
    }
    assert all((bank_dir / line["camt_file"]).is_file() for line in truth["lines"])
    assert {line["kind"] for line in truth["lines"]} >= {"chargeback", "remittance_credit_fx"}


def test_every_remittance_of_the_demo_is_in_the_ground_truth(session, tmp_path):
    build_demo(session, replace(BANKED, bank_dir=tmp_path), secret_key=SECRET, now=NOW)
    truth = json.loads((tmp_path / "ground-truth.json").read_text())
    numbers = dict(session.execute(select(Contract.id, Contract.number)).all())
    expected = {
        (numbers[r.contract_id], r.number): (r.expected_credit_minor, r.expected_credit_date)
        for r in session.scalars(select(Remittance))
    }
    told = [
        *(paid for line in truth["lines"] for paid in line["remittances"]),
        *truth["uncredited_remittances"],
    ]
    assert len(told) == len(expected)
    assert {
        (r["contract_number"], r["remittance_number"]): (
            r["expected_amount_minor"],
            date.fromisoformat(r["expected_credit_date"]),
        )
        for r in told
    } == expected


def files_under(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_the_same_seed_writes_the_same_bank_files(session, tmp_path):
    build_demo(session, replace(SMALL, bank_dir=tmp_path / "a"), secret_key=SECRET, now=NOW)
    session.rollback()
    build_demo(session, replace(SMALL, bank_dir=tmp_path / "b"), secret_key=SECRET, now=NOW)
    first = files_under(tmp_path / "a")
    assert len(first) == 1 + 2 * 2 * 2  # the truth, 2 accounts × 2 business days × 2 formats
    assert files_under(tmp_path / "b") == first


@pytest.fixture
def invoke(database_url, tmp_path, monkeypatch):
    # The command writes the bank's files in ./demo-bank by default.
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {"POINTAGE_DATABASE_URL": database_url, "POINTAGE_SECRET_KEY": SECRET}

    def _invoke(*args: str):
        return runner.invoke(app, list(args), env=env)

    return _invoke


def test_command_prints_counts_writes_credentials_and_batches_change_nothing(
    invoke, session, tmp_path
):
    credentials = tmp_path / "demo.json"
    result = invoke(
        "demo",
        "--days",
        "2",
        "--per-day",
        "15",
        "--seed",
        "7",
        "--credentials-json",
        str(credentials),
    )
    assert result.exit_code == 0, result.output
    counts = repository.counts(session)
    assert f"transactions: {counts.transactions}" in result.output
    assert f"operations: {counts.operations}" in result.output
    assert f"remittances: {counts.remittances}" in result.output
    assert f"API keys and passwords written to {credentials}" in result.output
    assert "testpassword_" not in result.output and "prodpassword_" not in result.output
    assert "password " not in result.output
    statements, entries = repository.statement_counts(session)
    assert statements > 0
    assert f"imported: {statements} statements, {entries} entries" in result.output
    assert "written to demo-bank (CFONB 120 and camt.053)" in result.output
    assert (tmp_path / "demo-bank" / "ground-truth.json").is_file()
    assert credentials.stat().st_mode & 0o777 == 0o600
    written = json.loads(credentials.read_text())
    assert [s["shop_id"] for s in written["shops"]] == ["10000001", "10000002"]
    for shop in written["shops"]:
        assert authenticate_basic(session, shop["shop_id"], shop["test_key"]).mode is Mode.TEST
        production = authenticate_basic(session, shop["shop_id"], shop["production_key"])
        assert production.mode is Mode.PRODUCTION
    assert [(u["email"], u["role"], u["shops"]) for u in written["users"]] == [
        ("admin@maison-exemple.example", "admin", ["10000001", "10000002"]),
        ("compta.paris@maison-exemple.example", "accountant", ["10000001"]),
    ]
    for user in written["users"]:
        assert authenticate_user(session, user["email"], user["password"]).role == user["role"]
    session.rollback()
    before = transaction_rows(session), operation_rows(session), repository.counts(session)
    session.rollback()

    day = result.output.split("(")[1].split(" to ")[0]  # the first simulated day
    batch = invoke("batch", "run", "--date", day)
    assert batch.exit_code == 0, batch.output
    assert "already done" in batch.output
    again = invoke("demo", "--if-empty")
    assert again.exit_code == 0, again.output
    assert "nothing to do" in again.output
    assert (
        transaction_rows(session),
        operation_rows(session),
        repository.counts(session),
    ) == before


def test_command_without_schema_says_to_migrate_in_one_line(tmp_path):
    result = CliRunner().invoke(
        app, ["demo", "--days", "1"], env={"POINTAGE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    )
    assert result.exit_code == 1
    assert "pointage db upgrade" in result.output
    assert "Traceback" not in result.output


def test_command_refuses_a_credentials_file_in_a_missing_directory(invoke, session, tmp_path):
    result = invoke("demo", "--days", "1", "--credentials-json", str(tmp_path / "no" / "x.json"))
    assert result.exit_code == 1
    assert "its directory does not exist" in result.output
    assert not repository.any_shop(session)


def test_command_refuses_a_bank_directory_that_is_a_file(invoke, session, tmp_path):
    (tmp_path / "bank").write_text("not a directory")
    result = invoke("demo", "--days", "1", "--bank-dir", str(tmp_path / "bank"))
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert not repository.any_shop(session)


def test_command_prints_the_keys_and_passwords_when_no_file_is_given(invoke, session):
    result = invoke("demo", "--days", "1", "--per-day", "5")
    assert result.exit_code == 0, result.output
    shown = [line.split() for line in result.output.splitlines() if "password_" in line]
    assert [(shop_id, mode) for shop_id, mode, _ in shown] == [
        ("10000001", "test"),
        ("10000001", "production"),
        ("10000002", "test"),
        ("10000002", "production"),
    ]
    for shop_id, mode, key in shown:
        caller = authenticate_basic(session, shop_id, key)
        assert (caller.shop.shop_id, caller.mode) == (shop_id, Mode(mode.upper()))
    users = [line.split() for line in result.output.splitlines() if " password " in line]
    assert [(email, role, shops) for email, role, _, shops, _, _ in users] == [
        ("admin@maison-exemple.example", "admin", "10000001,10000002"),
        ("compta.paris@maison-exemple.example", "accountant", "10000001"),
    ]
    for email, *_, password in users:
        assert authenticate_user(session, email, password).email == email
