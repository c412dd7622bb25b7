"""The demo bank, pure: what it books, that it adds up, the truth it tells, its anomalies."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from pointage.core.calendar import add_business_days, business_days_between, is_business_day
from pointage.demo.bank import business_days, generate_bank
from pointage.demo.bank_model import (
    AnomalyKind,
    BankInput,
    BankLine,
    BankRun,
    LineKind,
    RemittanceInput,
    UncreditedReason,
    convert,
)
from tests.demo.bank_data import AMEX, CIC, CONTRACTS, FIRST_DAY, LAST_DAY, bank_input


@pytest.fixture(scope="module")
def data() -> BankInput:
    return bank_input()


@pytest.fixture(scope="module")
def run(data) -> BankRun:
    return generate_bank(data)


def lines_of(run: BankRun) -> list[BankLine]:
    return [line for statement in run.statements for line in statement.lines]


def key(remittance: RemittanceInput) -> tuple[str, int]:
    return (remittance.contract_number, remittance.number)


def test_one_statement_per_account_and_business_day_balances_carried_over(data, run):
    days = business_days(FIRST_DAY, LAST_DAY)
    for account in data.accounts:
        statements = [s for s in run.statements if s.account == account]
        assert [s.day for s in statements] == days
        assert statements[0].opening_date == add_business_days(days[0], -1)
        for previous, statement in itertools.pairwise(statements):
            assert statement.opening_minor == previous.closing_minor
            assert statement.opening_date == previous.day
        for statement in statements:
            assert all(line.account_iban == account.iban for line in statement.lines)
            assert all(line.booking_date == statement.day for line in statement.lines)
            model = statement.statement()
            assert model.closing_balance.amount_minor == model.opening_balance.amount_minor + sum(
                entry.amount_minor for entry in model.entries
            )


def test_every_remittance_is_credited_once_or_said_uncredited(data, run):
    paid = Counter(key(p.remittance) for line in lines_of(run) for p in line.remittances)
    uncredited = Counter(key(item.remittance) for item in run.uncredited)
    assert not paid & uncredited
    assert set(paid.values()) == {1}
    assert paid + uncredited == Counter(key(r) for r in data.remittances)


def test_uncredited_remittances_are_pending_or_the_missing_one(run):
    reasons = Counter(item.reason for item in run.uncredited)
    assert reasons[UncreditedReason.MISSING] == 1
    assert reasons[UncreditedReason.NOT_YET_DUE] > 0
    for item in run.uncredited:
        due = item.remittance.expected_credit_date
        if item.reason is UncreditedReason.NOT_YET_DUE:
            assert due > LAST_DAY
        else:
            assert due <= LAST_DAY


def test_credits_pay_what_the_contract_says_on_the_expected_day(run):
    kinds = Counter(line.kind for line in lines_of(run))
    assert kinds[LineKind.REMITTANCE_CREDIT] and kinds[LineKind.GROUPED_REMITTANCE_CREDIT]
    for line in lines_of(run):
        if not line.remittances:
            continue
        expected = sum(p.remittance.expected_credit_minor for p in line.remittances)
        assert line.code == ("30" if line.amount_minor >= 0 else "36")
        assert line.amount_minor == sum(p.credited_minor for p in line.remittances)
        if line.kind is LineKind.REMITTANCE_CREDIT_FX:
            assert line.fx is not None and line.fx.original_currency == "USD"
            assert line.amount_minor == convert(expected, line.fx.rate_millionths)
            assert line.details[0].startswith(f"{expected / 100:.2f} USD AU TAUX DE 0.9")
        elif line.anomaly is None:
            assert line.amount_minor == expected
        if line.anomaly is None or line.anomaly.kind is not AnomalyKind.LATE:
            assert {p.remittance.expected_credit_date for p in line.remittances} == {
                line.booking_date
            }


def test_a_grouped_credit_names_its_remittances_in_a_complement(run):
    grouped = [line for line in lines_of(run) if line.kind is LineKind.GROUPED_REMITTANCE_CREDIT]
    for line in grouped:
        numbers = [f"{p.remittance.number:06d}" for p in line.remittances]
        assert len(numbers) > 1
        assert line.label == f"REMISES {line.label.split()[1]} {len(numbers)} REM " + (
            line.remittances[0].remittance.contract_number
        )
        assert " ".join(line.details) == "REM " + " ".join(numbers)
        assert len({p.remittance.contract_number for p in line.remittances}) == 1


def test_labels_and_zones_fit_the_cfonb_layout(run):
    for line in lines_of(run):
        assert len(line.label) <= 31 and line.label == line.label.upper(), line.label
        assert all(len(text) <= 70 for text in line.details)
        assert line.entry_number is None or (
            len(line.entry_number) == 7 and line.entry_number.isdigit()
        )
        assert line.reference is None or len(line.reference) <= 16
        if line.kind is LineKind.REMITTANCE_CREDIT:
            remittance = line.remittances[0].remittance
            assert f"{remittance.number:06d}" in line.label
            assert line.entry_number == f"{remittance.number:07d}"


def test_each_anomaly_is_injected_once_and_can_be_found(run):
    assert sorted(anomaly.kind for anomaly, _ in run.anomalies) == sorted(AnomalyKind)
    by_kind = {anomaly.kind: (anomaly, remittance) for anomaly, remittance in run.anomalies}
    lines = lines_of(run)
    short = next(line for line in lines if line.anomaly is by_kind[AnomalyKind.SHORT][0])
    expected = by_kind[AnomalyKind.SHORT][1].expected_credit_minor
    assert 2_00 <= expected - short.amount_minor == short.anomaly.short_by_minor <= 9_00
    late = next(line for line in lines if line.anomaly is by_kind[AnomalyKind.LATE][0])
    due = by_kind[AnomalyKind.LATE][1].expected_credit_date
    assert business_days_between(due, late.booking_date) == late.anomaly.late_by_business_days
    assert late.anomaly.late_by_business_days >= 3
    missing = by_kind[AnomalyKind.MISSING][1]
    assert all(key(p.remittance) != key(missing) for line in lines for p in line.remittances)
    assert missing.expected_credit_date <= LAST_DAY


def test_the_duplicate_line_follows_its_original_in_the_same_statement(run):
    for statement in run.statements:
        for index, line in enumerate(statement.lines):
            if line.kind is LineKind.DUPLICATE_LINE:
                original = statement.lines[index - 1]
                assert line.duplicate_of is original
                assert line.entry() == original.entry()
                assert original.kind is LineKind.REMITTANCE_CREDIT and not line.remittances
    assert Counter(line.kind for line in lines_of(run))[LineKind.DUPLICATE_LINE] == 1


def test_gross_settled_fees_are_debited_monthly(data, run):
    commissions = [line for line in lines_of(run) if line.kind is LineKind.COMMISSION_DEBIT]
    assert len(commissions) == 1  # February's, in March; March's comes in April
    line = commissions[0]
    assert line.commission is not None
    assert (line.code, line.label, line.account_iban) == (
        "64", "COMMISSIONS AMEX 02/2026", CIC.iban,
    )  # fmt: skip
    february = [
        r
        for r in data.remittances
        if r.contract_number == AMEX.number and r.remittance_date.month == 2
    ]
    assert {key(part.remittance) for part in line.commission.parts} == {key(r) for r in february}
    rate = line.commission.rate_millionths
    assert line.amount_minor == -sum(
        r.fee_minor if r.currency == "EUR" else convert(r.fee_minor, rate) for r in february
    )
    assert line.booking_date == date(2026, 3, 4)  # the third business day of March


def test_chargebacks_take_back_payments_weeks_later(data, run):
    chargebacks = [line for line in lines_of(run) if line.kind is LineKind.CHARGEBACK]
    assert len(chargebacks) == 4  # 59 days, about one every 15 days
    contracts = {contract.number: contract for contract in CONTRACTS}
    for line in chargebacks:
        payment = line.transaction
        assert payment is not None and payment.currency == "EUR"
        assert line.amount_minor == -payment.amount_minor and line.code == "38"
        assert line.account_iban == contracts[payment.contract_number].account_iban
        assert payment.card_masked[-4:] in line.label and payment.transaction_id in line.label
        assert payment.order_id in line.details[0]
        assert 10 <= business_days_between(payment.remittance_date, line.booking_date) <= 30


def test_unrelated_movements_and_weekly_sweeps(run):
    unrelated = [line for line in lines_of(run) if line.kind is LineKind.UNRELATED]
    codes = Counter(line.code for line in unrelated)
    assert {"05", "06", "08", "13", "14", "62"} <= set(codes)
    assert codes["13"] == codes["14"] > 0
    for line in unrelated:
        assert not line.remittances and line.transaction is None
        assert (line.amount_minor > 0) == (line.code in ("05", "13"))


def test_same_seed_books_the_same_lines_another_seed_others(data, run):
    again = generate_bank(data)
    assert [line.entry() for line in lines_of(again)] == [line.entry() for line in lines_of(run)]
    assert [s.opening_minor for s in again.statements] == [s.opening_minor for s in run.statements]
    other = generate_bank(replace(data, seed=2))
    assert [line.entry() for line in lines_of(other)] != [line.entry() for line in lines_of(run)]


def test_a_remittance_of_refunds_is_debited_and_an_empty_one_not_booked():
    data = bank_input(last_day=date(2026, 2, 20))
    first, second, *rest = data.remittances
    negative = replace(first, expected_credit_minor=-35_00)
    empty = replace(second, expected_credit_minor=0)
    run = generate_bank(replace(data, remittances=(negative, empty, *rest)))
    line = next(
        line for line in lines_of(run) for p in line.remittances if key(p.remittance) == key(first)
    )
    assert (line.amount_minor, line.code) == (-35_00, "36")
    assert any(
        key(item.remittance) == key(second) and item.reason is UncreditedReason.NOTHING_TO_CREDIT
        for item in run.uncredited
    )


@pytest.mark.parametrize(
    ("first_day", "last_day", "statements", "anomalies"),
    [
        (date(2026, 3, 28), date(2026, 3, 29), 0, set()),  # a weekend: no statement at all
        # Too short for a credit to be overdue: no missing one.
        (date(2026, 3, 27), date(2026, 3, 31), 6, {"short", "duplicate"}),
        (date(2026, 3, 20), date(2026, 3, 31), 16, {"missing", "short", "late", "duplicate"}),
    ],
)
def test_a_short_demo_books_what_fits_in_it(first_day, last_day, statements, anomalies):
    run = generate_bank(bank_input(first_day=first_day, last_day=last_day))
    assert len(run.statements) == statements
    assert {anomaly.kind.value for anomaly, _ in run.anomalies} == anomalies
    assert all(is_business_day(s.day) for s in run.statements)
