"""The queries of the demo command: is there anything yet, and what was built."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from pointage.payment.models import Operation, Transaction
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract, Shop


@dataclass(frozen=True, slots=True)
class DemoCounts:
    transactions_by_status: dict[str, int]
    """Transactions per (operation type, detailed status), e.g. 'DEBIT CAPTURED'."""
    operations: int
    remittances: int
    contracts: int

    @property
    def transactions(self) -> int:
        return sum(self.transactions_by_status.values())


def schema_present(session: Session) -> bool:
    """Whether the database has been migrated (the shop table exists)."""
    return inspect(session.connection()).has_table(Shop.__tablename__)


def any_shop(session: Session) -> bool:
    return session.scalar(select(Shop.id).limit(1)) is not None


def existing_shop_ids(session: Session, shop_ids: Iterable[str]) -> list[str]:
    return list(
        session.scalars(
            select(Shop.shop_id).where(Shop.shop_id.in_(list(shop_ids))).order_by(Shop.shop_id)
        )
    )


def counts(session: Session) -> DemoCounts:
    rows = session.execute(
        select(Transaction.operation_type, Transaction.detailed_status, func.count(Transaction.id))
        .group_by(Transaction.operation_type, Transaction.detailed_status)
        .order_by(Transaction.operation_type, Transaction.detailed_status)
    )
    by_status = {f"{kind} {status}": int(count) for kind, status, count in rows}
    return DemoCounts(
        transactions_by_status=by_status,
        operations=int(session.scalar(select(func.count(Operation.id))) or 0),
        remittances=int(session.scalar(select(func.count(Remittance.id))) or 0),
        contracts=int(session.scalar(select(func.count(Contract.id))) or 0),
    )
