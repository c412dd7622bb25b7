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
    Mode,
    OperationKind,
    OperationSource,
    OperationType,
    ReconciliationStatus,
    rolled_up,
)
from pointage.db.base import UTCDateTime, utcnow
from pointage.payment.models import Operation, Transaction
from pointage.remittance.models import CaptureBatchRun, Remittance
from pointage.shop.models import Contract, Shop


class _Before(NamedTuple):
    """Where a log entry reads the statuses the transaction had before the batch."""

    detailed_status: Any
    status: Any


BATCH_ACTOR = "capture-batch"


class _LogEntry(NamedTuple):
    """What the batch writes in the log of every row it changes."""

    kind: OperationKind
    new_status: DetailedStatus
    at: datetime


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
    def _due(
        contract: Contract, day: date, statuses: Iterable[str], mode: Mode | None = None
    ) -> list[ColumnElement[bool]]:
        """The contract's transactions due by `day` in these statuses, of one mode or both."""
        # shop_id first: it lets the planner use the capture-queue index.
        due = [
            Transaction.shop_id == contract.shop_id,
            Transaction.contract_id == contract.id,
            Transaction.detailed_status.in_(list(statuses)),
            Transaction.expected_capture_date <= day,
            Transaction.remittance_id.is_(None),
            Transaction.operation_type.in_(_MONEY_MOVING),
        ]
        if mode is not None:
            due.append(Transaction.mode == mode.value)
        return due

    def currencies_due(self, contract: Contract, day: date) -> list[str]:
        """The currencies of the production payments and refunds to capture into remittances."""
        rows = self.session.scalars(
            select(Transaction.currency)
            .where(*self._due(contract, day, CAPTURABLE, Mode.PRODUCTION))
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

    # -- capture and expiry -------------------------------------------------------------

    def capture(
        self, contract: Contract, day: date, currency: str, remittance_id: int, at: datetime
    ) -> int:
        """Capture the due production transactions of one currency into a remittance,
        writing one 'capture' entry per transaction to the operations log; returns how many."""
        due = self._due(contract, day, [s.value for s in CAPTURABLE], Mode.PRODUCTION)
        due.append(Transaction.currency == currency)
        values = {
            "remittance_id": remittance_id,
            "captured_at": at,
            "reconciliation_status": ReconciliationStatus.PENDING.value,
            # A captured payment may now be disputed; a refund cannot.
            "dispute_flag": case(
                (Transaction.operation_type == OperationType.DEBIT.value, DisputeFlag.NO.value),
                else_=Transaction.dispute_flag,
            ),
        }
        log = _LogEntry(OperationKind.CAPTURE, DetailedStatus.CAPTURED, at)
        return self._transition(due, values, log)

    def capture_test(self, contract: Contract, day: date, at: datetime) -> int:
        """Capture the due test-mode transactions as the gateway does, in no remittance (no
        bank will credit them: nothing to reconcile), writing one 'capture' entry per
        transaction to the operations log; returns how many."""
        due = self._due(contract, day, [s.value for s in CAPTURABLE], Mode.TEST)
        values = {
            "captured_at": at,
            "reconciliation_status": ReconciliationStatus.NOT_APPLICABLE.value,
        }
        log = _LogEntry(OperationKind.CAPTURE, DetailedStatus.CAPTURED, at)
        return self._transition(due, values, log)

    def expire(self, contract: Contract, day: date, at: datetime) -> int:
        """Expire the due transactions still waiting for validation, writing one 'expire'
        entry per transaction to the operations log; returns how many."""
        due = self._due(contract, day, [s.value for s in TO_VALIDATE])
        return self._transition(
            due, {}, _LogEntry(OperationKind.EXPIRE, DetailedStatus.EXPIRED, at)
        )

    def _transition(
        self, due: list[ColumnElement[bool]], values: dict[str, Any], log: _LogEntry
    ) -> int:
        """Move the `due` rows to the log entry's new status (and `values`), logging each
        with its statuses before and after; returns how many.

        Each row is updated once: an UPDATE that changes indexed columns writes a new row
        version into every index, so a second pass would double the batch's cost.
        """
        values = {
            **values,
            "detailed_status": log.new_status.value,
            "status": rolled_up(log.new_status).value,
            "updated_at": utcnow(),
        }
        if self.session.get_bind().dialect.name == "postgresql":
            return self._transition_in_one_statement(due, values, log)
        # SQLite: the unit of work holds the database's write lock since it began, so the
        # rows the log reads are exactly the rows the UPDATE then changes.
        logged = select(*self._log_source(Transaction, Transaction, log)).where(*due)
        self.session.execute(self._log_insert(logged))
        result = self.session.execute(
            update(Transaction)
            .where(*due)
            .values(values)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def _transition_in_one_statement(
        self, due: list[ColumnElement[bool]], values: dict[str, Any], log: _LogEntry
    ) -> int:
        """PostgreSQL: lock the due rows, update them and log them in one statement, so
        that a merchant's concurrent cancel or validation either wins (the row is neither
        changed nor logged) or waits for the batch."""
        locked = (
            select(Transaction.id, Transaction.detailed_status, Transaction.status)
            .where(*due)
            .with_for_update()
            .cte("due")
        )
        changed = (
            update(Transaction)
            .where(Transaction.id == locked.c.id)
            .values(values)
            .returning(
                Transaction.id,
                Transaction.shop_id,
                Transaction.amount_minor,
                Transaction.currency,
                Transaction.expected_capture_date,
                locked.c.detailed_status.label("before_detailed_status"),
                locked.c.status.label("before_status"),
            )
            .cte("changed")
        )
        before = _Before(changed.c.before_detailed_status, changed.c.before_status)
        rows = select(*self._log_source(changed.c, before, log))
        # The driver reports no row count for this statement: count what the INSERT returns.
        logged = self._log_insert(rows).returning(Operation.id).cte("logged")
        return int(self.session.scalar(select(func.count()).select_from(logged)) or 0)

    def _log_source(self, row: Any, before: Any, log: _LogEntry) -> list[ColumnElement[Any]]:
        """The columns of a log entry, read from `row` (the transaction's columns) with the
        statuses before the change read from `before`."""
        common = {
            "amount_minor": row.amount_minor,
            "currency": row.currency,
            "expected_capture_date": row.expected_capture_date,
        }
        return [
            row.shop_id,
            row.id,
            _text(log.kind.value),
            _text(OperationSource.BATCH.value),
            _text(BATCH_ACTOR),
            literal(log.at, UTCDateTime),
            self._json_object(
                detailed_status=before.detailed_status, status=before.status, **common
            ),
            self._json_object(
                detailed_status=_text(log.new_status.value),
                status=_text(rolled_up(log.new_status).value),
                **common,
            ),
        ]

    @staticmethod
    def _log_insert(rows: Any) -> Any:
        columns = ["shop_id", "transaction_pk", "kind", "source", "actor", "at", "before", "after"]
        return insert(Operation).from_select(columns, rows)

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
