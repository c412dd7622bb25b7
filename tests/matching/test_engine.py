"""The engine end to end on small, hostile cases: what it applies, what it only proposes,
and why the rest stays open."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from pointage.matching.engine import reconcile
from pointage.matching.model import (
    BankMovement,
    EngineInput,
    EngineResult,
    ExpectedCredit,
    OpenReason,
    Rule,
)
from pointage.matching.settings import EngineSettings, bank_patterns_from_json
from tests.matching.builders import DAY, credit_of, line, remittance


def run(
    remittances: list[ExpectedCredit], entries: list[BankMovement], today: date | None = DAY
) -> EngineResult:
    return reconcile(EngineInput(remittances=remittances, entries=entries, today=today))


def pairs(result: EngineResult) -> set[tuple[tuple[int, ...], tuple[int, ...]]]:
    return {(m.entry_ids, m.remittance_ids) for m in result.matches}


def open_reason(result: EngineResult, kind: str, id_: int) -> OpenReason | None:
    items = result.open_entries if kind == "entry" else result.open_remittances
    return next((o.reason for o in items if o.id == id_), None)


def test_each_remittance_to_the_line_naming_it():
    r1, r2 = remittance(1, 123, 250_00), remittance(2, 124, 80_00)
    result = run([r1, r2], [credit_of(r2, 11), credit_of(r1, 10)])
    assert pairs(result) == {((10,), (1,)), ((11,), (2,))}
    assert all(m.rule is Rule.REMITTANCE_CREDIT and m.automatic for m in result.matches)
    assert result.suggestions == [] and result.open_entries == [] and result.open_remittances == []


def test_two_remittances_same_amount_same_day_without_references_are_only_proposed():
    r1, r2 = remittance(1, 123, 250_00), remittance(2, 124, 250_00)
    result = run([r1, r2], [line(10, 250_00, "REMISE CB"), line(11, 250_00, "REMISE CB")])
    assert result.matches == []
    assert {(s.entry_ids, s.remittance_ids) for s in result.suggestions} == {
        ((10,), (1,)),
        ((10,), (2,)),
        ((11,), (1,)),
        ((11,), (2,)),
    }
    assert all(s.reason == "ambiguous: 2 candidates score 70" for s in result.suggestions)
    assert {o.reason for o in result.open_entries + result.open_remittances} == {
        OpenReason.AMBIGUOUS
    }


def test_two_remittances_same_amount_same_day_with_references_each_to_its_line():
    r1, r2 = remittance(1, 123, 250_00), remittance(2, 124, 250_00)
    result = run([r1, r2], [credit_of(r2, 10), credit_of(r1, 11)])
    assert pairs(result) == {((11,), (1,)), ((10,), (2,))}


def test_amount_and_expected_date_alone_match_when_unique_on_both_sides():
    r = remittance(1, 123, 250_00)
    result = run([r], [line(10, 250_00, "REMISE CB")])
    assert pairs(result) == {((10,), (1,))}
    assert result.matches[0].score == 70


def test_a_credit_equal_to_two_different_sets_of_remittances_is_never_applied():
    rs = [
        remittance(1, 1, 100_00),
        remittance(2, 2, 50_00),
        remittance(3, 3, 80_00),
        remittance(4, 4, 70_00),
    ]
    result = run(rs, [line(10, 150_00, "REMISES CB")])
    assert result.matches == []
    sets = {s.remittance_ids for s in result.suggestions}
    assert sets == {(1, 2), (3, 4)}
    assert all("several different sets of remittances" in s.reason for s in result.suggestions)
    assert open_reason(result, "entry", 10) is OpenReason.AMBIGUOUS


def test_a_credit_equal_to_one_set_of_unnamed_remittances_is_a_suggestion():
    rs = [remittance(1, 1, 100_00), remittance(2, 2, 50_00), remittance(3, 3, 80_00)]
    result = run(rs, [line(10, 180_00, "REMISES CB")])
    assert result.matches == []
    (suggestion,) = result.suggestions
    assert suggestion.rule is Rule.GROUPED_CREDIT and suggestion.remittance_ids == (1, 3)
    assert suggestion.score == 60


def test_a_remittance_number_inside_another_number_is_no_match():
    r12 = remittance(1, 12, 250_00)
    result = run([r12], [line(10, 250_00, "REMISE CB 000123 7012345")])
    assert result.matches == []
    assert [s.reason for s in result.suggestions] == ["the line names remittance 000123"]
    assert open_reason(result, "remittance", 1) is OpenReason.BELOW_THRESHOLD


def test_the_same_remittance_number_of_another_contract():
    mine = remittance(1, 123, 250_00)
    theirs = remittance(2, 123, 90_00, contract="8023456")
    # The other contract's line has my amount: it still goes to its own remittance.
    theirs_line = line(10, 250_00, "REMISE CB 000123 8023456")
    result = run([mine, theirs], [theirs_line])
    assert result.matches == []
    reasons = {s.remittance_ids: s.reason for s in result.suggestions}
    assert reasons[(1,)] == "the line names contract 8023456, not 7012345"
    # With both lines present, each contract's remittance gets its own line.
    result = run([mine, theirs], [credit_of(mine, 11), credit_of(theirs, 12)])
    assert pairs(result) == {((11,), (1,)), ((12,), (2,))}


def test_a_short_credit_is_matched_as_an_anomaly():
    r = remittance(1, 101, 180_00)
    result = run([r], [credit_of(r, 10, amount=175_50)])
    (match,) = result.matches
    assert match.difference_minor == -4_50
    assert match.anomaly == "credited 4.50 EUR less than expected"


def test_a_late_credit_is_matched_as_an_anomaly():
    r = remittance(1, 11, 180_00)
    result = run([r], [credit_of(r, 10, on=date(2026, 3, 16))], today=date(2026, 3, 16))
    (match,) = result.matches
    assert match.late_business_days == 2
    assert match.anomaly == "credited 4 business days late"


def test_a_line_booked_twice_matches_once_and_the_copy_stays_open():
    r = remittance(1, 105, 184_48)
    original, copy = credit_of(r, 10), credit_of(r, 11)
    result = run([r], [copy, original])
    (match,) = result.matches
    assert match.entry_ids == (10,)
    assert match.anomaly == "the bank booked this credit twice (entry 11)"
    assert match.difference_minor == 184_48
    assert open_reason(result, "entry", 11) is OpenReason.DUPLICATE_LINE


def test_a_grouped_credit_naming_its_remittances():
    rs = [
        remittance(1, 12, 100_00),
        remittance(2, 13, 50_00),
        remittance(3, 14, 25_00),
        remittance(4, 3, 175_00, due=date(2026, 3, 2)),
    ]
    grouped = line(
        10,
        175_00,
        "REMISES CB 3 REM 7012345",
        details=("REM 000012 000013 000014",),
        references={"entry_number": "0000012"},
    )
    result = run(rs, [grouped])
    (match,) = result.matches
    assert match.rule is Rule.GROUPED_CREDIT
    assert match.remittance_ids == (1, 2, 3)
    # "3 REM" names remittance 3 too, which is open and even of the line's amount: the
    # group is still the only set adding up, named but not exactly.
    assert match.score == 105
    assert "also names 000003" in match.criteria[0].note
    assert open_reason(result, "remittance", 4) is not None


def test_a_group_made_ambiguous_by_a_remittance_paid_alone_is_read_again():
    rs = [remittance(n, n, 100_00) for n in range(1, 5)]
    own = credit_of(rs[2], 11)  # remittance 3 paid alone, by its own line
    grouped = line(10, 300_00, "REMISES CB 3 REM 7012345", details=("REM 000001 000002 000004",))
    result = run(rs, [grouped, own])
    assert pairs(result) == {((11,), (3,)), ((10,), (1, 2, 4))}
    (group,) = [m for m in result.matches if m.rule is Rule.GROUPED_CREDIT]
    assert group.score == 130


def test_a_split_credit_gross_plus_the_fee_debit_naming_the_remittance():
    r = remittance(1, 123, 990_00, fee=10_00)
    credit = line(10, 1_000_00, "REMISE CB 000123 7012345")
    fee = line(11, -10_00, "COMMISSION REMISE 000123 7012345", code="64")
    result = run([r], [credit, fee])
    (match,) = result.matches
    assert match.rule is Rule.SPLIT_CREDIT
    assert match.entry_ids == (10, 11) and match.remittance_ids == (1,)
    assert "fee_debit" in {c.name for c in match.criteria}
    assert match.anomaly is None


def test_a_split_credit_in_two_lines_naming_the_remittance():
    r = remittance(1, 123, 990_00)
    result = run([r], [credit_of(r, 10, amount=600_00), credit_of(r, 11, amount=390_00)])
    (match,) = result.matches
    assert match.rule is Rule.SPLIT_CREDIT and match.entry_ids == (10, 11)


def test_a_foreign_currency_credit():
    r = remittance(1, 45, 1234_56, currency="USD")
    fx = line(
        10, 1140_06, "REM CB USD 000045 7012345", details=("1234.56 USD AU TAUX DE 0.923456",)
    )
    result = run([r], [fx])
    (match,) = result.matches
    assert match.rule is Rule.FOREIGN_CURRENCY_CREDIT and match.score == 130


def test_a_negative_remittance_is_paid_by_a_debit():
    r = remittance(1, 98, -35_20, fee=0, refunds=95_20)
    result = run([r], [credit_of(r, 10)])
    (match,) = result.matches
    assert match.entry_ids == (10,) and match.remittance_ids == (1,)


def test_chargebacks_and_commissions_go_to_their_own_rules():
    gross = remittance(
        1, 1, 500_00, fee=4_00, gross_settled=True, awaiting_fee_debit=True, contract="9351234567"
    )
    chargeback = line(10, -500_00, "IMPAYE CB X1234 TR 123456", code="38")
    commission = line(
        11,
        -4_00,
        "COMMISSIONS AMEX 02/2026",
        code="64",
        details=("CONTRAT 9351234567 1 REMISES",),
        on=date(2026, 3, 4),
    )
    result = run([gross], [chargeback, commission, credit_of(gross, 12)])
    rules = {m.rule for m in result.matches}
    assert Rule.REMITTANCE_CREDIT in rules
    credit_entries = {
        e for m in result.matches if m.rule is Rule.REMITTANCE_CREDIT for e in m.entry_ids
    }
    assert credit_entries == {12}  # never the chargeback, although its amount is -500.00
    everything = result.matches + result.suggestions
    assert all(10 not in p.entry_ids or p.rule is Rule.CHARGEBACK for p in everything)
    assert all(11 not in p.entry_ids or p.rule is Rule.COMMISSION_DEBIT for p in everything)


def test_why_lines_and_remittances_stay_open():
    due_soon = remittance(1, 1, 100_00, due=date(2026, 3, 10))
    overdue = remittance(2, 2, 120_00, due=date(2026, 3, 2))
    transfer = line(10, 1_234_00, "VIR SEPA RECU HOTEL DU PARC", code="05")
    card = line(11, 55_55, "REMISE CB", code="30")
    result = run([due_soon, overdue], [transfer, card], today=date(2026, 3, 11))
    assert open_reason(result, "entry", 10) is OpenReason.NOT_GATEWAY
    assert open_reason(result, "entry", 11) is OpenReason.NO_CANDIDATE
    assert open_reason(result, "remittance", 1) is OpenReason.NOT_YET_DUE
    assert open_reason(result, "remittance", 2) is OpenReason.OVERDUE


def test_today_defaults_to_the_latest_value_date():
    r = remittance(1, 1, 100_00, due=date(2026, 3, 2))
    late_line = line(10, 5_00, "VIR", code="05", on=date(2026, 3, 20))
    result = run([r], [late_line], today=None)
    assert open_reason(result, "remittance", 1) is OpenReason.OVERDUE
    result = run([r], [line(10, 5_00, "VIR", code="05", on=date(2026, 3, 2))], today=None)
    assert open_reason(result, "remittance", 1) is OpenReason.NOT_YET_DUE


def test_remittances_not_awaiting_credit_or_with_nothing_to_credit_are_left_alone():
    paid = replace(remittance(1, 1, 100_00), awaiting_credit=False)
    nothing = remittance(2, 2, 0)
    result = run([paid, nothing], [credit_of(paid, 10), line(11, 0, "REMISE CB 000002 7012345")])
    assert result.matches == []
    assert result.open_remittances == []


def test_a_line_outside_the_window_is_not_a_candidate():
    r = remittance(1, 1, 100_00)
    result = run([r], [credit_of(r, 10, on=date(2026, 4, 10))], today=date(2026, 4, 10))
    assert result.matches == [] and result.suggestions == []


def test_a_transfer_is_never_read_as_a_sum_of_remittances():
    rs = [remittance(1, 1, 100_00), remittance(2, 2, 80_00)]
    transfer = line(10, 180_00, "VIR SEPA RECU HOTEL DU PARC", code="05")
    result = run(rs, [transfer])
    assert result.matches == [] and result.suggestions == []
    assert open_reason(result, "entry", 10) is OpenReason.NOT_GATEWAY
    # The same amount on a line that may be a card credit (OFX gives no code) is proposed.
    result = run(rs, [line(10, 180_00, "CARTES", code=None)])
    assert [s.remittance_ids for s in result.suggestions] == [(1, 2)]


def test_card_lines_adding_up_to_a_remittance_nothing_else_fits_are_proposed():
    r = remittance(1, 7, 990_00)
    result = run(
        [r], [line(10, 600_00, "CARTES"), line(11, 390_00, "CARTES"), line(12, 55_00, "CARTES")]
    )
    assert result.matches == []
    (suggestion,) = result.suggestions
    assert suggestion.rule is Rule.SPLIT_CREDIT
    assert suggestion.entry_ids == (10, 11)
    assert suggestion.score == 60  # lines found by their sum only: never applied alone


def test_a_grouped_credit_nets_a_remittance_of_refunds():
    rs = [
        remittance(1, 56, 127_99, gross_settled=True),
        remittance(2, 57, -69_04, fee=0, refunds=69_04, gross_settled=True),
        remittance(3, 58, 424_67, gross_settled=True),
    ]
    grouped = line(10, 483_62, "REMISES AMEX 3 REM 7012345", details=("REM 000056 000057 000058",))
    result = run(rs, [grouped])
    (match,) = result.matches
    assert match.rule is Rule.GROUPED_CREDIT and match.remittance_ids == (1, 2, 3)
    assert match.score == 130


def test_a_banks_own_pattern_reads_its_remittance_numbers():
    # This bank glues the contract and the number in one run of digits: no generic pattern
    # reads it, and the whole numbers cannot (7012345000123 is one number).
    rs = [remittance(1, 123, 250_00), remittance(2, 124, 250_00)]
    lines = [line(10, 250_00, "TLC 7012345000124"), line(11, 250_00, "TLC 7012345000123")]
    assert run(rs, lines).matches == []  # same amount, same day, nothing read: ambiguous
    patterns = bank_patterns_from_json(
        '{"30004": ["TLC (?P<contract>\\\\d{7})(?P<number>\\\\d{6})"]}'
    )
    result = reconcile(EngineInput(rs, lines, today=DAY), EngineSettings(bank_patterns=patterns))
    assert pairs(result) == {((11,), (1,)), ((10,), (2,))}
    assert {m.score for m in result.matches} == {130}


def test_a_credit_within_the_contracts_tolerance_is_explained():
    r = remittance(1, 123, 250_00, tolerance=5)
    result = run([r], [credit_of(r, 10, amount=249_97)])
    (match,) = result.matches
    assert (match.score, match.difference_minor, match.anomaly) == (120, -3, None)
    # Without its reference, a near amount on the day is only proposed.
    result = run([r], [line(10, 249_97, "REMISE CB")])
    assert result.matches == []
    assert [s.score for s in result.suggestions] == [60]
