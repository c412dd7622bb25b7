"""Finding what a commission debit covers: the contract and the months of fees its text
names, whether a set of fees agrees with its amount (exactly, or at an implied exchange
rate), and the sets of fees that add up to it.

Acquirers write the month in many ways: "03/2026", "03-2026", "2026-03", "202603", "MARS
2026", "FEVR." (the year then is the latest one not after the booking), and sometimes glue
it to the contract in a reference ("COM2026039351234567"). A contract is named by its
number, as a whole number: 935123 is not named by 9351234567.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from pointage.core.money import exponent
from pointage.matching.evidence import amount_text, failed, partial, passed
from pointage.matching.model import BankMovement, Criterion, ExpectedCredit
from pointage.matching.text import normal, searchable, whole_numbers

CONTRACT_POINTS = 30
MONTH_POINTS = 20
AMOUNT_POINTS = 40
CONVERTED_AMOUNT_POINTS = 25  # the amount agrees at an implied rate, not to the cent
RATE_SCALE = 1_000_000  # rates are integers of millionths: 923456 is 0.923456
# An implied rate outside this range is not a conversion but another amount.
IMPLIED_RATE_RANGE = (500_000, 2_000_000)

# "03/2026", "3-2026", "03.2026"; not the end of a full date "15/03/2026".
_MONTH_YEAR = re.compile(
    r"(?<![0-9])(?<![0-9][/.-])(?P<month>0?[1-9]|1[0-2])[/.-](?P<year>20[0-9]{2})"
    r"(?![0-9]|[/.-][0-9])"
)
# "2026-03", "2026/03"; not the start of a full date "2026-03-15".
_YEAR_MONTH = re.compile(
    r"(?<![0-9])(?<![0-9][/.-])(?P<year>20[0-9]{2})[/-](?P<month>0[1-9]|1[0-2])"
    r"(?![0-9]|[/.-][0-9])"
)
# French month names and their usual abbreviations, as normal() writes them (no accents).
FRENCH_MONTHS: dict[str, int] = {
    "JANVIER": 1,
    "JANV": 1,
    "FEVRIER": 2,
    "FEVR": 2,
    "FEV": 2,
    "MARS": 3,
    "AVRIL": 4,
    "AVR": 4,
    "MAI": 5,
    "JUIN": 6,
    "JUILLET": 7,
    "JUIL": 7,
    "AOUT": 8,
    "SEPTEMBRE": 9,
    "SEPT": 9,
    "OCTOBRE": 10,
    "OCT": 10,
    "NOVEMBRE": 11,
    "NOV": 11,
    "DECEMBRE": 12,
    "DEC": 12,
}
_MONTH_NAME = re.compile(
    r"(?<![A-Z0-9])(?P<name>"
    + "|".join(sorted(FRENCH_MONTHS, key=len, reverse=True))
    + r")\.?(?: (?P<year>20[0-9]{2}))?(?![A-Z0-9])"
)
YEAR_MONTH_DIGITS = 6  # "202603"
# The subset search gives up above this target (minor units): a person searches then.
MAX_SUBSET_TARGET = 5_000_000


@dataclass(frozen=True, slots=True)
class LineReading:
    """What a line names, each with the text it was read from (shown in the evidence)."""

    contracts: dict[str, str] = field(default_factory=dict)  # contract number -> text
    months: dict[date, str] = field(default_factory=dict)  # first day of the month -> text


def read_line(entry: BankMovement, known_contracts: Iterable[str]) -> LineReading:
    """The contracts among `known_contracts` and the months the line's texts name."""
    text = searchable(entry)
    booked_on = entry.booking_date or entry.value_date
    reading = LineReading()
    known = set(known_contracts)
    for number in whole_numbers(text):
        if number in known:
            reading.contracts.setdefault(number, number)
        elif len(number) == YEAR_MONTH_DIGITS and (month := _year_month(number)):
            reading.months.setdefault(month, number)
        elif number[YEAR_MONTH_DIGITS:] in known and (month := _year_month(number)):
            # A reference made of the month and the contract: "COM" + "202603" + contract.
            reading.contracts.setdefault(number[YEAR_MONTH_DIGITS:], number)
            reading.months.setdefault(month, number)
    for contract in known:
        if not contract.isdigit() and _names_token(text, normal(contract)):
            reading.contracts.setdefault(contract, contract)
    for pattern in (_MONTH_YEAR, _YEAR_MONTH):
        for found in pattern.finditer(text):
            month = date(int(found["year"]), int(found["month"]), 1)
            reading.months.setdefault(month, found.group())
    for found in _MONTH_NAME.finditer(text):
        month = _named_month(FRENCH_MONTHS[found["name"]], found["year"], booked_on)
        reading.months.setdefault(month, found.group())
    return reading


def _year_month(digits: str) -> date | None:
    """The month of digits starting with a plausible YYYYMM: '202603…' -> 2026-03-01."""
    year, month = int(digits[:4]), int(digits[4:6])
    if 2000 <= year <= 2099 and 1 <= month <= 12:
        return date(year, month, 1)
    return None


