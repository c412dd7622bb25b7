"""The dashboard's figures, as a page renders them: frozen, integer minor units, no float.

Every amount is an `int` of minor units of its currency. Amounts of several currencies are
never added together: a `Totals` keeps one line per currency, sorted by code. A rate is
kept as its two counts; `basis_points` gives it rounded down (9,950 for 99.50 %).
See docs/dashboard.md for the exact definition of each figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class CurrencyTotal:
    currency: str
    count: int
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Totals:
    """A count and an amount per currency (sorted by currency)."""

    by_currency: tuple[CurrencyTotal, ...] = ()

    @property
    def count(self) -> int:
        return sum(line.count for line in self.by_currency)

    def amount(self, currency: str) -> int:
        """The amount in this currency, 0 when there is none."""
        return sum(line.amount_minor for line in self.by_currency if line.currency == currency)

    @classmethod
    def of(cls, lines: Iterable[tuple[str, int, int]]) -> Totals:
        """(currency, count, amount) lines added up per currency."""
        sums: dict[str, tuple[int, int]] = {}
        for currency, count, amount in lines:
            before_count, before_amount = sums.get(currency, (0, 0))
            sums[currency] = (before_count + count, before_amount + amount)
        return cls(
            tuple(
                CurrencyTotal(currency, count, amount)
                for currency, (count, amount) in sorted(sums.items())
            )
        )


@dataclass(frozen=True, slots=True)
class DayVolumes:
    """One day's accepted payments, refunds and refused payments."""

    day: date
    payments: Totals
    refunds: Totals
    refused: Totals


@dataclass(frozen=True, slots=True)
class Volumes:
    """The volumes of the days `first_day` to `last_day` (shop-local days), in all and day
    by day (every day of the span, days without any included)."""

    first_day: date
    last_day: date
    payments: Totals
    refunds: Totals
    refused: Totals
    days: tuple[DayVolumes, ...]


@dataclass(frozen=True, slots=True)
class AgeBucket:
    """Remittances awaiting their credit since `first` to `last` business days (`last`
    None: and more)."""

    first: int
    last: int | None
    totals: Totals


@dataclass(frozen=True, slots=True)
class AwaitingCredit:
    """The credits still awaited, by age in business days since the remittance date."""

    buckets: tuple[AgeBucket, ...]
    total: Totals


@dataclass(frozen=True, slots=True)
class ReconciliationRate:
    """The transactions of the remittances whose expected credit date lies in
    `first_due`..`last_due`, by reconciliation status; the rate is `reconciled` over `due`.

    `last_due` is before `first_due` when no expected credit date of the period has passed
    yet (then nothing is counted)."""

    first_due: date
    last_due: date
    counts: tuple[tuple[str, int], ...]  # (status, count) for every status, in a fixed order
    reconciled: int  # reconciled + reconciled_manual
    due: int  # every status but not_applicable

    def count(self, status: str) -> int:
        return dict(self.counts).get(status, 0)

    @property
    def basis_points(self) -> int | None:
        """The rate in basis points, rounded down (None when nothing was due)."""
        return None if self.due == 0 else self.reconciled * 10_000 // self.due


@dataclass(frozen=True, slots=True)
class ForecastDay:
    day: date
    totals: Totals  # count: remittances expected that day


@dataclass(frozen=True, slots=True)
class Forecast:
    """The credits expected on each of the next business days, those overdue (expected
    before today, still not credited) and those expected after the last day shown."""

    days: tuple[ForecastDay, ...]
    overdue: Totals
    later: Totals


@dataclass(frozen=True, slots=True)
class Dashboard:
    today: date
    period_first: date
    period_last: date
    today_volumes: Volumes
    period_volumes: Volumes
    awaiting_credit: AwaitingCredit
    reconciliation: ReconciliationRate
    anomalies: Totals  # transactions in `anomaly`; amounts signed (refunds negative)
    open_suggestions: int
    chargebacks: Totals  # payments taken back by a chargeback recorded in the period
    forecast: Forecast
