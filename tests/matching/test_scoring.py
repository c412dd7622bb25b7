"""Scoring one remittance against one line: amount, value date, reference, and what blocks
a candidate from being applied automatically."""

from __future__ import annotations

from datetime import date

import pytest

from pointage.matching.days import BusinessDays
from pointage.matching.model import Outcome, Rule
from pointage.matching.references import contract_key, read_line
from pointage.matching.scoring import (
    POINTS_AMOUNT_EXACT,
    POINTS_AMOUNT_TOLERANCE,
    POINTS_DATE_EXPECTED,
    POINTS_DATE_WINDOW,
    amount_criterion,
    date_criterion,
    score_single,
)
from pointage.matching.settings import DEFAULT_SETTINGS
from tests.matching.builders import DAY, credit_of, remittance

DAYS = BusinessDays([DAY])


def test_amount_equal_to_the_expected_credit_passes():
    reading = amount_criterion(remittance(1, 1, 123_45), 123_45, "EUR")
    assert reading.criterion.outcome is Outcome.PASS
    assert reading.criterion.points == POINTS_AMOUNT_EXACT
    assert reading.criterion.expected == "123.45 EUR (expected credit)"
    assert (reading.difference_minor, reading.explained) == (0, True)


def test_gross_credited_for_a_net_contract_passes_and_says_the_fee_is_apart():
    r = remittance(1, 1, 99_00, fee=1_00)
    reading = amount_criterion(r, 100_00, "EUR")
    assert reading.criterion.outcome is Outcome.PASS
    assert "debited apart" in reading.criterion.note


def test_amount_within_the_contracts_tolerance_is_partial_with_its_difference():
    reading = amount_criterion(remittance(1, 1, 100_00, tolerance=5), 99_97, "EUR")
    assert reading.criterion.outcome is Outcome.PARTIAL
    assert reading.criterion.points == POINTS_AMOUNT_TOLERANCE
    assert (reading.difference_minor, reading.explained) == (-3, True)


def test_a_wrong_amount_fails_with_the_difference_in_words():
    reading = amount_criterion(remittance(1, 1, 100_00), 95_50, "EUR")
    assert reading.criterion.outcome is Outcome.FAIL
    assert reading.criterion.note == "credited 4.50 EUR less than expected"
    assert (reading.difference_minor, reading.explained) == (-4_50, False)


@pytest.mark.parametrize(
    ("value_date", "outcome", "points", "late"),
    [
        (date(2026, 3, 10), Outcome.PASS, POINTS_DATE_EXPECTED, 0),
        (date(2026, 3, 9), Outcome.PARTIAL, POINTS_DATE_WINDOW, 0),  # a day early
        (date(2026, 3, 12), Outcome.PARTIAL, POINTS_DATE_WINDOW, 0),  # within 2 days of grace
        (date(2026, 3, 13), Outcome.FAIL, 0, 1),  # 3 business days late: 1 past the grace
        (date(2026, 3, 17), Outcome.FAIL, 0, 3),  # over a weekend: 5 business days late
    ],
)
def test_value_date_against_expected_date_and_grace(value_date, outcome, points, late):
    reading = date_criterion(DAYS, DAY, 2, value_date)
    assert reading.criterion.outcome is outcome
    assert reading.criterion.points == points
    assert reading.late_business_days == late
    assert (reading.anomaly is not None) == (late > 0)


def test_expected_on_a_sunday_is_on_time_on_monday():
    reading = date_criterion(DAYS, date(2026, 3, 15), 2, date(2026, 3, 16))
    assert reading.criterion.outcome is Outcome.PASS


def score(r, entry):
    text = read_line(entry, DEFAULT_SETTINGS, frozenset({contract_key(r.contract_number)}))
    return score_single(r, entry, text, DAYS)


def test_reference_amount_and_date_score_130():
    r = remittance(1, 123, 250_00)
    candidate = score(r, credit_of(r, 10))
    assert candidate is not None
    assert candidate.rule is Rule.REMITTANCE_CREDIT
    assert candidate.score == 130
    assert [c.name for c in candidate.criteria] == ["remittance_reference", "amount", "value_date"]
    assert candidate.anomaly is None and not candidate.blocked


def test_a_short_credit_with_its_reference_is_an_anomaly_that_may_be_applied():
    r = remittance(1, 123, 250_00)
    candidate = score(r, credit_of(r, 10, amount=245_50))
    assert candidate is not None
    assert candidate.score == 90
    assert candidate.difference_minor == -4_50
    assert candidate.anomaly == "credited 4.50 EUR less than expected"
    assert not candidate.blocked


def test_a_credit_more_than_ten_percent_off_is_never_applied():
    r = remittance(1, 123, 250_00)
    candidate = score(r, credit_of(r, 10, amount=200_00))
    assert candidate is not None
    assert candidate.score == 90
    assert "more than 10 %" in candidate.blocked


def test_a_late_credit_says_how_late():
    r = remittance(1, 123, 250_00)
    candidate = score(r, credit_of(r, 10, on=date(2026, 3, 16)))  # 4 business days late
    assert candidate is not None
    assert candidate.late_business_days == 2
    assert candidate.anomaly == "credited 4 business days late"


def test_a_line_naming_another_remittance_is_blocked_even_with_the_right_amount():
    r = remittance(1, 123, 250_00)
    candidate = score(r, credit_of(r, 10, label="REMISE CB 000124 7012345"))
    assert candidate is not None
    assert candidate.score == 70  # amount and date
    assert candidate.blocked == "the line names remittance 000124"


def test_neither_reference_nor_amount_is_no_candidate():
    r = remittance(1, 123, 250_00)
    assert score(r, credit_of(r, 10, amount=12_00, label="VIR SEPA")) is None
