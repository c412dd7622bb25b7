"""Queries of the reconciliation export: transactions in keyset chunks with what their
line shows, and the matches and bank entries that reconcile them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Row, and_, select
from sqlalchemy.orm import Session

from pointage.core.statuses import Mode
from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    ClaimRole,
    Match,
    MatchEntry,
    MatchRemittance,
    MatchTransaction,
)
from pointage.remittance.models import Remittance
from pointage.report.export.filters import ExportFilters
from pointage.shop.models import Contract, Shop
from pointage.statement.models import StatementEntry, StatementFile

# A line of `transaction_chunk`. Its columns are in the Transactions sheet's order (its
# columns 1 to 13 are the sheet's first 13, 14 and 15 its status and dispute flag), so that
# a sheet line is made by slicing; these name the others the export reads.
ChunkRow = Row[*tuple[Any, ...]]
KEY, AMOUNT, CURRENCY, OPERATION_TYPE, EXPECTED_CREDIT_DATE = 0, 6, 7, 8, 13
RECONCILIATION_STATUS, OWN_MATCH, REMITTANCE_MATCH = 14, 16, 17


class MatchRow(NamedTuple):
    id: int
    rule: str
    origin: str
    score: int
    evidence: list[dict[str, Any]]
    difference_minor: int
    anomaly: str | None
    comment: str | None


class EntryRow(NamedTuple):
    match_id: int
    role: str
    filename: str
    record: int
    label: str
    currency: str
    value_date: date | None
    booking_date: date | None


def shop_keys(session: Session, shop_ids: Collection[str]) -> dict[str, int]:
    """The database keys of the shops with these 8-digit ids (those that exist)."""
    if not shop_ids:
        return {}
    rows = session.execute(select(Shop.shop_id, Shop.id).where(Shop.shop_id.in_(shop_ids)))
    return {shop_id: key for shop_id, key in rows}


def transaction_chunk(
    session: Session, filters: ExportFilters, shop_keys: Collection[int], after: int, limit: int
) -> Sequence[ChunkRow]:
    """The next `limit` transactions of the filter after the key `after`, by key, with their
    shop, contract, remittance and the key of the active match crediting them: their own
    (a person matched the transaction alone) or their remittance's."""
    own = and_(
        MatchTransaction.transaction_id == Transaction.id,
        MatchTransaction.role == ClaimRole.CREDIT.value,
        MatchTransaction.active.is_(True),
    )
    through_remittance = and_(
        MatchRemittance.remittance_id == Transaction.remittance_id,
        MatchRemittance.role == ClaimRole.CREDIT.value,
        MatchRemittance.active.is_(True),
    )
    query = (
        select(
            Transaction.id,
            Shop.shop_id,
            Transaction.order_id,
            Transaction.uuid,
            Transaction.transaction_id,
            Transaction.transaction_date,
            Transaction.amount_minor,
            Transaction.currency,
            Transaction.operation_type,
            Transaction.status,
            Contract.number.label("contract"),
            Remittance.number.label("remittance_number"),
            Remittance.remittance_date,
            Remittance.expected_credit_date,
            Transaction.reconciliation_status,
            Transaction.dispute_flag,
            MatchTransaction.match_id.label("own_match_id"),
            MatchRemittance.match_id.label("remittance_match_id"),
        )
        .join(Shop, Shop.id == Transaction.shop_id)
        .outerjoin(Contract, Contract.id == Transaction.contract_id)
        .outerjoin(Remittance, Remittance.id == Transaction.remittance_id)
        .outerjoin(MatchTransaction, own)
        .outerjoin(MatchRemittance, through_remittance)
        .where(Transaction.id > after, *_conditions(filters, shop_keys))
        .order_by(Transaction.id)
        .limit(limit)
    )
    # On the session's connection: the ORM's per-row work is not needed for plain columns.
    return session.connection().execute(query).all()


def _conditions(filters: ExportFilters, shop_keys: Collection[int]) -> list[ColumnElement[bool]]:
    # The reconciliation state is about money on a bank account: test payments have none.
    conditions: list[ColumnElement[bool]] = [Transaction.mode == Mode.PRODUCTION.value]
    if filters.shop_ids:
        conditions.append(Transaction.shop_id.in_(shop_keys))
    if filters.date_from is not None:
        conditions.append(Transaction.transaction_date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(Transaction.transaction_date <= filters.date_to)
    if filters.statuses:
        conditions.append(Transaction.status.in_(filters.statuses))
    if filters.reconciliation_statuses:
        conditions.append(Transaction.reconciliation_status.in_(filters.reconciliation_statuses))
    if filters.disputes:
        conditions.append(Transaction.dispute_flag.in_(filters.disputes))
    if filters.order_id is not None:
        conditions.append(Transaction.order_id == filters.order_id)
    if filters.amount_min is not None:
        conditions.append(Transaction.amount_minor >= filters.amount_min)
    if filters.amount_max is not None:
        conditions.append(Transaction.amount_minor <= filters.amount_max)
    if filters.remittance_number is not None:
        # On the joined remittance: transactions with none drop out, as they should.
        conditions.append(Remittance.number == filters.remittance_number)
    return conditions


def matches(session: Session, ids: Collection[int]) -> list[MatchRow]:
    if not ids:
        return []
    rows = session.execute(
        select(
            Match.id,
            Match.rule,
            Match.origin,
            Match.score,
            Match.evidence,
            Match.difference_minor,
            Match.anomaly,
            Match.comment,
        ).where(Match.id.in_(ids))
    )
    return [MatchRow(*row) for row in rows]


def entries(session: Session, match_ids: Collection[int]) -> list[EntryRow]:
    """The bank entries the matches claim (active claims), in the order of their files."""
    if not match_ids:
        return []
    rows = session.execute(
        select(
            MatchEntry.match_id,
            MatchEntry.role,
            StatementFile.filename,
            StatementEntry.record,
            StatementEntry.label,
            StatementEntry.currency,
            StatementEntry.value_date,
            StatementEntry.booking_date,
        )
        .join(StatementEntry, StatementEntry.id == MatchEntry.entry_id)
        .join(StatementFile, StatementFile.id == StatementEntry.file_id)
        .where(MatchEntry.match_id.in_(match_ids), MatchEntry.active.is_(True))
        .order_by(MatchEntry.match_id, StatementEntry.file_id, StatementEntry.record)
    )
    return [EntryRow(*row) for row in rows]
