"""Reading recorded runs back: a merchant's runs, and what one left open, as a shop sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from pointage.reconciliation.models import ReconciliationRun, RunOpenItem
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract
from pointage.statement.models import StatementEntry


def runs_of_merchant(
    session: Session, merchant_id: int, *, limit: int, offset: int
) -> tuple[list[ReconciliationRun], int]:
    """The merchant's runs, newest first, and how many there are in all."""
    where = ReconciliationRun.merchant_id == merchant_id
    total = session.scalar(select(func.count(ReconciliationRun.id)).where(where)) or 0
    runs = session.scalars(
        select(ReconciliationRun)
        .where(where)
        .order_by(ReconciliationRun.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(runs), int(total)


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

    kind: str  # "entry" or "remittance"
    object_id: int
    reason: str
    detail: str
    day: date | None  # an entry's value (or booking) date, a remittance's expected credit date
    amount_minor: int | None  # an entry's amount, a remittance's expected credit
    currency: str | None
    label: str  # an entry's label, "remittance N of contract C" for a remittance


def open_items_of_shop(
    session: Session, run_id: int, shop_pk: int, *, limit: int, offset: int
) -> tuple[list[OpenItemRow], int]:
    """What the run left open that the shop may see: its own contracts' remittances and
    the entries of the bank accounts its contracts credit; and how many in all."""
    contract = aliased(Contract)
    shop_accounts = select(Contract.bank_account_id).where(Contract.shop_id == shop_pk)
    query = (
        select(
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
        .where(
            RunOpenItem.run_id == run_id,
            or_(
                Remittance.shop_id == shop_pk,
                StatementEntry.bank_account_id.in_(shop_accounts),
            ),
        )
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(RunOpenItem.id).limit(limit).offset(offset))
    return [_open_item(row) for row in rows], int(total)


def _open_item(row: Any) -> OpenItemRow:
    (kind, object_id, reason, detail, number, expected_date, expected, remittance_currency,
     contract_number, value_date, booking_date, amount, currency, label) = row  # fmt: skip
    if kind == "remittance":
        return OpenItemRow(
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
        kind=kind,
        object_id=object_id,
        reason=reason,
        detail=detail,
        day=value_date or booking_date,
        amount_minor=amount,
        currency=currency,
        label=label,
    )
