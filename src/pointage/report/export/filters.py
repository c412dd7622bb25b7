"""Which transactions an export covers: the filters shared by the API and the command line.

Each filter is named as the API's query parameter (`from`, `reconciliation_status`…); the
command line spells the same names as options (`--from`, `--reconciliation-status`). A
value that makes no sense is refused naming that parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from pointage.core.errors import InvalidInput
from pointage.core.statuses import DisputeFlag, ReconciliationStatus, Status

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHOP_ID = re.compile(r"\d{8}")
MAX_ORDER_ID = 64


@dataclass(frozen=True, slots=True)
class ExportFilters:
    """Every field narrows the export; an empty one does not filter. Amounts are minor
    units, compared with the transaction's amount whatever its currency."""

    shop_ids: tuple[str, ...] = ()  # 8-digit shop ids; empty: every shop (operators only)
    date_from: date | None = None  # transaction date (the shop's day), inclusive
    date_to: date | None = None
    statuses: tuple[str, ...] = ()  # PAID, RUNNING, UNPAID, ABANDONED
    reconciliation_statuses: tuple[str, ...] = ()
    disputes: tuple[str, ...] = ()  # yes, no, na
    order_id: str | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    remittance_number: int | None = None

    def describe(self) -> str:
        """The filters in one line, for the workbook's summary."""
        parts = []
        if self.shop_ids:
            parts.append("shop " + ", ".join(self.shop_ids))
        if self.date_from or self.date_to:
            first = self.date_from.isoformat() if self.date_from else "the first day"
            last = self.date_to.isoformat() if self.date_to else "the last day"
            parts.append(f"transaction dates {first} to {last}")
        for label, values in (
            ("status", self.statuses),
            ("reconciliation status", self.reconciliation_statuses),
            ("dispute", self.disputes),
        ):
            if values:
                parts.append(f"{label} {', '.join(values)}")
        if self.order_id is not None:
            parts.append(f"order {self.order_id}")
        if self.amount_min is not None:
            parts.append(f"amount from {self.amount_min} (minor units)")
        if self.amount_max is not None:
            parts.append(f"amount up to {self.amount_max} (minor units)")
        if self.remittance_number is not None:
            parts.append(f"remittance {self.remittance_number}")
        return "; ".join(parts) or "none: every transaction"


def validated(filters: ExportFilters) -> ExportFilters:
    """The filters with their vocabularies checked and spelled as stored, or InvalidInput
    naming the parameter at fault."""
    for shop_id in filters.shop_ids:
        if not _SHOP_ID.fullmatch(shop_id):
            raise InvalidInput(f"{shop_id!r} is not an 8-digit shop id", param="shop")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput("`from` is after `to`", param="from")
    if filters.order_id is not None and not 0 < len(filters.order_id) <= MAX_ORDER_ID:
        raise InvalidInput(f"an order id has 1 to {MAX_ORDER_ID} characters", param="order_id")
    for name, value in (
        ("amount_min", filters.amount_min),
        ("amount_max", filters.amount_max),
        ("remittance_number", filters.remittance_number),
    ):
        if value is not None and value < 0:
            raise InvalidInput("must be zero or more", param=name)
    if (
        filters.amount_min is not None
        and filters.amount_max is not None
        and filters.amount_min > filters.amount_max
    ):
        raise InvalidInput("`amount_min` is above `amount_max`", param="amount_min")
    return replace(
        filters,
        shop_ids=tuple(dict.fromkeys(filters.shop_ids)),
        statuses=_known(filters.statuses, [s.value for s in Status], "status", upper=True),
        reconciliation_statuses=_known(
            filters.reconciliation_statuses,
            [s.value for s in ReconciliationStatus],
            "reconciliation_status",
        ),
        disputes=_known(filters.disputes, [d.value for d in DisputeFlag], "dispute"),
    )


def day_of(value: str, param: str) -> date:
    """A calendar date written YYYY-MM-DD, or InvalidInput naming the parameter."""
    try:
        if _ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidInput(f"{value!r} is not a calendar date written YYYY-MM-DD", param=param)


def _known(
    values: tuple[str, ...], allowed: list[str], param: str, *, upper: bool = False
) -> tuple[str, ...]:
    """The values as stored (statuses upper case, the others lower case), each known."""
    out = []
    for value in values:
        spelled = value.strip().upper() if upper else value.strip().lower()
        if spelled not in allowed:
            raise InvalidInput(
                f"unknown {param.replace('_', ' ')} {value!r}; one of {', '.join(allowed)}",
                param=param,
            )
        out.append(spelled)
    return tuple(dict.fromkeys(out))
