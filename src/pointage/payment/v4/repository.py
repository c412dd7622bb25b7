"""Queries of the V4 services: a transaction with what its answer shows (contract, remittance,
parent, refunds) in one round trip, and the transactions of an order.

Every lookup is scoped to a shop and a mode: another shop's or mode's transaction is not
found, exactly like one that does not exist. Answers are built from the transaction's
columns (`TransactionRow`), not an ORM entity: Transaction/Get reads them on the event loop
on SQLite (pointage.web.deps.read_rows), and every service shows the same object.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from pointage.core.statuses import Mode, OperationType
from pointage.payment.models import Transaction
from pointage.payment.repository import DEAD_REFUND_STATUSES, TRANSACTION_COLUMNS, TransactionRow
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract


@dataclass(slots=True)  # read only; not frozen: that takes several times as long to build
class TransactionView:
    """A transaction and the facts of other tables its V4 answer shows."""

    tx: TransactionRow
    contract_number: str | None
    remittance_number: int | None
    remittance_date: date | None
    expected_credit_date: date | None
    parent_uuid: str | None
    refunded_minor: int
    """Minor units refunded or being refunded on it (0 for anything but a payment)."""


_parent = aliased(Transaction)
_refund = aliased(Transaction)


def _views() -> Select[Any]:
    refunded = (
        select(func.coalesce(func.sum(_refund.amount_minor), 0))
        .where(
            _refund.parent_id == Transaction.id,
            _refund.operation_type == OperationType.CREDIT.value,
            _refund.detailed_status.not_in(DEAD_REFUND_STATUSES),
        )
        .correlate(Transaction)
        .scalar_subquery()
    )
    return (
        select(
            *TRANSACTION_COLUMNS,
            Contract.number,
            Remittance.number,
            Remittance.remittance_date,
            Remittance.expected_credit_date,
            _parent.uuid,
            refunded,
        )
        .outerjoin(Contract, Contract.id == Transaction.contract_id)
        .outerjoin(Remittance, Remittance.id == Transaction.remittance_id)
        .outerjoin(_parent, _parent.id == Transaction.parent_id)
    )


@functools.cache
def view_by_uuid() -> Select[Any]:
    """A transaction's view by `:uuid`, `:shop_pk` and `:mode`; rows read by `view_of_row`.
    Built once: Transaction/Get is the service called the most, and building this statement
    and its cache key took longer than running it."""
    return _views().where(
        Transaction.uuid == bindparam("uuid"),
        Transaction.shop_id == bindparam("shop_pk"),
        Transaction.mode == bindparam("mode"),
    )


def _scope(shop_pk: int, mode: Mode) -> list[ColumnElement[bool]]:
    return [Transaction.shop_id == shop_pk, Transaction.mode == mode.value]


def view_of_row(row: Sequence[Any]) -> TransactionView:
    """A row of `view_by_uuid` (or of any query of the views)."""
    width = len(TRANSACTION_COLUMNS)
    contract, number, day, credit_day, parent, refunded = row[width:]
    return TransactionView(
        TransactionRow(*row[:width]), contract, number, day, credit_day, parent, int(refunded or 0)
    )


class V4Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, shop_pk: int, mode: Mode, uuid: str) -> Transaction | None:
        return self.session.scalar(
            select(Transaction).where(Transaction.uuid == uuid, *_scope(shop_pk, mode))
        )

    def view(self, shop_pk: int, mode: Mode, uuid: str) -> TransactionView | None:
        row = self.session.execute(
            view_by_uuid(), {"uuid": uuid, "shop_pk": shop_pk, "mode": mode.value}
        ).one_or_none()
        return None if row is None else view_of_row(row)

    def view_of(self, tx: Transaction) -> TransactionView:
        """The view of a transaction just read or changed in this session."""
        # Its changes are flushed first (autoflush), so the columns read are the new ones.
        row = self.session.execute(_views().where(Transaction.id == tx.id)).one()
        return view_of_row(row)

    def order(
        self,
        shop_pk: int,
        mode: Mode,
        order_id: str,
        operation_type: OperationType | None,
        limit: int,
    ) -> Sequence[TransactionView]:
        """At most `limit` transactions of the order, oldest first."""
        query = _views().where(Transaction.order_id == order_id, *_scope(shop_pk, mode))
        if operation_type is not None:
            query = query.where(Transaction.operation_type == operation_type.value)
        rows = self.session.execute(
            query.order_by(Transaction.created_at, Transaction.id).limit(limit)
        )
        return [view_of_row(row) for row in rows]

    def refunded_total(self, payment_pk: int) -> int:
        refunded = self.session.scalar(
            select(func.coalesce(func.sum(Transaction.amount_minor), 0)).where(
                Transaction.parent_id == payment_pk,
                Transaction.operation_type == OperationType.CREDIT.value,
                Transaction.detailed_status.not_in(DEAD_REFUND_STATUSES),
            )
        )
        return int(refunded or 0)
