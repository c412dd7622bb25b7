"""The dashboard of a set of shops on a business day: volumes, credits awaited by age,
reconciliation rate, what needs a person (anomalies, suggestions, chargebacks) and the
credits expected on the next business days.

The caller gives the shops the user may see (primary keys) and "today" as a date in the
shops' time zone; the period defaults to the month to date. Nothing is written: a
read-only unit of work is enough. Each figure's exact definition is in docs/dashboard.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from pointage.core.errors import InvalidInput
from pointage.core.statuses import OperationType, ReconciliationStatus
from pointage.dashboard import repository as queries
from pointage.dashboard.days import age_in_business_days, booked_on, next_business_days
from pointage.dashboard.figures import (
    AgeBucket,
    AwaitingCredit,
    Dashboard,
    DayVolumes,
    Forecast,
    ForecastDay,
    ReconciliationRate,
    Totals,
    Volumes,
)

# The ages of the awaited credits, in business days since the remittance date.
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 1), (2, 3), (4, 7), (8, None))
FORECAST_DAYS = 10
RECONCILED = (ReconciliationStatus.RECONCILED.value, ReconciliationStatus.RECONCILED_MANUAL.value)


@dataclass(frozen=True, slots=True)
class Period:
    """Shop-local days `first` to `last`, both included."""

    first: date
    last: date


def month_to_date(today: date) -> Period:
    return Period(today.replace(day=1), today)


def dashboard(
    session: Session, shop_pks: Collection[int], today: date, period: Period | None = None
) -> Dashboard:
    """Every figure of the dashboard of these shops as of `today`."""
    period = period or month_to_date(today)
    if period.first > period.last:
        raise InvalidInput("the period's first day is after its last day", param="from")
    shops = queries.shops(session, set(shop_pks))
    pks = {shop.id for shop in shops}
    period_volumes = volumes(session, pks, period.first, period.last)
    if period.first <= today <= period.last:
        today_volumes = _one_day(period_volumes, today)
    else:
        today_volumes = volumes(session, pks, today, today)
    awaited = queries.awaited_credits(session, pks)
    return Dashboard(
        today=today,
        period_first=period.first,
        period_last=period.last,
        today_volumes=today_volumes,
        period_volumes=period_volumes,
        awaiting_credit=awaiting_credit(awaited, today),
        reconciliation=reconciliation_rate(session, pks, period, today),
        anomalies=_signed(queries.anomalies(session, pks)),
        open_suggestions=open_suggestions(session, pks, {shop.merchant_id for shop in shops}),
        chargebacks=chargebacks(session, shops, period),
        forecast=forecast(awaited, today),
    )


# -- volumes ------------------------------------------------------------------------------


def volumes(session: Session, shop_pks: Collection[int], first: date, last: date) -> Volumes:
    """Accepted payments, refunds and refused payments created on the days first..last."""
    lines: dict[date, dict[str, list[tuple[str, int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in queries.volumes(session, shop_pks, first, last):
        kind = _kind(row.operation_type, row.detailed_status)
        if kind is not None:
            lines[row.day][kind].append((row.currency, row.count, int(row.amount_minor)))
    days = []
    day = first
    while day <= last:
        kinds = lines.get(day, {})
        days.append(
            DayVolumes(
                day,
                Totals.of(kinds.get("payments", ())),
                Totals.of(kinds.get("refunds", ())),
                Totals.of(kinds.get("refused", ())),
            )
        )
        day += timedelta(days=1)
    return _span(first, last, days)


def _kind(operation_type: str, detailed_status: str) -> str | None:
    if detailed_status == queries.REFUSED:
        return "refused" if operation_type == OperationType.DEBIT.value else None
    return "payments" if operation_type == OperationType.DEBIT.value else "refunds"


def _span(first: date, last: date, days: list[DayVolumes]) -> Volumes:
    def total(pick: str) -> Totals:
        return Totals.of(
            (line.currency, line.count, line.amount_minor)
            for day in days
            for line in getattr(day, pick).by_currency
        )

    return Volumes(first, last, total("payments"), total("refunds"), total("refused"), tuple(days))


def _one_day(period: Volumes, day: date) -> Volumes:
    return _span(day, day, [volumes for volumes in period.days if volumes.day == day])


# -- credits awaited: by age, and the forecast ------------------------------------------------


def awaiting_credit(rows: Iterable[queries.AwaitedRow], today: date) -> AwaitingCredit:
    """The awaited credits by age in business days since their remittance date."""
    cap = AGE_BUCKETS[-1][0]
    lines: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    everything: list[tuple[str, int, int]] = []
    for row in rows:
        age = age_in_business_days(row.remittance_date, today, cap)
        line = (row.currency, row.count, int(row.amount_minor))
        lines[_bucket(age)].append(line)
        everything.append(line)
    buckets = tuple(
        AgeBucket(first, last, Totals.of(lines.get(n, ())))
        for n, (first, last) in enumerate(AGE_BUCKETS)
    )
    return AwaitingCredit(buckets, Totals.of(everything))


def _bucket(age: int) -> int:
    for n, (first, last) in enumerate(AGE_BUCKETS):
        if first <= age and (last is None or age <= last):
            return n
    raise AssertionError(f"no bucket for the age {age}")  # the buckets cover 0 and more


def forecast(rows: Iterable[queries.AwaitedRow], today: date) -> Forecast:
    """The awaited credits on each of the next business days (from today when it is
    one), those already overdue, and those expected later."""
    days = next_business_days(today, FORECAST_DAYS)
    lines: dict[date, list[tuple[str, int, int]]] = defaultdict(list)
    overdue: list[tuple[str, int, int]] = []
    later: list[tuple[str, int, int]] = []
    for row in rows:
        line = (row.currency, row.count, int(row.amount_minor))
        booked = booked_on(row.expected_credit_date)
        if row.expected_credit_date < today:
            overdue.append(line)
        elif booked > days[-1]:
            later.append(line)
        else:
            lines[booked].append(line)
    return Forecast(
        tuple(ForecastDay(day, Totals.of(lines.get(day, ()))) for day in days),
        Totals.of(overdue),
        Totals.of(later),
    )


# -- reconciliation -------------------------------------------------------------------------


def reconciliation_rate(
    session: Session, shop_pks: Collection[int], period: Period, today: date
) -> ReconciliationRate:
    """The statuses of the transactions of the remittances expected to be credited in the
    period, before today; reconciled (automatically or by a person) over all but those
    with nothing to credit."""
    last_due = min(period.last, today - timedelta(days=1))
    found: dict[str, int] = {}
    if last_due >= period.first:
        found = queries.statuses_of_due(session, shop_pks, period.first, last_due)
    counts = tuple((status.value, found.get(status.value, 0)) for status in ReconciliationStatus)
    due = sum(count for status, count in counts if status != ReconciliationStatus.NOT_APPLICABLE)
    reconciled = sum(found.get(status, 0) for status in RECONCILED)
    return ReconciliationRate(period.first, last_due, counts, reconciled, due)


def open_suggestions(
    session: Session, shop_pks: Collection[int], merchant_ids: Collection[int]
) -> int:
    """The merchants' open suggestions whose every entry, remittance and transaction
    belongs to the shops (as the lists show a suggestion only to whom sees all it names)."""
    claims = queries.open_suggestions(session, merchant_ids)
    entries = queries.entries_of_shops(
        session, shop_pks, {i for claim in claims for i in claim.entry_ids}
    )
    remittances = queries.remittances_of_shops(
        session, shop_pks, {i for claim in claims for i in claim.remittance_ids}
    )
    transactions = queries.transactions_of_shops(
        session, shop_pks, {i for claim in claims for i in claim.transaction_ids}
    )
    return sum(
        1
        for claim in claims
        if entries.issuperset(claim.entry_ids)
        and remittances.issuperset(claim.remittance_ids)
        and transactions.issuperset(claim.transaction_ids)
    )


def chargebacks(session: Session, shops: Iterable[queries.ShopFacts], period: Period) -> Totals:
    """Payments taken back by a chargeback match made on the period's days, each shop's
    days in its own time zone."""
    by_zone: dict[str, list[int]] = defaultdict(list)
    for shop in shops:
        by_zone[shop.timezone].append(shop.id)
    rows: list[queries.SignedRow] = []
    for zone, pks in sorted(by_zone.items()):
        start, end = _instants(ZoneInfo(zone), period)
        rows += queries.chargebacks(session, pks, start, end)
    return _signed(rows)


def _instants(zone: ZoneInfo, period: Period) -> tuple[datetime, datetime]:
    """The period's local days as UTC instants [start, end)."""
    start = datetime.combine(period.first, time(0), tzinfo=zone)
    end = datetime.combine(period.last + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _signed(rows: Iterable[queries.SignedRow]) -> Totals:
    """Rows per type and currency as Totals; a refund's amount counts negative."""
    return Totals.of(
        (
            row.currency,
            row.count,
            -int(row.amount_minor)
            if row.operation_type == OperationType.CREDIT.value
            else int(row.amount_minor),
        )
        for row in rows
    )
