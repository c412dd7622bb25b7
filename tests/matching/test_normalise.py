"""Amount variants of a remittance, card lines, and what makes two lines copies."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pointage.core.calendar import add_business_days, business_days_between
from pointage.matching.blocking import nearest
from pointage.matching.days import BusinessDays, overdue_from
from pointage.matching.normalise import content_key, is_card_code, may_be_card, variants
from pointage.matching.references import read_line
from pointage.matching.settings import DEFAULT_SETTINGS
from tests.matching.builders import line, remittance


def test_variants_of_a_net_settled_remittance():
    r = remittance(1, 1, 990_00, fee=10_00, refunds=50_00, payments=4)
    found = {v.name: v.amount_minor for v in variants(r)}
    gross = r.gross_minor  # 1050.00
    fee_on_total = round(gross * 80 / 10_000) + 5 * 4
    assert found == {
        "expected credit": 990_00,
        "gross less refunds": 1_000_00,
        "fee on the total": 1_000_00 - fee_on_total,
    }  # the net is the expected credit: listed once, under its first name


def test_variants_of_a_gross_settled_remittance_include_the_net():
    r = remittance(1, 1, 1_000_00, fee=12_34, gross_settled=True)
    found = {v.name: v.amount_minor for v in variants(r)}
    assert found["expected credit"] == 1_000_00
    assert found["net"] == 1_000_00 - 12_34
    assert "gross less refunds" not in found  # the same amount as expected


def test_card_codes():
    assert is_card_code("30") and is_card_code("36") and is_card_code("PMNT/CCRD/POSD")
    assert not is_card_code("05") and not is_card_code(None) and not is_card_code("CREDIT")


def test_what_may_be_a_card_credit():
    def may(code, label="CARTES"):
        entry = line(1, 1, label, code=code)
        return may_be_card(entry, read_line(entry, DEFAULT_SETTINGS))

    assert may("30") and may("PMNT/CCRD/POSD")
    assert may(None) and may("CREDIT")  # a code that says nothing either way
    assert not may("05") and not may("PMNT/RCDT/ESCT")  # a transfer, said so
    assert may("05", "REMISE CB 000001 7012345")  # but it names a remittance


def test_copies_differ_only_by_place_and_the_banks_own_line_identifier():
    original = line(
        1,
        100_00,
        "REMISE CB 000001 7012345",
        references={"NtryRef": "0000001", "AcctSvcrRef": "A1"},
        record=4,
    )
    copy = replace(original, id=2, record=5, references={"NtryRef": "0000001", "AcctSvcrRef": "A2"})
    assert content_key(original) == content_key(copy)
    assert content_key(original) != content_key(replace(copy, amount_minor=100_01))
    assert content_key(original) != content_key(replace(copy, details=("REM 000002",)))


DAYS = [date(2026, 1, 1) + timedelta(days=n) for n in range(500)]


@settings(deadline=None)  # the first example loads the holiday tables
@given(st.sampled_from(DAYS), st.sampled_from(DAYS))
def test_business_day_offsets_agree_with_the_calendar(expected, actual):
    days = BusinessDays(DAYS[100:200])  # dates outside the index are still right
    due = add_business_days(expected, 0)
    assert days.offset(expected, actual) == business_days_between(due, actual)


def test_nearest_rows_walk_out_from_the_centre_within_bounds():
    keys = [1, 3, 4, 4, 6, 9, 12]
    rows = [(k, i) for i, k in enumerate(keys)]
    found = nearest(keys, rows, 5, (2, 9), 4)
    assert set(found[:3]) == {(4, 2), (4, 3), (6, 4)}  # one day away, either side
    assert found[3] == (3, 1)
    assert nearest(keys, rows, 5, (2, 9), 10)[3:] == [(3, 1), (9, 5)]  # 1 and 12 are out
    assert nearest(keys, rows, 20, (15, 25), 3) == []


def test_overdue_from_is_after_expected_date_and_grace():
    # Friday 13 March 2026, two days of grace: Monday 16 and Tuesday 17; overdue Wednesday.
    assert overdue_from(date(2026, 3, 13), 2) == date(2026, 3, 18)
    # Expected on a Sunday: due Monday 16, overdue Thursday 19.
    assert overdue_from(date(2026, 3, 15), 2) == date(2026, 3, 19)
