"""Queries of the transaction journal (JT) and the operations journal (JO).

Rows stream from the database (`yield_per`): a million-line journal never sits in memory.
The JT query selects its columns in the layout's order, so that each database row is a
journal row as it comes, with no per-row work in Python, and runs on the session's
connection rather than through the ORM, whose per-row bookkeeping a plain column select
does not need (it cost a fifth of the time of a million-row journal).

On SQLite the JT rows also offer a reading straight from the DBAPI cursor, with the dates
and instants as the text SQLite stores, which the CSV writer slices into its own shapes:
SQLAlchemy's result processing, mostly parsing two instants a row and giving them a zone,
took more time than the query itself (4 s of 10 on a million lines, the query 3 s).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    DateTime,
    Dialect,
    Row,
    Select,
    TypeDecorator,
    case,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from pointage.core.statuses import Mode, OperationKind, OperationSource, OperationType
from pointage.db.base import UTCDateTime
from pointage.formats.journals.iso_rows import IsoDatedRows
from pointage.payment.models import Operation, Transaction
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract, Shop

YIELD_PER = 5_000

# What the merchant did to payments (from the back office or through the API): the JO.
# Creation, capture, expiry and the gateway's later updates are the gateway's and the
# batch's doing, and are in the transaction journal instead.
MERCHANT_OPERATIONS = (
    OperationKind.VALIDATE.value,
    OperationKind.CANCEL.value,
    OperationKind.MODIFY.value,
    OperationKind.REFUND.value,
    OperationKind.DUPLICATE.value,
)
MERCHANT_SOURCES = (OperationSource.BACK_OFFICE.value, OperationSource.API.value)


class _UTCInstant(TypeDecorator[datetime]):
    """The instants of a UTCDateTime column as UTCDateTime reads them, faster on SQLite.

    SQLite keeps an instant as text without its zone ("2026-03-02 09:15:04.000000");
    UTCDateTime parses it, then sets the zone with `datetime.replace`, which costs four
    times the parse. Parsing the text with "+00:00" appended gives the same value in one
    step: a second less on a million-line journal. Text of another shape is read as
    UTCDateTime reads it.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None] | None:
        standard = UTCDateTime().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or standard is None:
            return standard
        parse = datetime.fromisoformat

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            try:
                return parse(value + "+00:00")
            except (TypeError, ValueError):
                return standard(value)

        return process


def local_days(shop: Shop, period_start: date, period_end: date) -> tuple[datetime, datetime]:
    """The shop's local days from `period_start` to `period_end` as UTC instants [start, end)."""
    zone = ZoneInfo(shop.timezone)
    start = datetime.combine(period_start, time(0), tzinfo=zone)
    end = datetime.combine(period_end + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def transaction_rows(
    session: Session, shop: Shop, period_start: date, period_end: date
) -> Iterator[tuple[Any, ...]]:
    """The JT rows of the shop's transactions dated in the period, oldest first, in the
    column order of JT_LAYOUT.

    On SQLite they can also be read with their dates as the text SQLite stores
    (`IsoDatedRows.iso_dated`), which is how the CSV writer reads them."""
    query = _transaction_query(shop, period_start, period_end)
    typed = _typed_rows(session, query)
    if session.get_bind().dialect.name != "sqlite":
        return typed
    return IsoDatedRows(typed, _stored_rows(session, query))


def _typed_rows(session: Session, query: Select[*tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    result = session.connection().execute(query.execution_options(yield_per=YIELD_PER))
    for chunk in result.partitions():
        yield from chunk  # a chunk at a time: cheaper than the result's row-by-row iteration


def _stored_rows(session: Session, query: Select[*tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The rows as SQLite's cursor gives them: no result processing, dates and instants as
    the stored text ("2026-03-02", "2026-03-02 09:15:04.000000" in UTC). The columns are
    plain text and integers otherwise, which the processing leaves as they are."""
    result = session.connection().execute(query)
    try:
        cursor = result.cursor
        while chunk := cursor.fetchmany(YIELD_PER):
            yield from chunk
    finally:
        result.close()


def _transaction_query(
    shop: Shop, period_start: date, period_end: date
) -> Select[*tuple[Any, ...]]:
    start, end = local_days(shop, period_start, period_end)
    parent = aliased(Transaction)
    is_refund = Transaction.operation_type == OperationType.CREDIT.value
    return (
        select(
            literal(shop.shop_id),
            Transaction.uuid,
            Transaction.transaction_id,
            type_coerce(Transaction.created_at, _UTCInstant()),
            Transaction.operation_type,
            Transaction.amount_minor,
            Transaction.original_amount_minor,
            Transaction.currency,
            Transaction.detailed_status,
            Transaction.order_id,
            Transaction.customer_reference,
            Transaction.card_brand,
            Transaction.card_masked,
            Transaction.authorisation_number,
            Transaction.expected_capture_date,
            Contract.number,
            # A refund names the payment it refunds; a duplicate, the payment it copies,
            # in a column of its own (the import would take it for a refund's payment).
            case((is_refund, parent.uuid)),
            type_coerce(Transaction.captured_at, _UTCInstant()),
            Remittance.number,
            Remittance.remittance_date,
            Transaction.reconciliation_status,
            Transaction.dispute_flag,
            case((is_refund, None), else_=parent.uuid),
        )
        .outerjoin(Contract, Contract.id == Transaction.contract_id)
        .outerjoin(Remittance, Remittance.id == Transaction.remittance_id)
        .outerjoin(parent, parent.id == Transaction.parent_id)
        .where(
            Transaction.shop_id == shop.id,
            # The journals are the production account's: test payments reach no bank.
            Transaction.mode == Mode.PRODUCTION.value,
            Transaction.transaction_date >= period_start,
            Transaction.transaction_date <= period_end,
            # The day is the creation instant's in the shop's zone; this wider bound on the
            # instant (a day each side, for a shop whose zone changed) lets the database
            # read the (shop, created_at) index in order instead of sorting the period.
            Transaction.created_at >= start - timedelta(days=1),
            Transaction.created_at < end + timedelta(days=1),
        )
        .order_by(Transaction.created_at, Transaction.id)
    )


def operation_rows(
    session: Session, shop: Shop, period_start: date, period_end: date
) -> Iterator[Row[Any]]:
    """The merchant's operations on the shop's transactions in the period, oldest first:
    the operation, the transaction it is logged on, and that transaction's parent."""
    start, end = local_days(shop, period_start, period_end)
    parent = aliased(Transaction)
    query = (
        select(
            Operation.at,
            Operation.kind,
            Operation.source,
            Operation.actor,
            Operation.before,
            Operation.after,
            Operation.comment,
            Transaction.uuid,
            Transaction.transaction_id,
            Transaction.transaction_date,
            Transaction.order_id,
            Transaction.currency,
            parent.uuid.label("parent_uuid"),
            parent.transaction_id.label("parent_transaction_id"),
            parent.transaction_date.label("parent_transaction_date"),
            parent.order_id.label("parent_order_id"),
        )
        .join(Transaction, Transaction.id == Operation.transaction_pk)
        .outerjoin(parent, parent.id == Transaction.parent_id)
        .where(
            Operation.shop_id == shop.id,
            Transaction.mode == Mode.PRODUCTION.value,
            Operation.at >= start,
            Operation.at < end,
            Operation.kind.in_(MERCHANT_OPERATIONS),
            Operation.source.in_(MERCHANT_SOURCES),
        )
        .order_by(Operation.at, Operation.id)
        .execution_options(yield_per=YIELD_PER)
    )
    yield from session.execute(query)
