"""All queries of the daily capture batch and of remittances.

The batch works on sets of rows (UPDATE … WHERE, INSERT … SELECT, GROUP BY), never on one
ORM object per transaction: a day of 100,000 transactions must be captured in seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    String,
    case,
    cast,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pointage.core.statuses import (
    CAPTURABLE,
    TO_VALIDATE,
    DetailedStatus,
    DisputeFlag,
    OperationKind,
    OperationSource,
    OperationType,
    ReconciliationStatus,
    Status,
)
from pointage.db.base import UTCDateTime, utcnow
from pointage.payment.models import Operation, Transaction
from pointage.remittance.models import CaptureBatchRun, Remittance
from pointage.shop.models import Contract, Shop


class _Before(NamedTuple):
    """Where a capture's log entry reads the statuses the transaction had before."""

    detailed_status: Any
    status: Any


BATCH_ACTOR = "capture-batch"


class Expired(NamedTuple):
    """A transaction the batch has just expired, as the log needs it."""

    pk: int
    shop_pk: int
    amount_minor: int
    currency: str
    expected_capture_date: date


# Card verifications move no money: the batch never captures nor expires them.
_MONEY_MOVING = (OperationType.DEBIT.value, OperationType.CREDIT.value)


def _text(value: str) -> ColumnElement[Any]:
    # Typed, so that PostgreSQL knows what json_build_object receives.
    return cast(literal(value), String)


class RemittanceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- contracts and claims -------------------------------------------------------------

    def lock_contract(self, contract_id: int) -> Contract | None:
        """The contract, row-locked on PostgreSQL so that the runs of one contract (for any
        day) number their remittances one after the other. SQLite's write lock, taken when
        the unit of work begins, already serialises them."""
        return self.session.scalar(
            select(Contract).where(Contract.id == contract_id).with_for_update()
        )

    def shop(self, pk: int) -> Shop | None:
        return self.session.get(Shop, pk)

    def claim(self, contract: Contract, day: date, source: str) -> CaptureBatchRun | None:
        """Insert the run's claim; None if the (contract, day) run exists, committed or not.

        Under a savepoint, so that the refusal leaves the caller's transaction usable.
        """
        run = CaptureBatchRun(
            contract_id=contract.id, shop_id=contract.shop_id, business_date=day, source=source
        )
        try:
            with self.session.begin_nested():
                self.session.add(run)
        except IntegrityError:
            return None
        return run

    def schedules(self) -> list[tuple[int, int, str, time]]:
        """(contract id, shop pk, shop time zone, cut-off time) of every contract."""
        rows = self.session.execute(
            select(Contract.id, Shop.id, Shop.timezone, Contract.cutoff_time)
            .join(Shop, Shop.id == Contract.shop_id)
            .order_by(Contract.id)
        )
        return [(pk, shop_pk, timezone, cutoff) for pk, shop_pk, timezone, cutoff in rows]

    def time_zones(self, shop_pk: int | None) -> list[str]:
        """The time zones of every shop, or of one."""
        query = select(Shop.timezone).distinct()
        if shop_pk is not None:
            query = query.where(Shop.id == shop_pk)
        return list(self.session.scalars(query))

    def contract_ids_of(self, shop_pk: int | None) -> list[int]:
        query = select(Contract.id).order_by(Contract.id)
        if shop_pk is not None:
            query = query.where(Contract.shop_id == shop_pk)
        return list(self.session.scalars(query))

    def runs_since(self, first_day: date) -> set[tuple[int, date]]:
        rows = self.session.execute(
            select(CaptureBatchRun.contract_id, CaptureBatchRun.business_date).where(
                CaptureBatchRun.business_date >= first_day
            )
        )
        return {(contract_id, day) for contract_id, day in rows}

    # -- what is due ----------------------------------------------------------------------

    @staticmethod
    def _due(contract: Contract, day: date, statuses: Iterable[str]) -> list[ColumnElement[bool]]:
        # shop_id first: it lets the planner use the capture-queue index.
        return [
            Transaction.shop_id == contract.shop_id,
            Transaction.contract_id == contract.id,
            Transaction.detailed_status.in_(list(statuses)),
            Transaction.expected_capture_date <= day,
            Transaction.remittance_id.is_(None),
            Transaction.operation_type.in_(_MONEY_MOVING),
        ]

    def currencies_due(self, contract: Contract, day: date) -> list[str]:
        rows = self.session.scalars(
            select(Transaction.currency)
            .where(*self._due(contract, day, CAPTURABLE))
            .distinct()
            .order_by(Transaction.currency)
        )
        return list(rows)

    def count_without_contract(self, day: date, shop_pk: int | None) -> dict[str, int]:
        """Shop id → transactions due by `day` that no contract can capture (none was found
        for them at ingestion), for the shops that have some."""
        due = [s.value for s in CAPTURABLE | TO_VALIDATE]
        query = (
            select(Shop.shop_id, func.count(Transaction.id))
            .join(Shop, Shop.id == Transaction.shop_id)
            .where(
                Transaction.contract_id.is_(None),
                Transaction.detailed_status.in_(due),
                Transaction.expected_capture_date <= day,
                Transaction.remittance_id.is_(None),
                Transaction.operation_type.in_(_MONEY_MOVING),
            )
            .group_by(Shop.shop_id)
        )
        if shop_pk is not None:
            query = query.where(Transaction.shop_id == shop_pk)
        return {shop_id: int(count) for shop_id, count in self.session.execute(query)}

    # -- remittances ----------------------------------------------------------------------

    def last_number(self, contract_id: int) -> int:
        found = self.session.scalar(
            select(func.max(Remittance.number)).where(Remittance.contract_id == contract_id)
        )
        return int(found or 0)

    def add(self, remittance: Remittance) -> Remittance:
        self.session.add(remittance)
        self.session.flush()
        return remittance

    def discard(self, remittance: Remittance) -> None:
        self.session.delete(remittance)
        self.session.flush()

    def totals(self, remittance_id: int) -> dict[str, tuple[int, int]]:
        """Count and sum of amounts per operation type of a remittance's transactions."""
        rows = self.session.execute(
            select(
                Transaction.operation_type,
                func.count(Transaction.id),
                func.coalesce(func.sum(Transaction.amount_minor), 0),
            )
            .where(Transaction.remittance_id == remittance_id)
            .group_by(Transaction.operation_type)
        )
        return {kind: (int(count), int(total)) for kind, count, total in rows}

    def payment_amounts(self, remittance_id: int) -> list[tuple[int, int]]:
        """(amount, how many payments of that amount): fees are rounded per payment."""
        rows = self.session.execute(
            select(Transaction.amount_minor, func.count(Transaction.id))
            .where(
                Transaction.remittance_id == remittance_id,
                Transaction.operation_type == OperationType.DEBIT.value,
            )
            .group_by(Transaction.amount_minor)
        )
        return [(int(amount), int(count)) for amount, count in rows]

    # -- capture --------------------------------------------------------------------------

    def capture(
        self, contract: Contract, day: date, currency: str, remittance_id: int, at: datetime
    ) -> int:
        """Capture the due transactions of one currency into a remittance, writing one
        'capture' entry per transaction to the operations log; returns how many.

        Each row is updated once: an UPDATE that changes indexed columns writes a new row
        version into every index, so doing it in one pass halves the batch's cost.
        """
        due = [*self._due(contract, day, [s.value for s in CAPTURABLE])]
        due.append(Transaction.currency == currency)
        if self.session.get_bind().dialect.name == "postgresql":
            return self._capture_in_one_statement(due, remittance_id, at)
        # SQLite: the unit of work holds the database's write lock since it began, so the
        # rows the log reads are exactly the rows the UPDATE then changes.
        self._log_captures(select(*self._log_source(Transaction, Transaction, at)).where(*due))
        result = self.session.execute(
            update(Transaction)
            .where(*due)
            .values(self._captured_values(remittance_id, at))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def _capture_in_one_statement(
        self, due: list[ColumnElement[bool]], remittance_id: int, at: datetime
    ) -> int:
        """PostgreSQL: lock the due rows, update them and log them in one statement, so
        that a merchant's concurrent cancel either wins (not captured, not logged) or waits."""
        locked = (
            select(Transaction.id, Transaction.detailed_status, Transaction.status)
            .where(*due)
            .with_for_update()
            .cte("due")
        )
        captured = (
            update(Transaction)
            .where(Transaction.id == locked.c.id)
            .values(self._captured_values(remittance_id, at))
            .returning(
                Transaction.id,
                Transaction.shop_id,
                Transaction.amount_minor,
                Transaction.currency,
                Transaction.expected_capture_date,
                locked.c.detailed_status.label("before_detailed_status"),
                locked.c.status.label("before_status"),
            )
            .cte("captured")
        )
        before = _Before(captured.c.before_detailed_status, captured.c.before_status)
        rows = select(*self._log_source(captured.c, before, at))
        result = self.session.execute(self._log_insert(rows))
        return int(result.rowcount)  # type: ignore[attr-defined]

    @staticmethod
    def _captured_values(remittance_id: int, at: datetime) -> dict[str, Any]:
        return {
            "remittance_id": remittance_id,
            "detailed_status": DetailedStatus.CAPTURED.value,
            "status": Status.PAID.value,
            "captured_at": at,
            "reconciliation_status": ReconciliationStatus.PENDING.value,
            # A captured payment may now be disputed; a refund cannot.
            "dispute_flag": case(
                (Transaction.operation_type == OperationType.DEBIT.value, DisputeFlag.NO.value),
                else_=Transaction.dispute_flag,
            ),
            "updated_at": utcnow(),
        }

    def _log_source(self, row: Any, before: Any, at: datetime) -> list[ColumnElement[Any]]:
        """The columns of a 'capture' log entry, read from `row` (the transaction's columns)
        with the statuses before capture read from `before`."""
        common = {
            "amount_minor": row.amount_minor,
            "currency": row.currency,
            "expected_capture_date": row.expected_capture_date,
        }
        return [
            row.shop_id,
            row.id,
            _text(OperationKind.CAPTURE.value),
            _text(OperationSource.BATCH.value),
            _text(BATCH_ACTOR),
            literal(at, UTCDateTime),
            self._json_object(
                detailed_status=before.detailed_status, status=before.status, **common
            ),
            self._json_object(
                detailed_status=_text(DetailedStatus.CAPTURED.value),
                status=_text(Status.PAID.value),
                **common,
            ),
        ]

    @staticmethod
    def _log_insert(rows: Any) -> Any:
        columns = ["shop_id", "transaction_pk", "kind", "source", "actor", "at", "before", "after"]
        return insert(Operation).from_select(columns, rows)

    def _log_captures(self, rows: Any) -> None:
        self.session.execute(self._log_insert(rows))

    def _json_object(self, **pairs: Any) -> ColumnElement[Any]:
        builder = (
            func.json_build_object
            if self.session.get_bind().dialect.name == "postgresql"
            else func.json_object
        )
        arguments: list[ColumnElement[Any]] = []
        for key, value in pairs.items():
            arguments += [_text(key), value]
        return builder(*arguments)

    # -- expiry ---------------------------------------------------------------------------

    def expire(self, contract: Contract, day: date, status: DetailedStatus) -> list[Expired]:
        """Expire the due transactions still in `status` (waiting for validation).

        RETURNING gives exactly the rows changed, for the log: a merchant validating one at
        the same moment either wins (not expired, not logged) or waits for the batch.
        """
        result = self.session.execute(
            update(Transaction)
            .where(*self._due(contract, day, [status.value]))
            .values(
                detailed_status=DetailedStatus.EXPIRED.value,
                status=Status.UNPAID.value,
                updated_at=utcnow(),
            )
            .returning(
                Transaction.id,
                Transaction.shop_id,
                Transaction.amount_minor,
                Transaction.currency,
                Transaction.expected_capture_date,
            )
            .execution_options(synchronize_session=False)
        )
        return [Expired(*row) for row in result]

    def log_operations(self, entries: list[dict[str, Any]]) -> None:
        if entries:
            self.session.execute(insert(Operation), entries)
