"""`pointage statements …` as a user runs it: real CFONB 120 files, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from pointage.cli.main import app
from pointage.formats.statements import parse
from pointage.formats.statements.json_view import result_to_json
from pointage.statement.models import CsvMappingProfile, StatementEntry, StatementFile
from tests.factories import IBAN_BANK_A, make_shop
from tests.statement.cfonb import (
    EXAMPLE,
    add_example_accounts,
    day_statement,
    days_file,
)

CSV_PROFILE = {
    "date_column": "Date",
    "label_column": "Libellé",
    "amount_column": "Montant",
    "separator": ";",
    "decimal_comma": True,
}


def count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"POINTAGE_DATABASE_URL": database_url, "POINTAGE_SCHEDULER_ENABLED": "false"}


@pytest.fixture
def shop(session: Session):
    setup = make_shop(session)
    add_example_accounts(session, setup.merchant)
    session.commit()
    return setup


def invoke(env: dict[str, str], *args: str | Path):
    return CliRunner().invoke(app, ["statements", *map(str, args)], env=env)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# parse: no database needed.

NO_DATABASE = {"POINTAGE_DATABASE_URL": "sqlite:////nonexistent-directory/pointage.db"}


def test_parse_summarises_the_statements_without_a_database() -> None:
    result = invoke(NO_DATABASE, "parse", EXAMPLE)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "pennylane-example.txt: cfonb120, 2 statements, 6 entries, 0 issues"
    assert lines[1] == (
        "  statement of account 15589 00000 98765432100 (record 1): "
        "2019-05-15 -190.40 EUR → 2019-05-16 -241.21 EUR, 3 entries"
    )


def test_parse_json_prints_the_json_view_of_the_file() -> None:
    result = invoke(NO_DATABASE, "parse", EXAMPLE, "--json")

    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed == result_to_json(parse(EXAMPLE.read_bytes()))
    assert set(printed) == {"format", "version", "statements", "issues"}
    first = printed["statements"][0]
    assert set(first) == {
        "account", "kind", "identifier", "record", "opening_balance", "closing_balance",
        "entries",
    }  # fmt: skip
    assert first["account"] == {
        "iban": None,
        "bank_code": "15589",
        "branch_code": "00000",
        "account_number": "98765432100",
        "currency": "EUR",
    }
    assert first["opening_balance"] == {"amount_minor": -19040, "date": "2019-05-15"}
    entry = first["entries"][0]
    assert set(entry) == {
        "amount_minor", "currency", "booking_date", "value_date", "label",
        "bank_operation_code", "references", "details", "status", "reversal", "record",
    }  # fmt: skip
    assert (entry["amount_minor"], entry["label"]) == (-3221, "PRLV SEPA TEST CABINET")
    assert set(entry["details"][0]) == {"record", "qualifier", "text", "amount_minor", "references"}


def test_parse_lists_the_issues_of_a_file_it_could_read(tmp_path: Path) -> None:
    unbalanced = write(tmp_path, "r.txt", days_file(day_statement(0, [500], closing=100_000)))

    result = invoke(NO_DATABASE, "parse", unbalanced)

    assert result.exit_code == 0, result.output
    assert "1 issues" in result.output.splitlines()[0]
    assert "does not add up" in result.output


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, [], "error: cannot read"),
        (b"hello, world\n", [], "error: {file}: unknown statement format"),
        (b"", [], "error: {file}: the file is empty"),
        (b"0110278", ["--format", "pdf"], "error: {file}: unknown statement format 'pdf'"),
    ],
)
def test_parse_exits_2_in_one_line_when_the_file_cannot_be_read(
    tmp_path: Path, content: bytes | None, args: list[str], message: str
) -> None:
    path = tmp_path / "f.txt"
    if content is not None:
        path.write_bytes(content)

    result = invoke(NO_DATABASE, "parse", path, *args)

    assert result.exit_code == 2
    assert result.output.startswith(message.format(file=path))
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_parse_refuses_two_csv_profiles_at_once(tmp_path: Path) -> None:
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(CSV_PROFILE))

    result = invoke(
        NO_DATABASE, "parse", EXAMPLE, "--csv-profile", "x", "--csv-profile-file", profile
    )

    assert result.exit_code == 1
    assert "error: give --csv-profile or --csv-profile-file, not both" in result.output


# import


def test_import_prints_what_it_imported_then_recognises_the_file(
    env, shop, session_factory
) -> None:
    first = invoke(env, "import", EXAMPLE)
    again = invoke(env, "import", EXAMPLE)

    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[0].startswith("pennylane-example.txt: file #")
    assert lines[0].endswith("(cfonb120), 2 statements, 6 entries: 6 imported, 0 skipped")
    assert lines[1] == (
        "  FR7615589000009876543210088 (Example 1) record 1, 2019-05-15 → 2019-05-16: "
        "3 entries, 3 imported, 0 skipped"
    )
    assert again.exit_code == 0
    assert " already imported as file #" in again.output and "nothing added" in again.output
    assert count(session_factory, StatementFile) == 1
    assert count(session_factory, StatementEntry) == 6


def test_import_of_an_overlapping_file_says_what_it_skipped_and_why(
    env, shop, session_factory, tmp_path: Path
) -> None:
    day_1, day_2 = day_statement(0, [1_000, -200]), day_statement(1, [300], opening=100_800)
    day_3 = day_statement(2, [-50], opening=101_100)
    invoke(env, "import", write(tmp_path, "a.txt", days_file(day_1, day_2)))

    result = invoke(env, "import", write(tmp_path, "b.txt", days_file(day_2, day_3)))

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith("2 statements, 2 entries: 1 imported, 1 skipped")
    assert ", already known: 1 entries, 0 imported, 1 skipped" in result.output
    assert "    1 skipped: already imported from file #" in result.output
    assert count(session_factory, StatementEntry) == 4


def test_import_warns_of_a_gap_with_the_previous_statement(env, shop, tmp_path: Path) -> None:
    invoke(env, "import", write(tmp_path, "a.txt", days_file(day_statement(0, [1_000]))))

    result = invoke(env, "import", write(tmp_path, "b.txt", days_file(day_statement(3, [5]))))

    assert result.exit_code == 0, result.output
    assert "warning: record 1: statement of account 30006 00001 12345678901" in result.output
    assert "a statement may be missing" in result.output


def test_import_refuses_an_unknown_account_and_stores_nothing(
    env, session, session_factory
) -> None:
    make_shop(session)  # has none of the example's accounts
    session.commit()

    result = invoke(env, "import", EXAMPLE)

    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == "error: pennylane-example.txt refused, nothing imported: 2 problems"
    assert lines[1] == (
        "  record 1: statement of account 15589 00000 98765432100 (record 1): unknown bank "
        "account 15589 00000 98765432100"
    )
    assert "Traceback" not in result.output
    assert count(session_factory, StatementFile) == 0


def test_an_unbalanced_statement_is_refused_then_imported_with_a_reason(
    env, shop, session_factory, tmp_path: Path
) -> None:
    path = write(tmp_path, "r.txt", days_file(day_statement(0, [500], closing=100_400)))

    refused = invoke(env, "import", path)
    accepted = invoke(
        env, "import", path, "--accept-unbalanced", "fee booked twice", "--actor", "bob"
    )

    assert refused.exit_code == 2
    assert "does not add up" in refused.output and "difference -1.00 EUR" in refused.output
    assert accepted.exit_code == 0, accepted.output
    assert "warning: accepted (fee booked twice): statement of account" in accepted.output
    with session_factory() as check:
        file = check.scalars(select(StatementFile)).one()
        assert (file.accepted_unbalanced_reason, file.accepted_by) == ("fee booked twice", "bob")


def test_import_names_a_missing_file(env, tmp_path: Path) -> None:
    result = invoke(env, "import", tmp_path / "absent.txt")

    assert result.exit_code == 2
    assert result.output.startswith("error: cannot read") and "absent.txt" in result.output


# profiles


def test_profiles_are_saved_then_listed(env, shop, session_factory, tmp_path: Path) -> None:
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(CSV_PROFILE), encoding="utf-8")

    shared = invoke(env, "profiles", "save", "banque-x", "--from-file", path)
    own = invoke(
        env, "profiles", "save", "banque-x", "--from-file", path, "--merchant", shop.merchant.id
    )
    listed = invoke(env, "profiles", "list")

    assert shared.exit_code == 0, shared.output
    assert "CSV profile 'banque-x' saved for every merchant" in shared.output
    assert f"saved for merchant {shop.merchant.id}" in own.output
    assert listed.output.splitlines() == [
        "banque-x (shared): date=Date, label=Libellé, amount=Montant",
        f"banque-x (merchant {shop.merchant.id}): date=Date, label=Libellé, amount=Montant",
    ]
    assert count(session_factory, CsvMappingProfile) == 2


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({**CSV_PROFILE, "colour": "red"}, "error: unknown CSV profile field 'colour'"),
        ({"date_column": "Date", "label_column": "L"}, "error: the CSV profile needs amount"),
    ],
)
def test_an_unusable_profile_is_refused(env, tmp_path: Path, settings, message) -> None:
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(settings), encoding="utf-8")

    result = invoke(env, "profiles", "save", "x", "--from-file", path)

    assert result.exit_code == 1
    assert result.output.startswith(message)


CSV_EXPORT = "Date;Libellé;Montant\n02/03/2026;VIR CLIENT;12,50\n03/03/2026;PRLV EDF;-4,20\n"


def test_a_csv_export_is_read_with_a_profile_file(tmp_path: Path) -> None:
    profile = tmp_path / "bank.json"
    profile.write_text(json.dumps(CSV_PROFILE), encoding="utf-8")
    export = write(tmp_path, "export.csv", CSV_EXPORT.encode())

    result = invoke(NO_DATABASE, "parse", export, "--csv-profile-file", profile, "--json")

    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)["statements"][0]["entries"]
    assert [(e["amount_minor"], e["label"]) for e in entries] == [
        (1250, "VIR CLIENT"),
        (-420, "PRLV EDF"),
    ]


def test_a_csv_export_is_imported_with_a_saved_profile(
    env, shop, session_factory, tmp_path: Path
) -> None:
    profile = tmp_path / "bank.json"
    profile.write_text(json.dumps({**CSV_PROFILE, "account_iban": IBAN_BANK_A}), encoding="utf-8")
    invoke(env, "profiles", "save", "banque-x", "--from-file", profile)
    export = write(tmp_path, "export.csv", CSV_EXPORT.encode())

    result = invoke(env, "import", export, "--csv-profile", "banque-x")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith(
        "(csv), 1 statements, 2 entries: 2 imported, 0 skipped"
    )
    assert count(session_factory, StatementEntry) == 2


def test_an_unknown_profile_is_named(env) -> None:
    result = invoke(env, "parse", EXAMPLE, "--csv-profile", "nothing")

    assert result.exit_code == 1
    assert "error: no CSV mapping profile named 'nothing'" in result.output
