"""Foreign-currency remittances: a remittance in USD credited in EUR on a EUR account.

The booked amount alone proves nothing (the rate is the bank's), so the line must name the
remittance and its contract, and the conversion is checked only when a complement states
it: "1234.56 USD AU TAUX DE 0.923456" (also "RATE", "TX", a decimal comma). The original
amount must be the remittance's expected credit, and the original times the rate, rounded
half away from zero to the account currency's minor unit, the booked amount. Rates are
integers of millionths, never floats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pointage.core.errors import InvalidInput
from pointage.core.money import exponent, format_amount, to_minor
from pointage.matching.candidate import Candidate, join_anomalies
from pointage.matching.days import BusinessDays
from pointage.matching.evidence import amount_text, failed, info, partial, passed
from pointage.matching.model import BankMovement, Criterion, ExpectedCredit, Outcome, Rule
from pointage.matching.references import LineText, reference_criterion
from pointage.matching.scoring import (
    MAX_AUTOMATIC_DIFFERENCE_PERCENT,
    POINTS_AMOUNT_EXACT,
    POINTS_AMOUNT_TOLERANCE,
    date_criterion,
    difference_too_large,
)

RATE_SCALE = 1_000_000  # a rate is this many millionths
ORIGINAL_AMOUNT = "original_amount"
CONVERSION = "conversion"
_DECIMAL = r"\d+(?:[.,]\d+)?"
_STATED = re.compile(
    rf"(?<![\d.,])(?P<amount>{_DECIMAL}) ?(?P<currency>[A-Z]{{3}})\b[^0-9]{{0,12}}?"
    rf"\b(?:TAUX|RATE|TX)\b(?: DE| OF)?\s*:?\s*(?P<rate>{_DECIMAL})(?![\d])"
)


@dataclass(frozen=True, slots=True)
class Conversion:
    """What a complement says about the conversion."""

    original_minor: int
    currency: str
    rate_millionths: int
    text: str


def stated_conversion(line: LineText, currency: str) -> Conversion | None:
    """The first conversion of `currency` stated in the line, if it can be read exactly."""
    for zone in line.zones:
        for found in _STATED.finditer(zone):
            if found.group("currency") != currency:
                continue
            rate = _millionths(found.group("rate"))
            try:
                original = to_minor(found.group("amount").replace(",", "."), currency)
            except InvalidInput:
                continue
            if rate is not None and rate > 0:
                return Conversion(original, currency, rate, found.group(0))
    return None


def _millionths(text: str) -> int | None:
    whole, _, fraction = text.replace(",", ".").partition(".")
    if len(fraction) > 6:
        return None  # more precise than a rate is written: not read rather than rounded
    return int(whole) * RATE_SCALE + int(fraction.ljust(6, "0") or "0")


def convert(minor: int, source: str, target: str, rate_millionths: int) -> int:
    """`minor` of `source` in `target` minor units at the rate, rounded half away from zero."""
    numerator: int = abs(minor) * rate_millionths * 10 ** exponent(target)
    denominator: int = RATE_SCALE * 10 ** exponent(source)
    magnitude = (2 * numerator + denominator) // (2 * denominator)
    return magnitude if minor >= 0 else -magnitude


def score_foreign(
    remittance: ExpectedCredit, entry: BankMovement, line: LineText, days: BusinessDays
) -> Candidate | None:
    """A foreign-currency remittance against a line of its account; None unless the line
    names the remittance and its contract."""
    reference = reference_criterion(line, remittance).criterion
    if reference.outcome is not Outcome.PASS:
        return None
    when = date_criterion(
        days, remittance.expected_credit_date, remittance.grace_business_days, entry.value_date
    )
    stated = stated_conversion(line, remittance.currency)
    if stated is not None and entry.amount_minor < 0:
        # Complements write amounts unsigned; a debit converts a negative remittance.
        stated = replace(stated, original_minor=-stated.original_minor)
    if stated is None:
        return _unchecked(remittance, entry, reference, when.criterion, when.late_business_days)
    original, difference = _original(remittance, stated)
    conversion, booked_difference = _conversion(entry, stated)
    anomaly = join_anomalies(
        original.note if original.outcome is Outcome.FAIL else None, when.anomaly
    )
    candidate = Candidate(
        rule=Rule.FOREIGN_CURRENCY_CREDIT,
        entry_ids=(entry.id,),
        remittance_ids=(remittance.id,),
        criteria=(reference, original, conversion, when.criterion),
        difference_minor=booked_difference
        or convert(difference, remittance.currency, entry.currency, stated.rate_millionths),
        late_business_days=when.late_business_days,
        anomaly=anomaly,
    )
    if conversion.outcome is Outcome.FAIL:
        candidate.blocked = "the booked amount is not the stated conversion"
    elif difference_too_large(difference, remittance.expected_credit_minor):
        candidate.blocked = (
            f"the original amount differs from the expected one by more than"
            f" {MAX_AUTOMATIC_DIFFERENCE_PERCENT} %"
        )
    return candidate


def _original(remittance: ExpectedCredit, stated: Conversion) -> tuple[Criterion, int]:
    currency = remittance.currency
    expected = remittance.expected_credit_minor
    difference = stated.original_minor - expected
    shown = amount_text(expected, currency)
    actual = amount_text(stated.original_minor, currency)
    if difference == 0:
        return passed(ORIGINAL_AMOUNT, shown, actual, POINTS_AMOUNT_EXACT), 0
    tolerance = remittance.fee_schedule.tolerance_minor
    word = "less" if difference < 0 else "more"
    note = f"credited {amount_text(abs(difference), currency)} {word} than expected"
    if abs(difference) <= tolerance:
        within = f"{note}: within the contract's tolerance"
        return partial(ORIGINAL_AMOUNT, shown, actual, POINTS_AMOUNT_TOLERANCE, within), 0
    return failed(ORIGINAL_AMOUNT, shown, actual, note), difference


def _conversion(entry: BankMovement, stated: Conversion) -> tuple[Criterion, int]:
    converted = convert(
        stated.original_minor, stated.currency, entry.currency, stated.rate_millionths
    )
    rate = f"{stated.rate_millionths // RATE_SCALE}.{stated.rate_millionths % RATE_SCALE:06d}"
    shown = f"{format_amount(stated.original_minor, stated.currency)} {stated.currency} x {rate}"
    expected = f"{shown} = {amount_text(converted, entry.currency)}"
    actual = amount_text(entry.amount_minor, entry.currency)
    if converted == entry.amount_minor:
        return passed(CONVERSION, expected, actual, 0, f"stated: {stated.text}"), 0
    note = "the booked amount is not the stated amount at the stated rate"
    return failed(CONVERSION, expected, actual, note), entry.amount_minor - converted


def _unchecked(
    remittance: ExpectedCredit,
    entry: BankMovement,
    reference: Criterion,
    when: Criterion,
    late: int,
) -> Candidate:
    note = "no original amount and rate stated: the conversion cannot be checked"
    original = info(
        ORIGINAL_AMOUNT,
        amount_text(remittance.expected_credit_minor, remittance.currency),
        amount_text(entry.amount_minor, entry.currency),
        note,
    )
    return Candidate(
        rule=Rule.FOREIGN_CURRENCY_CREDIT,
        entry_ids=(entry.id,),
        remittance_ids=(remittance.id,),
        criteria=(reference, original, when),
        late_business_days=late,
        blocked=note,
    )
