"""All queries on transactions and the operations log.

The operations log is append-only: this repository can insert operations and read them,
nothing else.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from pointage.core.statuses import DetailedStatus, OperationType
from pointage.payment.filters import TransactionFilters
from pointage.payment.models import Operation, Transaction
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract

# Refunds that no longer move money do not count against the refundable amount.
DEAD_REFUND_STATUSES = (
    DetailedStatus.CANCELLED.value,
    DetailedStatus.REFUSED.value,
    DetailedStatus.EXPIRED.value,
    DetailedStatus.CAPTURE_FAILED.value,
)


@dataclass(frozen=True, slots=True)
class TransactionLinks:
    """What a transaction's answer shows of the rows it points to."""

    contract_number: str | None = None
    remittance_number: int | None = None
    expected_credit_date: date | None = None
    parent_uuid: str | None = None


@dataclass(slots=True)  # read only; not frozen: that takes ten times as long to build
class TransactionRow:
    """A transaction's columns, as the quick status reads get them (SQLAlchemy Core rows, read
    on the event loop on SQLite: pointage.web.deps.read_rows): the attributes of a
    `Transaction`, without the cost of an ORM entity (twice that of the row)."""

    id: int
    uuid: str
    shop_id: int
    transaction_id: str
    transaction_date: date
    order_id: str | None
    operation_type: str
    amount_minor: int
    original_amount_minor: int
    currency: str
    detailed_status: str
    status: str
    card_brand: str | None
    card_masked: str | None
    authorisation_number: str | None
    customer_reference: str | None
    created_at: datetime
    expected_capture_date: date
    captured_at: datetime | None
    contract_id: int | None
    remittance_id: int | None
    parent_id: int | None
    reconciliation_status: str
    dispute_flag: str
    mode: str
    updated_at: datetime


# The columns of a TransactionRow, in its order: select(*TRANSACTION_COLUMNS, …) and
# TransactionRow(*row[:len(TRANSACTION_COLUMNS)]).
TRANSACTION_COLUMNS = tuple(getattr(Transaction, field.name) for field in fields(TransactionRow))


_Parent = aliased(Transaction)
# A query of any columns: SQLAlchemy types a select by the tuple of its columns.
Rows = Select[*tuple[Any, ...]]


def _with_links(query: Rows) -> Rows:
    return (
        query.outerjoin(Contract, Contract.id == Transaction.contract_id)
        .outerjoin(Remittance, Remittance.id == Transaction.remittance_id)
        .outerjoin(_Parent, _Parent.id == Transaction.parent_id)
    )


_LINK_COLUMNS = (Contract.number, Remittance.number, Remittance.expected_credit_date, _Parent.uuid)

# The keys the back office's list may be sorted by (with the id as tie-breaker); a key that
# may be empty sorts as the smallest value, so that a cursor can always compare it. The
# expected credit date is its remittance's: `with_sort_key` joins it.
LIST_SORT_KEYS: dict[str, SQLColumnExpression[Any]] = {
    "created": Transaction.created_at,
    "amount": Transaction.amount_minor,
    "order_id": func.coalesce(Transaction.order_id, ""),
    "status": Transaction.status,
    "reconciliation": Transaction.reconciliation_status,
    "credit_date": func.coalesce(Remittance.expected_credit_date, date(1, 1, 1)),
}


def with_sort_key(query: Select[Any], key: str) -> Select[Any]:
    """A query of transactions with the rows its sort key `key` reads (an outer join: a
    correlated subquery per transaction costs several times more to sort a shop's lines)."""
    if key == "credit_date":
        return query.outerjoin(Remittance, Remittance.id == Transaction.remittance_id)
    return query


@functools.cache
def with_links_by_uuid() -> Rows:
    """A transaction of a shop and mode by uuid, with its links: `:uuid`, `:shop_pk`,
    `:mode`. Built once (`GET /v1/transactions/{uuid}`, a quick read: building a statement
    and its cache key costs more than running it), rows read by `row_with_links`."""
    return _with_links(select(*TRANSACTION_COLUMNS, *_LINK_COLUMNS)).where(
        Transaction.uuid == bindparam("uuid"),
        Transaction.shop_id == bindparam("shop_pk"),
        Transaction.mode == bindparam("mode"),
    )


def row_with_links(row: Sequence[Any]) -> tuple[TransactionRow, TransactionLinks]:
    """A row of `with_links_by_uuid`."""
    width = len(TRANSACTION_COLUMNS)
    return TransactionRow(*row[:width]), TransactionLinks(*row[width:])


class TransactionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, transaction: Transaction) -> Transaction:
        self.session.add(transaction)
        self.session.flush()
        return transaction

    def log(self, operation: Operation) -> Operation:
        self.session.add(operation)
        return operation

    def by_uuid(self, uuid: str) -> Transaction | None:
        return self.session.scalar(select(Transaction).where(Transaction.uuid == uuid))

    def by_uuid_for_update(self, uuid: str) -> Transaction | None:
        return self.session.scalar(
            select(Transaction).where(Transaction.uuid == uuid).with_for_update()
        )

    def get(self, pk: int) -> Transaction | None:
        return self.session.get(Transaction, pk)

    def lock(self, transaction: Transaction) -> Transaction:
        """Re-read the row under a row lock (PostgreSQL); SQLite's write lock is already held
        since the unit of work began IMMEDIATE."""
        locked = self.session.scalar(
            select(Transaction)
            .where(Transaction.id == transaction.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert locked is not None
        return locked

    def transaction_id_taken(self, shop_pk: int, day: date, transaction_id: str) -> bool:
        found = self.session.scalar(
            select(Transaction.id).where(
                Transaction.shop_id == shop_pk,
                Transaction.transaction_date == day,
                Transaction.transaction_id == transaction_id,
            )
        )
        return found is not None

    def known_uuids(self, uuids: Collection[str]) -> set[str]:
        """Which of these uuids are already transactions (ingestion by batches)."""
        found: set[str] = set()
        chunk = list(uuids)
        for start in range(0, len(chunk), 500):  # keep each IN list short
            found.update(
                self.session.scalars(
                    select(Transaction.uuid).where(Transaction.uuid.in_(chunk[start : start + 500]))
                )
            )
        return found

    def transaction_ids_used(self, shop_pk: int, days: Collection[date]) -> set[tuple[date, str]]:
        """(day, transaction id) pairs already used by a shop on these days."""
        rows = self.session.execute(
            select(Transaction.transaction_date, Transaction.transaction_id).where(
                Transaction.shop_id == shop_pk, Transaction.transaction_date.in_(list(days))
            )
        )
        return {(day, transaction_id) for day, transaction_id in rows}

    def refunded_total(self, payment_pk: int) -> int:
        """Minor units already refunded or being refunded on a payment."""
        total = self.session.scalar(
            select(func.coalesce(func.sum(Transaction.amount_minor), 0)).where(
                Transaction.parent_id == payment_pk,
                Transaction.operation_type == OperationType.CREDIT.value,
                Transaction.detailed_status.not_in(DEAD_REFUND_STATUSES),
            )
        )
        return int(total or 0)

    def operations_of(self, transaction_pk: int) -> Sequence[Operation]:
        return self.session.scalars(
            select(Operation)
            .where(Operation.transaction_pk == transaction_pk)
            .order_by(Operation.id)
        ).all()

    def children(self, transaction_pk: int) -> Sequence[Transaction]:
        return self.session.scalars(
            select(Transaction)
            .where(Transaction.parent_id == transaction_pk)
            .order_by(Transaction.id)
        ).all()

    def of_shop(self, shop_pk: int, *, limit: int = 100, offset: int = 0) -> Sequence[Transaction]:
        return self.session.scalars(
            select(Transaction)
            .where(Transaction.shop_id == shop_pk)
            .order_by(Transaction.created_at.desc(), Transaction.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()

    def count(self) -> int:
        return int(self.session.scalar(select(func.count(Transaction.id))) or 0)

    def count_operations(self) -> int:
        return int(self.session.scalar(select(func.count(Operation.id))) or 0)

    # -- the resource API: lists, links, the log --------------------------------------------

    def with_links(self, uuid: str) -> tuple[Transaction, TransactionLinks] | None:
        """A transaction by uuid and what its answer shows of its contract, remittance and
        parent, in one query."""
        row = self.session.execute(
            _with_links(select(Transaction, *_LINK_COLUMNS)).where(Transaction.uuid == uuid)
        ).first()
        if row is None:
            return None
        return row[0], TransactionLinks(*row[1:])

    def links(self, transaction_pks: Collection[int]) -> dict[int, TransactionLinks]:
        """Transaction id → its links, for a page of transactions, in one query."""
        if not transaction_pks:
            return {}
        rows = self.session.execute(
            _with_links(select(Transaction.id, *_LINK_COLUMNS)).where(
                Transaction.id.in_(list(transaction_pks))
            )
        )
        return {row[0]: TransactionLinks(*row[1:]) for row in rows}

    def listing(self, shop_pk: int, mode: str, filters: TransactionFilters) -> Select[Any]:
        """The shop's transactions of one mode that pass the filters (unordered)."""
        conditions = _conditions(shop_pk, filters)
        if filters.remittance_number is not None:
            # The remittances of that number first (one per contract at most): an IN list
            # of ids is read from the remittance index, where a subquery lets the planner
            # scan the shop's transactions instead.
            numbered = self.session.scalars(
                select(Remittance.id).where(
                    Remittance.shop_id == shop_pk, Remittance.number == filters.remittance_number
                )
            )
            conditions.append(Transaction.remittance_id.in_(list(numbered)))
        return select(Transaction).where(
            Transaction.shop_id == shop_pk, Transaction.mode == mode, *conditions
        )

    def position(self, shop_pk: int, mode: str, uuid: str) -> tuple[datetime, int] | None:
        """(created_at, id) of a transaction the shop's key of that mode may see."""
        row = self.session.execute(
            select(Transaction.created_at, Transaction.id).where(
                Transaction.uuid == uuid, Transaction.shop_id == shop_pk, Transaction.mode == mode
            )
        ).first()
        return (row[0], row[1]) if row is not None else None

    def sort_position(self, shop_pk: int, mode: str, uuid: str, key: str) -> tuple[Any, int] | None:
        """(sort key `key` of LIST_SORT_KEYS, id) of a transaction of the shop and mode."""
        query = select(LIST_SORT_KEYS[key], Transaction.id).select_from(Transaction)
        row = self.session.execute(
            with_sort_key(query, key).where(
                Transaction.uuid == uuid, Transaction.shop_id == shop_pk, Transaction.mode == mode
            )
        ).first()
        return (row[0], row[1]) if row is not None else None

    def changed_since(
        self, shop_pk: int, mode: str, uuids: Collection[str], since: datetime
    ) -> Sequence[Transaction]:
        """Those of these transactions of the shop and mode changed after `since`."""
        if not uuids:
            return []
        return self.session.scalars(
            select(Transaction).where(
                Transaction.uuid.in_(list(uuids)),
                Transaction.shop_id == shop_pk,
                Transaction.mode == mode,
                Transaction.updated_at > since,
            )
        ).all()

    def operations_listing(self, transaction_pk: int) -> Select[Any]:
        return select(Operation).where(Operation.transaction_pk == transaction_pk)

    def operation_position(self, transaction_pk: int, cursor: str) -> tuple[datetime, int] | None:
        """(at, id) of an entry of this transaction's log, named by its id."""
        if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
            return None
        row = self.session.execute(
            select(Operation.at, Operation.id).where(
                Operation.id == int(cursor), Operation.transaction_pk == transaction_pk
            )
        ).first()
        return (row[0], row[1]) if row is not None else None


def _conditions(shop_pk: int, f: TransactionFilters) -> list[ColumnElement[bool]]:
    """The filters as SQL conditions (`payment.filters`), but the remittance number (see
    `listing`); each applies when it is given."""
    t = Transaction
    ranges: list[tuple[Any, Any, Callable[[Any, Any], ColumnElement[bool]]]] = [
        (f.created_from, t.created_at, operator.ge),
        (f.created_to, t.created_at, operator.le),
        (f.created_before, t.created_at, operator.lt),
        (f.capture_date_from, t.expected_capture_date, operator.ge),
        (f.capture_date_to, t.expected_capture_date, operator.le),
        (f.amount_min, t.amount_minor, operator.ge),
        (f.amount_max, t.amount_minor, operator.le),
    ]
    out = [compare(column, value) for value, column, compare in ranges if value is not None]
    for values, column in (
        (f.statuses, t.status),
        (f.detailed_statuses, t.detailed_status),
        (f.reconciliation_statuses, t.reconciliation_status),
        (f.disputes, t.dispute_flag),
        (f.operation_types, t.operation_type),
    ):
        if values:
            out.append(column.in_(values))
    if f.order_id is not None:
        out.append(t.order_id == f.order_id)
    if f.remittance_id is not None:
        out.append(t.remittance_id == f.remittance_id)
    if f.contract is not None:
        out.append(t.contract_id.in_(_contract_ids(shop_pk, f.contract)))
    if f.transaction_id is not None:
        out.append(t.transaction_id == f.transaction_id)
    if f.card_last4 is not None:
        out.append(t.card_masked.like(f"%{f.card_last4}"))
    return out


def _contract_ids(shop_pk: int, number: str) -> Select[Any]:
    return select(Contract.id).where(Contract.shop_id == shop_pk, Contract.number == number)
