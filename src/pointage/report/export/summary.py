"""The export's summary, added up while the lines stream: totals by reconciliation status,
and the ageing of the payments still awaiting their credit.

Amounts are what the transactions bring to the account: a payment counts for its amount, a
refund against it, a card verification for nothing. The age of a transaction awaiting its
credit (`pending` or `to_review`) is the number of business days from its remittance's
expected credit date to the day of the export (French bank holidays and TARGET closing
days are not business days): a credit expected on a Friday is 1 day old on the Monday.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from pointage.core.calendar import business_days_between
from pointage.core.money import Money
from pointage.core.statuses import OperationType, ReconciliationStatus
from pointage.formats.xlsx_stream import Cell, Heading

AWAITING = frozenset({ReconciliationStatus.PENDING.value, ReconciliationStatus.TO_REVIEW.value})
NOT_YET_DUE = "not yet due"
NO_DATE = "no expected date"
# (label, first age, last age); ages in business days since the expected credit date.
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–1", 0, 1),
    ("2–3", 2, 3),
    ("4–7", 4, 7),
    ("8+", 8, None),
)
BUCKET_ORDER = (NOT_YET_DUE, *(label for label, _, _ in AGE_BUCKETS), NO_DATE)


def age_bucket(age: int | None) -> str:
    if age is None:
        return NO_DATE
    if age < 0:
        return NOT_YET_DUE
    for label, first, last in AGE_BUCKETS:
        if age >= first and (last is None or age <= last):
            return label
    raise AssertionError(age)  # the last bucket has no end


def signed_amount(operation_type: str, amount_minor: int) -> int:
    if operation_type == OperationType.DEBIT.value:
        return amount_minor
    if operation_type == OperationType.CREDIT.value:
        return -amount_minor
    return 0


@dataclass
class Tally:
    count: int = 0
    amount_minor: int = 0


@dataclass
class Summary:
    """Totals of the lines written, keyed by (status, currency) and (age bucket, currency)."""

    today: date
    lines: int = 0
    by_status: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    ageing: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    _ages: dict[date, int] = field(default_factory=dict, repr=False)

    def add(
        self,
        status: str,
        currency: str,
        operation_type: str,
        amount_minor: int,
        expected_credit_date: date | None,
    ) -> None:
        amount = signed_amount(operation_type, amount_minor)
        self.lines += 1
        tally = self.by_status[(status, currency)]
        tally.count += 1
        tally.amount_minor += amount
        if status in AWAITING:
            aged = self.ageing[(age_bucket(self._age(expected_credit_date)), currency)]
            aged.count += 1
            aged.amount_minor += amount

    def _age(self, expected: date | None) -> int | None:
        # A million lines share a few hundred expected dates: each is counted once.
        if expected is None:
            return None
        age = self._ages.get(expected)
        if age is None:
            age = self._ages[expected] = business_days_between(expected, self.today)
        return age

    @property
    def currencies(self) -> list[str]:
        return sorted({currency for _, currency in self.by_status})


def summary_cells(
    summary: Summary, *, generated_at: datetime, filters: str
) -> Iterator[list[Cell]]:
    """The summary sheet, row by row: what was exported, then the two tables."""
    yield [Heading("Reconciliation state")]
    yield ["Generated (UTC)", generated_at]
    yield ["Ageing as of", summary.today]
    yield ["Filters", filters]
    yield ["Transactions", summary.lines]
    yield []
    yield [Heading("Totals by reconciliation status")]
    yield [Heading("Status"), Heading("Currency"), Heading("Transactions"), Heading("Amount")]
    statuses = [status.value for status in ReconciliationStatus]
    yield from _table(summary.by_status, statuses, summary.currencies)
    yield []
    yield [Heading("Ageing of payments awaiting credit (pending and to review)")]
    yield [
        Heading("Business days since expected credit"),
        Heading("Currency"),
        Heading("Transactions"),
        Heading("Amount"),
    ]
    undated = any(bucket == NO_DATE for bucket, _ in summary.ageing)
    buckets = [bucket for bucket in BUCKET_ORDER if bucket != NO_DATE or undated]
    yield from _table(summary.ageing, buckets, summary.currencies)


def _table(
    tallies: dict[tuple[str, str], Tally], keys: list[str], currencies: list[str]
) -> Iterator[list[Cell]]:
    """One row per key and currency, zeros included; without any line, one row per key."""
    for key in keys:
        if not currencies:
            yield [key, None, 0, 0]
        for currency in currencies:
            tally = tallies.get((key, currency), Tally())
            yield [key, currency, tally.count, Money(tally.amount_minor, currency)]
