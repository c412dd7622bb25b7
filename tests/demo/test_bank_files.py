"""The demo bank's files read back with the real parsers, and the ground truth they come with."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from pointage.demo.bank import generate_bank
from pointage.demo.bank_files import GROUND_TRUTH, render_bank, write_bank
from pointage.demo.bank_model import BankInput, BankRun
from pointage.formats.statements import parse
from pointage.formats.statements.model import StatementFormat
from tests.demo.bank_data import bank_input


@pytest.fixture(scope="module")
def data() -> BankInput:
    return bank_input()


@pytest.fixture(scope="module")
def run(data) -> BankRun:
    return generate_bank(data)


@pytest.fixture(scope="module")
def rendered(data, run):
    return render_bank(data, run)


def test_each_cfonb_file_reads_back_as_the_statement_it_was_written_from(run, rendered):
    assert len(rendered.files) == len(run.statements)
    for statement, day in zip(run.statements, rendered.files, strict=True):
        assert day.cfonb_path == f"{statement.account.directory}/{statement.day}.cfonb120.txt"
        result = parse(day.cfonb)
        assert result.format is StatementFormat.CFONB120
        assert result.issues == [], day.cfonb_path
        [parsed] = result.statements
        assert (parsed.account.bank_code, parsed.account.account_number) == (
            statement.account.bank_code,
            statement.account.account_number,
        )
        assert parsed.opening_balance.amount_minor == statement.opening_minor
        assert parsed.closing_balance.amount_minor == statement.closing_minor
        assert parsed.closing_balance.date == statement.day
        written = [line.entry() for line in statement.lines]
        for entry, expected in zip(parsed.entries, written, strict=True):
            assert (entry.amount_minor, entry.label, entry.bank_operation_code) == (
                expected.amount_minor,
                expected.label,
                expected.bank_operation_code,
            )
            assert (entry.booking_date, entry.value_date) == (
                expected.booking_date,
                expected.value_date,
            )
            for name in ("entry_number", "reference"):
                assert entry.references.get(name) == expected.references.get(name)
            assert [(d.qualifier, d.text) for d in entry.details] == [
                (d.qualifier, d.text) for d in expected.details
            ]


def test_each_camt_file_carries_the_same_movements(rendered):
    for day in rendered.files:
        cfonb = parse(day.cfonb).statements[0]
        result = parse(day.camt)
        assert (result.format, result.version, result.issues) == (
            StatementFormat.CAMT053,
            "001.08",
            [],
        )
        [camt] = result.statements
        assert camt.opening_balance == cfonb.opening_balance
        assert camt.closing_balance == cfonb.closing_balance
        assert [
            (e.amount_minor, e.booking_date, e.value_date, e.label, e.bank_operation_code)
            for e in camt.entries
        ] == [
            (e.amount_minor, e.booking_date, e.value_date, e.label, e.bank_operation_code)
            for e in cfonb.entries
        ]
        for camt_entry, cfonb_entry in zip(camt.entries, cfonb.entries, strict=True):
            assert camt_entry.references.get("NtryRef") == cfonb_entry.references.get(
                "entry_number"
            )
            assert " ".join(d.text or "" for d in camt_entry.details) == " ".join(
                d.text or "" for d in cfonb_entry.details
            )
        references = [entry.bank_reference for entry in camt.entries]
        assert len(set(references)) == len(references)  # a line booked twice: two references


def test_the_truth_points_at_each_line_by_file_and_record(rendered):
    files = {day.cfonb_path: parse(day.cfonb).statements[0] for day in rendered.files}
    truth = rendered.truth
    assert len(truth["lines"]) == sum(len(s.entries) for s in files.values())
    for line in truth["lines"]:
        entries = {entry.record: entry for entry in files[line["file"]].entries}
        entry = entries[line["record"]]
        assert (entry.amount_minor, entry.label, entry.booking_date.isoformat()) == (
            line["amount_minor"],
            line["label"],
            line["booking_date"],
        )
        assert line["camt_file"] == line["file"].replace(".cfonb120.txt", ".camt053.xml")


def test_the_truth_accounts_for_every_remittance(data, rendered):
    truth = rendered.truth
    paid = Counter(
        (r["contract_number"], r["remittance_number"])
        for line in truth["lines"]
        for r in line["remittances"]
    )
    uncredited = Counter(
        (r["contract_number"], r["remittance_number"]) for r in truth["uncredited_remittances"]
    )
    assert paid + uncredited == Counter((r.contract_number, r.number) for r in data.remittances)
    assert max((paid + uncredited).values()) == 1
    assert {r["reason"] for r in truth["uncredited_remittances"]} == {"missing", "not_yet_due"}


def test_the_truth_lists_each_anomaly_where_it_can_be_seen(rendered):
    truth = rendered.truth
    anomalies = {anomaly["kind"]: anomaly for anomaly in truth["anomalies"]}
    assert set(anomalies) == {"missing", "short", "late", "duplicate"}
    assert (anomalies["missing"]["file"], anomalies["missing"]["record"]) == (None, None)
    lines = {(line["file"], line["record"]): line for line in truth["lines"]}
    for kind in ("short", "late", "duplicate"):
        shown = lines[(anomalies[kind]["file"], anomalies[kind]["record"])]
        assert shown["anomaly"]["kind"] == kind
    short = lines[(anomalies["short"]["file"], anomalies["short"]["record"])]
    [paid] = short["remittances"]
    assert (
        paid["expected_amount_minor"] - short["amount_minor"]
        == anomalies["short"]["short_by_minor"]
    )
    duplicate = lines[(anomalies["duplicate"]["file"], anomalies["duplicate"]["record"])]
    original = lines[(duplicate["file"], duplicate["anomaly"]["duplicate_of_record"])]
    assert duplicate["kind"] == "duplicate_line" and duplicate["remittances"] == []
    assert {k: v for k, v in duplicate.items() if k not in ("record", "kind", "anomaly")} == {
        k: v for k, v in original.items() if k not in ("record", "kind", "anomaly", "remittances")
    } | {"remittances": []}
    assert [(r["contract_number"], r["remittance_number"]) for r in original["remittances"]] == [
        (anomalies["duplicate"]["contract_number"], anomalies["duplicate"]["remittance_number"])
    ]


def test_the_same_input_gives_the_same_bytes(data, rendered):
    again = render_bank(data, generate_bank(data))
    assert again.files == rendered.files
    assert again.truth_bytes == rendered.truth_bytes
    assert json.loads(rendered.truth_bytes) == rendered.truth


def test_writing_replaces_an_earlier_demo_and_nothing_else(rendered, tmp_path):
    bank_dir = tmp_path / "bank"
    stale = bank_dir / "30004-00010123456" / "2020-01-02.cfonb120.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    kept = [bank_dir / "notes.txt", bank_dir / "30004-00010123456" / "readme.txt"]
    for path in kept:
        path.write_text("mine")
    write_bank(rendered, bank_dir)
    assert not stale.exists()
    assert all(path.read_text() == "mine" for path in kept)
    written = sorted(
        str(path.relative_to(bank_dir)) for path in bank_dir.rglob("*") if path.name[0] == "2"
    )
    assert written == sorted(
        path for day in rendered.files for path in (day.cfonb_path, day.camt_path)
    )
    day = rendered.files[0]
    assert (bank_dir / day.cfonb_path).read_bytes() == day.cfonb
    assert json.loads((bank_dir / GROUND_TRUTH).read_text()) == rendered.truth
