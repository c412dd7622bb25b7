"""Reading recorded runs back: a merchant's run, and what one left open, told to a person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from pointage.reconciliation.models import ReconciliationRun, RunOpenItem
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract
from pointage.statement.models import StatementEntry


def run_of_merchant(session: Session, run_id: int, merchant_id: int) -> ReconciliationRun | None:
    """The run, if it is the merchant's: another merchant's run reads as absent."""
    return session.scalar(
        select(ReconciliationRun).where(
            ReconciliationRun.id == run_id, ReconciliationRun.merchant_id == merchant_id
        )
    )


@dataclass(frozen=True, slots=True)
class OpenItemRow:
    """An item a run left open, with what identifies it to a person."""

    id: int  # the open item's own id
    kind: str  # "entry" or "remittance"
    object_id: int
    reason: str
    detail: str
    day: date | None  # an entry's value (or booking) date, a remittance's expected credit date
    amount_minor: int | None  # an entry's amount, a remittance's expected credit
    currency: str | None
    label: str  # an entry's label, "remittance N of contract C" for a remittance


def open_item_rows(session: Session, item_ids: Sequence[int]) -> list[OpenItemRow]:
    """These open items (a page of `repository.lists.open_items_query`), in this order,
    with what identifies each entry or remittance to a person."""
    if not item_ids:
        return []
    contract = aliased(Contract)
    query = (
        select(
            RunOpenItem.id,
            RunOpenItem.kind,
            RunOpenItem.object_id,
            RunOpenItem.reason,
            RunOpenItem.detail,
            Remittance.number,
            Remittance.expected_credit_date,
            Remittance.expected_credit_minor,
            Remittance.currency,
            contract.number,
            StatementEntry.value_date,
            StatementEntry.booking_date,
            StatementEntry.amount_minor,
            StatementEntry.currency,
            StatementEntry.label,
        )
        .outerjoin(
            Remittance,
            and_(RunOpenItem.kind == "remittance", Remittance.id == RunOpenItem.object_id),
        )
        .outerjoin(contract, contract.id == Remittance.contract_id)
        .outerjoin(
            StatementEntry,
            and_(RunOpenItem.kind == "entry", StatementEntry.id == RunOpenItem.object_id),
        )
        .where(RunOpenItem.id.in_(item_ids))
    )
    rows = {row.id: row for row in map(_open_item, session.execute(query))}
    return [rows[pk] for pk in item_ids if pk in rows]


def _open_item(row: Any) -> OpenItemRow:
    (pk, kind, object_id, reason, detail, number, expected_date, expected, remittance_currency,
     contract_number, value_date, booking_date, amount, currency, label) = row  # fmt: skip
    if kind == "remittance":
        return OpenItemRow(
            id=pk,
            kind=kind,
            object_id=object_id,
            reason=reason,
            detail=detail,
            day=expected_date,
            amount_minor=expected,
            currency=remittance_currency,
            label=f"remittance {number} of contract {contract_number}",
        )
    return OpenItemRow(
        id=pk,
        kind=kind,
        object_id=object_id,
        reason=reason,
        detail=detail,
        day=value_date or booking_date,
        amount_minor=amount,
        currency=currency,
        label=label,
    )
