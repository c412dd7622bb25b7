"""The filters of the transaction list (`GET /v1/transactions`), read and checked.

Each filter is named as its query parameter; a value that makes no sense is refused naming
that parameter. Creation bounds are dates in the shop's time zone or instants with a zone:

- `created_from=2026-03-02`: created on or after midnight of 2 March in the shop's zone;
- `created_to=2026-03-02`: created up to the end of 2 March in the shop's zone (included);
- `created_from=2026-03-02T10:00:00+01:00`: on or after that instant; `created_to`
  with an instant: on or before it.

Both become UTC instants compared with `created_at`, which the list is ordered by: a page of
a date range is read from the shop's creation-time index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pointage.core.errors import InvalidInput
from pointage.core.statuses import (
    DetailedStatus,
    DisputeFlag,
    OperationType,
    ReconciliationStatus,
    Status,
)

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_ORDER_ID = 64
MAX_CONTRACT = 20


@dataclass(frozen=True, slots=True)
class TransactionFilters:
    """Every field narrows the list; an empty one does not filter. Amounts are minor units,
    compared with the transaction's current amount whatever its currency."""

    created_from: datetime | None = None  # UTC instant, included
    created_to: datetime | None = None  # UTC instant, included
    created_before: datetime | None = None  # UTC instant, excluded (a `created_to` day)
    capture_date_from: date | None = None
    capture_date_to: date | None = None
    statuses: tuple[str, ...] = ()
    detailed_statuses: tuple[str, ...] = ()
    reconciliation_statuses: tuple[str, ...] = ()
    disputes: tuple[str, ...] = ()
    operation_types: tuple[str, ...] = ()
    order_id: str | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    remittance_id: int | None = None
    remittance_number: int | None = None
    contract: str | None = None
    transaction_id: str | None = None  # the gateway's 6-digit id (unique per shop and day)
    card_last4: str | None = None  # the last four digits of the masked card number


@dataclass(frozen=True, slots=True)
class RawFilters:
    """The query parameters as given (repeatable ones as lists)."""

    created_from: str | None = None
    created_to: str | None = None
    capture_date_from: date | None = None
    capture_date_to: date | None = None
    status: list[str] | None = None
    detailed_status: list[str] | None = None
    reconciliation_status: list[str] | None = None
    dispute: list[str] | None = None
    operation_type: list[str] | None = None
    order_id: str | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    remittance: int | None = None
    remittance_number: int | None = None
    contract: str | None = None


def read(raw: RawFilters, timezone: str) -> TransactionFilters:
    """The filters checked and spelled as stored, or InvalidInput naming the parameter."""
    created_from, created_to, created_before = _created_bounds(raw, ZoneInfo(timezone))
    _check_order(raw.capture_date_from, raw.capture_date_to, "capture_date_from")
    _check_order(raw.amount_min, raw.amount_max, "amount_min")
    if raw.order_id is not None and not 0 < len(raw.order_id) <= MAX_ORDER_ID:
        raise InvalidInput(f"an order id has 1 to {MAX_ORDER_ID} characters", param="order_id")
    if raw.contract is not None and not 0 < len(raw.contract) <= MAX_CONTRACT:
        raise InvalidInput(
            f"a contract number has 1 to {MAX_CONTRACT} characters", param="contract"
        )
    return TransactionFilters(
        created_from=created_from,
        created_to=created_to,
        created_before=created_before,
        capture_date_from=raw.capture_date_from,
        capture_date_to=raw.capture_date_to,
        statuses=known(raw.status, Status, "status", upper=True),
        detailed_statuses=known(raw.detailed_status, DetailedStatus, "detailed_status", upper=True),
        reconciliation_statuses=known(
            raw.reconciliation_status, ReconciliationStatus, "reconciliation_status"
        ),
        disputes=known(raw.dispute, DisputeFlag, "dispute"),
        operation_types=known(raw.operation_type, OperationType, "operation_type", upper=True),
        order_id=raw.order_id,
        amount_min=raw.amount_min,
        amount_max=raw.amount_max,
        remittance_id=raw.remittance,
        remittance_number=raw.remittance_number,
        contract=raw.contract,
    )


def _created_bounds(
    raw: RawFilters, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """(from, to, before): `created_to` is an included instant, or a date that stands for
    the instant its next day begins, excluded (`before`)."""
    low = _instant(raw.created_from, "created_from", zone, next_day=False)
    high = _instant(raw.created_to, "created_to", zone, next_day=True)
    to_is_day = raw.created_to is not None and _DAY.fullmatch(raw.created_to.strip()) is not None
    if low is not None and high is not None and (low > high or (to_is_day and low == high)):
        raise InvalidInput("`created_from` is after `created_to`", param="created_from")
    if to_is_day:
        return low, None, high
    return low, high, None


def _instant(value: str | None, param: str, zone: ZoneInfo, *, next_day: bool) -> datetime | None:
    """A creation bound as a UTC instant: a date is midnight of that day in the shop's zone
    (of the next day for `created_to`); an instant needs a zone."""
    if value is None:
        return None
    text = value.strip()
    try:
        if _DAY.fullmatch(text):
            day = date.fromisoformat(text) + timedelta(days=1 if next_day else 0)
            return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        instant = datetime.fromisoformat(text)
        if instant.tzinfo is None:
            raise InvalidInput(
                f"{value!r} has no time zone: add one (Z, +01:00) or give a date", param=param
            )
        return instant.astimezone(UTC)
    except ValueError:
        raise InvalidInput(
            f"{value!r} is neither a date (YYYY-MM-DD) nor an ISO 8601 instant", param=param
        ) from None
    except OverflowError:  # a day or instant at the very edge of the calendar
        raise InvalidInput(f"{value!r} is out of range", param=param) from None


def _check_order(low: int | date | None, high: int | date | None, param: str) -> None:
    if low is not None and high is not None and low > high:  # type: ignore[operator]
        other = param.replace("_from", "_to").replace("_min", "_max")
        raise InvalidInput(f"`{param}` is after `{other}`", param=param)


def known(
    values: list[str] | None, vocabulary: type[StrEnum], param: str, *, upper: bool = False
) -> tuple[str, ...]:
    """Repeatable or comma-separated values, each of the vocabulary, spelled as stored."""
    allowed = [item.value for item in vocabulary]
    out: list[str] = []
    for given in values or ():
        for part in given.split(","):
            spelled = part.strip().upper() if upper else part.strip().lower()
            if spelled not in allowed:
                raise InvalidInput(
                    f"unknown {param.replace('_', ' ')} {part.strip()!r}; one of "
                    f"{', '.join(allowed)}",
                    param=param,
                )
            out.append(spelled)
    return tuple(dict.fromkeys(out))
