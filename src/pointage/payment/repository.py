"""All queries on transactions and the operations log.

The operations log is append-only: this repository can insert operations and read them,
nothing else.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pointage.core.statuses import DetailedStatus, OperationType
from pointage.payment.models import Operation, Transaction

# Refunds that no longer move money do not count against the refundable amount.
DEAD_REFUND_STATUSES = (
    DetailedStatus.CANCELLED.value,
    DetailedStatus.REFUSED.value,
    DetailedStatus.EXPIRED.value,
    DetailedStatus.CAPTURE_FAILED.value,
)


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
