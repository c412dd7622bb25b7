"""Money: integer minor units, ISO 4217 exponents, exact conversions at the edges."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pointage.core.errors import InvalidAmount, UnknownCurrency
from pointage.core.money import (
    Money,
    exponent,
    format_amount,
    percentage_of,
    to_decimal,
    to_minor,
)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.34", "EUR", 1234),
        ("12.3", "EUR", 1230),
        ("12", "EUR", 1200),
        ("-12.34", "EUR", -1234),
        ("0.01", "EUR", 1),
        ("12.340", "EUR", 1234),  # a trailing zero is not an extra decimal
        ("1E+2", "EUR", 10_000),
        ("1234", "JPY", 1234),
        ("1234.0", "JPY", 1234),
        ("12.345", "TND", 12_345),
        ("0.001", "TND", 1),
        ("-0.00", "EUR", 0),
        ("9999999999999999.99", "EUR", 999_999_999_999_999_999),
    ],
)
def test_to_minor_converts_exactly(text: str, currency: str, minor: int) -> None:
    assert to_minor(text, currency) == minor
    assert to_minor(Decimal(text), currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("12.345", "EUR"),
        ("0.001", "EUR"),
        ("12.5", "JPY"),
        ("1.0001", "TND"),
        # 30 significant digits: a 28-digit context would round the last one away.
        ("12.3400000000000000000000000001", "EUR"),
        ("1E-999999999", "EUR"),
    ],
)
def test_to_minor_refuses_more_decimals_than_the_currency_has(text: str, currency: str) -> None:
    with pytest.raises(InvalidAmount, match="more decimals than"):
        to_minor(text, currency)


@pytest.mark.parametrize(
    "text", ["abc", "", "12,34", "1.2.3", "12 EUR", "--1", "1_000", "1_000.00"]
)
def test_to_minor_refuses_what_is_not_a_number(text: str) -> None:
    with pytest.raises(InvalidAmount, match="not a decimal amount"):
        to_minor(text, "EUR")


@pytest.mark.parametrize("text", ["NaN", "sNaN", "Infinity", "-Infinity", "inf"])
def test_to_minor_refuses_nan_and_infinity(text: str) -> None:
    with pytest.raises(InvalidAmount, match="not a finite amount"):
        to_minor(text, "EUR")


@pytest.mark.parametrize("text", ["1e1000000", "10000000000000000", "-1E+17"])
def test_to_minor_refuses_amounts_out_of_range(text: str) -> None:
    with pytest.raises(InvalidAmount, match="out of range"):
        to_minor(text, "EUR")


def test_to_minor_of_zero_with_a_huge_exponent_is_zero() -> None:
    assert to_minor("0E+999999999", "EUR") == 0


@pytest.mark.parametrize("currency", ["XYZ", "eur", "", "EURO"])
def test_unknown_currency_is_refused(currency: str) -> None:
    with pytest.raises(UnknownCurrency, match="unknown ISO 4217 currency"):
        to_minor("1", currency)
    with pytest.raises(UnknownCurrency):
        format_amount(1, currency)


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("JPY", 0), ("TND", 3), ("KWD", 3)])
def test_exponent_follows_iso_4217(currency: str, digits: int) -> None:
    assert exponent(currency) == digits


@pytest.mark.parametrize(
    ("minor", "currency", "decimal", "text"),
    [
        (1234, "EUR", Decimal("12.34"), "12.34"),
        (5, "EUR", Decimal("0.05"), "0.05"),
        (-1234, "EUR", Decimal("-12.34"), "-12.34"),
        (1200, "EUR", Decimal("12.00"), "12.00"),
        (0, "EUR", Decimal("0"), "0.00"),
        (1234, "JPY", Decimal("1234"), "1234"),
        (12_345, "TND", Decimal("12.345"), "12.345"),
        (10, "TND", Decimal("0.010"), "0.010"),
    ],
)
def test_to_decimal_and_format_amount(
    minor: int, currency: str, decimal: Decimal, text: str
) -> None:
    assert to_decimal(minor, currency) == decimal
    assert format_amount(minor, currency) == text
    assert to_minor(format_amount(minor, currency), currency) == minor


@pytest.mark.parametrize(
    ("minor", "basis_points", "fee"),
    [
        (10_000, 80, 80),  # 0.80 % of 100.00
        (1_000, 80, 8),
        (62, 80, 0),  # 0.496 -> 0
        (63, 80, 1),  # 0.504 -> 1
        (625, 80, 5),  # exactly 5.0
        (6_250, 8, 5),  # exactly 5.0
        (6_875, 8, 6),  # 5.5 -> 6, half up
        (1_875, 8, 2),  # 1.5 -> 2
        (3_125, 8, 3),  # 2.5 -> 3, not banker's 2
        (-6_875, 8, -6),  # -5.5 -> -6: half up is away from zero on a debit too
        (0, 80, 0),
        (12_345, 10_000, 12_345),
    ],
)
def test_percentage_of_rounds_half_up(minor: int, basis_points: int, fee: int) -> None:
    assert percentage_of(minor, basis_points) == fee


def test_money_adds_and_subtracts_the_same_currency() -> None:
    total = Money(1234, "EUR") + Money(66, "EUR") - Money(100, "EUR")
    assert total == Money(1200, "EUR")
    assert -total == Money(-1200, "EUR")
    assert str(total) == "12.00 EUR"
    assert str(Money(1234, "JPY")) == "1234 JPY"


def test_money_refuses_to_mix_currencies() -> None:
    with pytest.raises(InvalidAmount, match="cannot combine EUR and USD"):
        Money(1, "EUR") + Money(1, "USD")
    with pytest.raises(InvalidAmount, match="cannot combine EUR and JPY"):
        Money(1, "EUR") - Money(1, "JPY")


@pytest.mark.parametrize("minor", [12.34, 1.0, True, False, Decimal("12"), "12"])
def test_money_refuses_anything_but_an_int(minor: object) -> None:
    with pytest.raises(InvalidAmount, match="integer minor units"):
        Money(minor, "EUR")  # type: ignore[arg-type]


def test_money_refuses_an_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency):
        Money(1, "ZZZ")
