"""The reconciliation marks on transactions, written only here (ARCHITECTURE.md §2): the
reconciliation package decides, the payment package owns the rows.

Set-based UPDATEs, in chunks that stay under every database's bound-parameter limit: a
run may set the status of a million transactions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute, Session

from pointage.core.statuses import DisputeFlag, OperationType, ReconciliationStatus
from pointage.db.base import utcnow
from pointage.payment.models import Transaction

CHUNK = 5_000


def _chunks(ids: Collection[int]) -> Iterator[Sequence[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def set_status_by_remittance(
    session: Session,
    remittance_ids: Collection[int],
    status: ReconciliationStatus,
    *,
    now: datetime | None = None,
) -> int:
    """Give every transaction of these remittances `status`; returns how many changed."""
    return _set_status(session, Transaction.remittance_id, remittance_ids, status, now)


def set_status_of_transactions(
    session: Session,
    transaction_ids: Collection[int],
    status: ReconciliationStatus,
    *,
    now: datetime | None = None,
) -> int:
    """Give these transactions `status` (a person reconciled them on their own)."""
    return _set_status(session, Transaction.id, transaction_ids, status, now)


def _set_status(
    session: Session,
    key: InstrumentedAttribute[Any],
    ids: Collection[int],
    status: ReconciliationStatus,
    now: datetime | None,
) -> int:
    changed = 0
    at = now or utcnow()
    for chunk in _chunks(ids):
        result = session.execute(
            update(Transaction)
            .where(key.in_(chunk), Transaction.reconciliation_status != status.value)
            .values(reconciliation_status=status.value, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        changed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return changed


def set_dispute(
    session: Session,
    transaction_ids: Collection[int],
    disputed: bool,
    *,
    now: datetime | None = None,
) -> int:
    """Set (a chargeback took it back) or clear (the chargeback match was undone) the
    dispute flag of captured payments."""
    flag = DisputeFlag.YES if disputed else DisputeFlag.NO
    changed = 0
    at = now or utcnow()
    for chunk in _chunks(transaction_ids):
        result = session.execute(
            update(Transaction)
            .where(
                Transaction.id.in_(chunk),
                Transaction.operation_type == OperationType.DEBIT.value,
                Transaction.dispute_flag != flag.value,
            )
            .values(dispute_flag=flag.value, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        changed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return changed
