"""The dashboard's queries: aggregates over a set of shops, on indexed columns.

Each query returns few rows (one per day, status or currency and the like), never one per
transaction: the database adds up, the service only sorts the sums into figures. Only
production-mode transactions count (test-mode ones never reach a bank, and the capture
batch puts them in no remittance). The shops are given as primary keys: the caller has
already limited them to those the user may see.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from pointage.core.statuses import (
    DetailedStatus,
    Mode,
    OperationType,
    ReconciliationStatus,
    Status,
    rolled_up,
)
from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    ClaimRole,
    Match,
    MatchRemittance,
    MatchTransaction,
    Suggestion,
    SuggestionStatus,
)
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract, Shop
from pointage.statement.models import StatementEntry

PRODUCTION = Mode.PRODUCTION.value
# Detailed statuses the volumes count: accepted (those the gateway rolls up as PAID:
# authorised, captured, accepted) and refused.
ACCEPTED = tuple(s.value for s in DetailedStatus if rolled_up(s) is Status.PAID)
REFUSED = DetailedStatus.REFUSED.value
# What a remittance awaiting its credit has among its transactions.
AWAITING = (ReconciliationStatus.PENDING.value, ReconciliationStatus.TO_REVIEW.value)
CHUNK = 5_000


def _chunks(ids: Collection[int]) -> Iterator[Sequence[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


@dataclass(frozen=True, slots=True)
class ShopFacts:
    id: int
    merchant_id: int
    timezone: str


@dataclass(frozen=True, slots=True)
class VolumeRow:
    day: date
    operation_type: str
    detailed_status: str
    currency: str
    count: int
    amount_minor: int


@dataclass(frozen=True, slots=True)
class AwaitedRow:
    """Remittances awaiting their credit, added up per date, expected date and currency."""

    remittance_date: date
    expected_credit_date: date
    currency: str
    count: int
    amount_minor: int


@dataclass(frozen=True, slots=True)
class SignedRow:
    operation_type: str
    currency: str
    count: int
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Claims:
    """What an open suggestion would claim."""

    entry_ids: tuple[int, ...]
    remittance_ids: tuple[int, ...]
    transaction_ids: tuple[int, ...]


def shops(session: Session, shop_pks: Collection[int]) -> list[ShopFacts]:
    rows = session.execute(
        select(Shop.id, Shop.merchant_id, Shop.timezone).where(Shop.id.in_(shop_pks))
    )
    return [ShopFacts(*row) for row in rows]


def volumes(
    session: Session, shop_pks: Collection[int], first: date, last: date
) -> list[VolumeRow]:
    """Accepted and refused production payments and refunds created on the shop-local days
    `first`..`last`, added up per day, type, detailed status and currency (read through the
    (shop, transaction date) index)."""
    query = (
        select(
            Transaction.transaction_date,
            Transaction.operation_type,
            Transaction.detailed_status,
            Transaction.currency,
            func.count(),
            func.sum(Transaction.amount_minor),
        )
        .where(
            Transaction.shop_id.in_(shop_pks),
            Transaction.transaction_date.between(first, last),
            Transaction.mode == PRODUCTION,
            Transaction.operation_type.in_((OperationType.DEBIT.value, OperationType.CREDIT.value)),
            Transaction.detailed_status.in_((*ACCEPTED, REFUSED)),
        )
        .group_by(
            Transaction.transaction_date,
            Transaction.operation_type,
            Transaction.detailed_status,
            Transaction.currency,
        )
    )
    return [VolumeRow(*row) for row in session.execute(query)]


def awaited_credits(session: Session, shop_pks: Collection[int]) -> list[AwaitedRow]:
    """The shops' remittances of which some transaction is still `pending` or `to_review`
    (with nothing to credit, they would be `not_applicable`).

    A remittance an active match credits has none (its transactions are reconciled or in
    anomaly): ruling those out first by their claim spares reading their transactions."""
    credited = exists().where(
        MatchRemittance.remittance_id == Remittance.id,
        MatchRemittance.role == ClaimRole.CREDIT.value,
        MatchRemittance.active,
    )
    awaiting = exists().where(
        Transaction.remittance_id == Remittance.id,
        Transaction.reconciliation_status.in_(AWAITING),
        Transaction.mode == PRODUCTION,
    )
    query = (
        select(
            Remittance.remittance_date,
            Remittance.expected_credit_date,
            Remittance.currency,
            func.count(),
            func.sum(Remittance.expected_credit_minor),
        )
        .where(
            Remittance.shop_id.in_(shop_pks),
            ~credited,
            awaiting,
        )
        .group_by(Remittance.remittance_date, Remittance.expected_credit_date, Remittance.currency)
    )
    return [AwaitedRow(*row) for row in session.execute(query)]


def statuses_of_due(
    session: Session, shop_pks: Collection[int], first_due: date, last_due: date
) -> dict[str, int]:
    """The reconciliation statuses of the transactions of the shops' remittances expected
    to be credited on `first_due`..`last_due`: status → count."""
    query = (
        select(Transaction.reconciliation_status, func.count())
        .select_from(Remittance)
        .join(Transaction, Transaction.remittance_id == Remittance.id)
        .where(
            Remittance.shop_id.in_(shop_pks),
            Remittance.expected_credit_date.between(first_due, last_due),
            Transaction.mode == PRODUCTION,
        )
        .group_by(Transaction.reconciliation_status)
    )
    return {status: int(count) for status, count in session.execute(query)}


def anomalies(session: Session, shop_pks: Collection[int]) -> list[SignedRow]:
    """The shops' production transactions in `anomaly`, per type and currency (read
    through the (shop, mode, reconciliation status) index)."""
    query = (
        select(
            Transaction.operation_type,
            Transaction.currency,
            func.count(),
            func.sum(Transaction.amount_minor),
        )
        .where(
            Transaction.shop_id.in_(shop_pks),
            Transaction.mode == PRODUCTION,
            Transaction.reconciliation_status == ReconciliationStatus.ANOMALY.value,
        )
        .group_by(Transaction.operation_type, Transaction.currency)
    )
    return [SignedRow(*row) for row in session.execute(query)]


def chargebacks(
    session: Session, shop_pks: Collection[int], start: datetime, end: datetime
) -> list[SignedRow]:
    """The shops' payments that an active chargeback match made in [start, end) takes
    back (as the JRI journal lists them; their dispute flag is `yes`), per currency.

    The few chargeback claims are read first, then their transactions by primary key, a
    chunk at a time: given as a subquery, the claims let SQLite, without statistics, walk
    every transaction of the shops instead."""
    taken_back = set(
        session.scalars(
            select(MatchTransaction.transaction_id)
            .join(Match, Match.id == MatchTransaction.match_id)
            .where(
                MatchTransaction.active,
                MatchTransaction.role == ClaimRole.CHARGEBACK.value,
                Match.created_at >= start,
                Match.created_at < end,
            )
        )
    )
    sums: dict[tuple[str, str], tuple[int, int]] = {}
    for chunk in _chunks(taken_back):
        query = (
            select(
                Transaction.operation_type,
                Transaction.currency,
                func.count(),
                func.sum(Transaction.amount_minor),
            )
            .where(
                Transaction.id.in_(chunk),
                Transaction.shop_id.in_(shop_pks),
                Transaction.mode == PRODUCTION,
            )
            .group_by(Transaction.operation_type, Transaction.currency)
        )
        for operation_type, currency, count, amount in session.execute(query):
            before_count, before_amount = sums.get((operation_type, currency), (0, 0))
            sums[(operation_type, currency)] = (before_count + count, before_amount + int(amount))
    return [SignedRow(*key, *value) for key, value in sorted(sums.items())]


def open_suggestions(session: Session, merchant_ids: Collection[int]) -> list[Claims]:
    """What each open suggestion of these merchants would claim."""
    query = select(Suggestion.entry_ids, Suggestion.remittance_ids, Suggestion.transaction_ids)
    query = query.where(
        Suggestion.merchant_id.in_(merchant_ids),
        Suggestion.status == SuggestionStatus.OPEN.value,
    )
    return [
        Claims(tuple(entries), tuple(remittances), tuple(transactions))
        for entries, remittances, transactions in session.execute(query)
    ]


def _ids_where(
    session: Session, key: Any, ids: Collection[int], condition: ColumnElement[bool]
) -> set[int]:
    """Those of `ids` (values of the primary key `key`) whose row meets `condition`."""
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(session.scalars(select(key).where(key.in_(chunk), condition)))
    return found


def entries_of_shops(
    session: Session, shop_pks: Collection[int], entry_ids: Collection[int]
) -> set[int]:
    """Those of these bank entries on an account that a contract of the shops credits."""
    accounts = select(Contract.bank_account_id).where(Contract.shop_id.in_(shop_pks))
    return _ids_where(
        session, StatementEntry.id, entry_ids, StatementEntry.bank_account_id.in_(accounts)
    )


def remittances_of_shops(
    session: Session, shop_pks: Collection[int], remittance_ids: Collection[int]
) -> set[int]:
    return _ids_where(session, Remittance.id, remittance_ids, Remittance.shop_id.in_(shop_pks))


def transactions_of_shops(
    session: Session, shop_pks: Collection[int], transaction_ids: Collection[int]
) -> set[int]:
    return _ids_where(session, Transaction.id, transaction_ids, Transaction.shop_id.in_(shop_pks))
