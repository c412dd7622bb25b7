"""Foreign-currency remittances credited converted: the stated conversion read and checked."""

from __future__ import annotations

import pytest

from pointage.matching.days import BusinessDays
from pointage.matching.foreign import convert, score_foreign, stated_conversion
from pointage.matching.model import Outcome, Rule
from pointage.matching.references import contract_key, read_line
from pointage.matching.settings import DEFAULT_SETTINGS
from tests.matching.builders import CONTRACT, DAY, line, remittance

DAYS = BusinessDays([DAY])
KNOWN = frozenset({contract_key(CONTRACT)})


def usd(id_: int = 1, number: int = 45, expected: int = 1234_56):
    return remittance(id_, number, expected, currency="USD")


def fx_line(amount: int, details: tuple[str, ...], label: str = "REM CB USD 000045 7012345"):
    return line(10, amount, label, details=details)


def score(r, entry):
    return score_foreign(r, entry, read_line(entry, DEFAULT_SETTINGS, KNOWN), DAYS)


@pytest.mark.parametrize(
    "detail",
    [
        "1234.56 USD AU TAUX DE 0.923456",
        "1234,56 USD TX 0,923456",
        "CONV 1234.56 USD RATE 0.923456",
        "1234.56USD TAUX: 0.923456",
    ],
)
def test_stated_conversions_are_read_in_the_ways_banks_write_them(detail):
    text = read_line(fx_line(1, (detail,)), DEFAULT_SETTINGS, KNOWN)
    stated = stated_conversion(text, "USD")
    assert stated is not None
    assert (stated.original_minor, stated.rate_millionths) == (1234_56, 923_456)


def test_a_rate_more_precise_than_millionths_is_not_read():
    text = read_line(fx_line(1, ("1234.56 USD AU TAUX DE 0.92345678",)), DEFAULT_SETTINGS, KNOWN)
    assert stated_conversion(text, "USD") is None


def test_conversion_rounds_half_away_from_zero_across_exponents():
    assert convert(1234_56, "USD", "EUR", 923_456) == 1140_06  # 1140.0618...
    assert convert(-1234_56, "USD", "EUR", 923_456) == -1140_06
    assert convert(1_00, "USD", "EUR", 5_000) == 1  # 0.005 EUR rounds up to 0.01
    assert convert(1000, "JPY", "EUR", 6_123) == 6_12  # 1000 JPY at 0.006123: 6.123 EUR
    assert convert(1_000, "TND", "EUR", 300_000) == 30  # 1.000 TND at 0.3: 0.30 EUR


def test_a_stated_and_exact_conversion_scores_like_a_domestic_credit():
    candidate = score(usd(), fx_line(1140_06, ("1234.56 USD AU TAUX DE 0.923456",)))
    assert candidate is not None
    assert candidate.rule is Rule.FOREIGN_CURRENCY_CREDIT
    assert candidate.score == 130
    outcomes = {c.name: c.outcome for c in candidate.criteria}
    assert outcomes["original_amount"] is Outcome.PASS
    assert outcomes["conversion"] is Outcome.PASS
    assert not candidate.blocked and candidate.anomaly is None


def test_a_booked_amount_that_is_not_the_stated_conversion_is_blocked():
    candidate = score(usd(), fx_line(1140_10, ("1234.56 USD AU TAUX DE 0.923456",)))
    assert candidate is not None
    assert candidate.blocked == "the booked amount is not the stated conversion"
    assert candidate.difference_minor == 4


def test_without_a_stated_conversion_it_is_a_suggestion_only():
    candidate = score(usd(), fx_line(1140_06, ()))
    assert candidate is not None
    assert "cannot be checked" in candidate.blocked


def test_the_reference_with_its_contract_is_required():
    assert (
        score(usd(), fx_line(1140_06, ("1234.56 USD AU TAUX DE 0.923456",), "REM CB USD")) is None
    )
    assert score(usd(), fx_line(1140_06, ("1234.56 USD TX 0.923456",), "REM 000045")) is None


def test_a_short_original_amount_is_an_anomaly_in_the_accounts_currency():
    candidate = score(usd(), fx_line(1135_44, ("1229.56 USD AU TAUX DE 0.923456",)))
    assert candidate is not None
    assert not candidate.blocked
    assert candidate.anomaly == "credited 5.00 USD less than expected"
    assert candidate.difference_minor == convert(-5_00, "USD", "EUR", 923_456)


def test_a_negative_remittance_is_debited_converted():
    r = usd(expected=-2_29)
    candidate = score(r, fx_line(-2_09, ("2.29 USD AU TAUX DE 0.913396",)))
    assert candidate is not None
    assert candidate.score == 130 and not candidate.blocked