def _named_month(month: int, year: str | None, booked_on: date) -> date:
    """A month named without its year is the latest one not after the booking."""
    if year:
        return date(int(year), month, 1)
    return date(booked_on.year if month <= booked_on.month else booked_on.year - 1, month, 1)


def _names_token(text: str, token: str) -> bool:
    """Whether `token` stands alone in `text` (not inside a longer word or number)."""
    return re.search(rf"(?<![0-9A-Z]){re.escape(token)}(?![0-9A-Z])", text) is not None


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_text(month: date) -> str:
    """'2026-03'."""
    return f"{month:%Y-%m}"


def months_before(day: date, count: int) -> list[date]:
    """The first days of the `count` months before the month of `day`, latest first."""
    months = []
    year, month = day.year, day.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append(date(year, month, 1))
    return months


@dataclass(frozen=True, slots=True)
class FeeSubset:
    items: tuple[ExpectedCredit, ...]
    unique: bool  # no other subset of the candidates has the same sum


def fee_subset(remittances: Sequence[ExpectedCredit], target: int) -> FeeSubset | None:
    """Remittances whose fees add up to `target` exactly, and whether no other choice does;
    None when none does, or when the target is above MAX_SUBSET_TARGET.

    Partial sums are bits of integers (bit s set: some subset sums to s), so each fee costs
    a few shifts whatever the number of subsets: `one` holds the sums reached at least once,
    `two` those reached by two subsets or more. Fees are positive: sums above the target
    are dropped."""
    if not 0 < target <= MAX_SUBSET_TARGET or any(r.fee_minor <= 0 for r in remittances):
        return None
    keep = (1 << (target + 1)) - 1
    one, two = 1, 0
    reached_before: list[int] = []  # `one` before each remittance, to find the subset back
    for remittance in remittances:
        reached_before.append(one)
        fee = remittance.fee_minor
        two = (two | two << fee | (one & one << fee)) & keep
        one = (one | one << fee) & keep
    if not one >> target & 1:
        return None
    chosen = []
    rest = target
    for index in range(len(remittances) - 1, -1, -1):
        if not reached_before[index] >> rest & 1:  # the sum needs this remittance
            chosen.append(remittances[index])
            rest -= remittances[index].fee_minor
    return FeeSubset(tuple(reversed(chosen)), unique=not two >> target & 1)


def amount_criterion(covered: Sequence[ExpectedCredit], entry: BankMovement) -> Criterion:
    """The debit against the fees: equal in the account's currency; at a plausible implied
    rate for the fees in a foreign currency."""
    currency, debit = entry.currency, -entry.amount_minor
    actual = amount_text(debit, currency)
    domestic = sum(r.fee_minor for r in covered if r.currency == currency)
    foreign: dict[str, int] = defaultdict(int)
    for remittance in covered:
        if remittance.currency != currency:
            foreign[remittance.currency] += remittance.fee_minor
    parts = [amount_text(domestic, currency)] if domestic or not foreign else []
    expected = " + ".join([*parts, *(amount_text(f, c) for c, f in sorted(foreign.items()))])
    fees = f"the fees of {len(covered)} remittances"
    if not foreign:
        if domestic == debit:
            return passed("amount", expected, actual, AMOUNT_POINTS, fees)
        gap = amount_text(abs(debit - domestic), currency)
        more = "more" if debit > domestic else "less"
        return failed("amount", expected, actual, f"the debit is {gap} {more} than {fees}")
    if len(foreign) > 1:
        return failed("amount", expected, actual, "fees in several foreign currencies")
    if domestic >= debit:
        return failed("amount", expected, actual, f"the fees in {currency} alone reach the debit")
    ((foreign_currency, foreign_fees),) = foreign.items()
    rate = implied_rate(debit - domestic, currency, foreign_fees, foreign_currency)
    converted = (
        f"{amount_text(foreign_fees, foreign_currency)} at the implied rate {rate_text(rate)}"
    )
    if not IMPLIED_RATE_RANGE[0] <= rate <= IMPLIED_RATE_RANGE[1]:
        return failed(
            "amount", expected, actual, f"foreign-currency fees {converted}: not a plausible rate"
        )
    note = f"foreign-currency fees {converted}"
    return partial("amount", expected, actual, CONVERTED_AMOUNT_POINTS, note)


def implied_rate(converted_minor: int, currency: str, foreign_minor: int, foreign: str) -> int:
    """The rate (millionths, rounded half up) that turns `foreign_minor` of `foreign` into
    `converted_minor` of `currency`, minding each currency's decimals."""
    foreign_scale: int = 10 ** exponent(foreign)
    scale: int = 10 ** exponent(currency)
    numerator = converted_minor * RATE_SCALE * foreign_scale
    denominator = foreign_minor * scale
    return (2 * numerator + denominator) // (2 * denominator)


def rate_text(rate: int) -> str:
    """'0.923456' for 923456."""
    whole, fraction = divmod(rate, RATE_SCALE)
    return f"{whole}.{fraction:06d}"
