"""Stage 3, score: each criterion of a candidate, with what was expected, what the line
shows and the points it earns (docs/matching.md lists them).

A candidate's score is the sum of its criteria's points; whether it may be applied is
decided later (`decide`), knowing the other candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pointage.matching.candidate import Candidate, join_anomalies
from pointage.matching.days import BusinessDays
from pointage.matching.evidence import amount_text, day_text, failed, partial, passed
from pointage.matching.model import BankMovement, Criterion, ExpectedCredit, Rule
from pointage.matching.normalise import Variant, variants
from pointage.matching.references import LineText, reference_criterion

AMOUNT = "amount"
VALUE_DATE = "value_date"
POINTS_AMOUNT_EXACT = 40
POINTS_AMOUNT_TOLERANCE = 30
POINTS_DATE_EXPECTED = 30
POINTS_DATE_WINDOW = 15
# A credit that differs from the expected amount by more than this share (percent) is never
# applied automatically, whatever else agrees: it is more likely another movement.
MAX_AUTOMATIC_DIFFERENCE_PERCENT = 10


@dataclass(frozen=True, slots=True)
class AmountReading:
    criterion: Criterion
    difference_minor: int  # booked - the amount it was compared with
    explained: bool  # equal to a variant, or within the contract's tolerance of one


def amount_criterion(remittance: ExpectedCredit, booked_minor: int, currency: str) -> AmountReading:
    """The booked amount against the remittance's variants: exact, within the contract's
    tolerance, or wrong by how much."""
    options = variants(remittance)
    for variant in options:
        if booked_minor == variant.amount_minor:
            return AmountReading(_exact(variant, currency, booked_minor), 0, True)
    tolerance = remittance.fee_schedule.tolerance_minor
    if tolerance > 0:
        near = min(options, key=lambda v: abs(booked_minor - v.amount_minor))
        difference = booked_minor - near.amount_minor
        if abs(difference) <= tolerance:
            note = (
                f"{near.name}, {_more_or_less(difference, currency)}: within the contract's"
                f" tolerance of {amount_text(tolerance, currency)}"
            )
            criterion = partial(
                AMOUNT,
                amount_text(near.amount_minor, currency),
                amount_text(booked_minor, currency),
                POINTS_AMOUNT_TOLERANCE,
                note,
            )
            return AmountReading(criterion, difference, True)
    difference = booked_minor - remittance.expected_credit_minor
    note = f"credited {_more_or_less(difference, currency)} than expected"
    criterion = failed(
        AMOUNT,
        amount_text(remittance.expected_credit_minor, currency),
        amount_text(booked_minor, currency),
        note,
    )
    return AmountReading(criterion, difference, False)


def _exact(variant: Variant, currency: str, booked_minor: int) -> Criterion:
    return passed(
        AMOUNT,
        f"{amount_text(variant.amount_minor, currency)} ({variant.name})",
        amount_text(booked_minor, currency),
        POINTS_AMOUNT_EXACT,
        variant.note,
    )


def _more_or_less(difference: int, currency: str) -> str:
    word = "less" if difference < 0 else "more"
    return f"{amount_text(abs(difference), currency)} {word}"


def difference_too_large(difference_minor: int, expected_minor: int) -> bool:
    return abs(difference_minor) * 100 > abs(expected_minor) * MAX_AUTOMATIC_DIFFERENCE_PERCENT


@dataclass(frozen=True, slots=True)
class DateReading:
    criterion: Criterion
    late_business_days: int  # past expected date + grace
    anomaly: str | None


def date_criterion(
    days: BusinessDays, expected: date, grace_business_days: int, value_date: date
) -> DateReading:
    """The value date against the expected credit date, in business days."""
    offset = days.offset(expected, value_date)
    shown = day_text(expected)
    actual = day_text(value_date)
    if offset == 0:
        return DateReading(
            passed(VALUE_DATE, shown, actual, POINTS_DATE_EXPECTED, "on the expected date"),
            0,
            None,
        )
    if offset < 0:
        note = f"{_business_days(-offset)} early"
        return DateReading(partial(VALUE_DATE, shown, actual, POINTS_DATE_WINDOW, note), 0, None)
    if offset <= grace_business_days:
        note = f"{_business_days(offset)} late, within the grace of {grace_business_days}"
        return DateReading(partial(VALUE_DATE, shown, actual, POINTS_DATE_WINDOW, note), 0, None)
    late = offset - grace_business_days
    anomaly = f"credited {_business_days(offset)} late"
    note = f"{anomaly}, {_business_days(late)} past the grace of {grace_business_days}"
    return DateReading(failed(VALUE_DATE, shown, actual, note), late, anomaly)


def _business_days(count: int) -> str:
    return f"{count} business day" + ("s" if count != 1 else "")


def score_single(
    remittance: ExpectedCredit, entry: BankMovement, line: LineText, days: BusinessDays
) -> Candidate | None:
    """One remittance credited by one line, in the remittance's currency; None when neither
    the reference nor the amount speaks for it."""
    if not (_near_amount(remittance, entry.amount_minor) or _may_name(remittance, line)):
        return None  # most pairs the indexes find: decided before any text is built
    reference = reference_criterion(line, remittance)
    amount = amount_criterion(remittance, entry.amount_minor, entry.currency)
    if not (_speaks(reference.criterion) or _speaks(amount.criterion)):
        return None
    when = date_criterion(
        days, remittance.expected_credit_date, remittance.grace_business_days, entry.value_date
    )
    anomaly = None if amount.explained else amount.criterion.note
    candidate = Candidate(
        rule=Rule.REMITTANCE_CREDIT,
        entry_ids=(entry.id,),
        remittance_ids=(remittance.id,),
        criteria=(reference.criterion, amount.criterion, when.criterion),
        difference_minor=amount.difference_minor,
        late_business_days=when.late_business_days,
        anomaly=join_anomalies(anomaly, when.anomaly),
    )
    if reference.names_other is not None:
        candidate.blocked = reference.names_other
        candidate.contradicted = True
    elif not amount.explained and difference_too_large(
        amount.difference_minor, remittance.expected_credit_minor
    ):
        candidate.blocked = (
            f"the credit differs from the expected amount by more than"
            f" {MAX_AUTOMATIC_DIFFERENCE_PERCENT} %"
        )
    return candidate


def _near_amount(remittance: ExpectedCredit, booked_minor: int) -> bool:
    tolerance = remittance.fee_schedule.tolerance_minor
    return any(abs(booked_minor - v.amount_minor) <= tolerance for v in variants(remittance))


def _may_name(remittance: ExpectedCredit, line: LineText) -> bool:
    """Whether the reference criterion may score: the number and the contract both
    written, or the number read by a pattern in a line naming no other contract."""
    number = remittance.number
    if line.names_contract(remittance.contract_number):
        return number in line.numbers or number in line.hit_numbers
    return number in line.hit_numbers and not line.contracts


def _speaks(criterion: Criterion) -> bool:
    return criterion.points > 0


def worst_date(
    days: BusinessDays, remittances: Sequence[ExpectedCredit], value_dates: Sequence[date]
) -> DateReading:
    """The least convincing date of a group (several remittances, or several lines): a
    group is only as punctual as its latest part."""
    readings = [
        date_criterion(days, r.expected_credit_date, r.grace_business_days, value_date)
        for r in remittances
        for value_date in value_dates
    ]
    return min(
        readings, key=lambda reading: (reading.criterion.points, -reading.late_business_days)
    )
