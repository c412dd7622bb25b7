"""Emitting events: a transactional outbox.

The domain code calls one function here in the same unit of work as the change it tells of,
so an event exists if and only if the change commits. An event is written only for a shop
with an enabled endpoint subscribed to its type (in its mode): a shop without webhooks pays
one small indexed query, and for bulk changes not even a scan of the rows that change.

Bulk changes (a reconciliation run setting the status of a hundred thousand transactions)
emit with one INSERT … SELECT of the rows that actually change, written before the UPDATE
that changes them; the payload, the object as the API shows it, is filled in when the unit
of work commits (`before_commit`, below), once every change of the unit is made, and each
event is then fanned out to a pending delivery per subscribed endpoint. A rolled-back unit
of work leaves neither events nor deliveries.

Modes: transaction events carry the transaction's mode and go only to endpoints of that
mode; bank-side events (remittances, chargebacks, reports, statements) are production
events.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from pointage.core.statuses import Mode, OperationKind, ReconciliationStatus
from pointage.db.base import utcnow
from pointage.webhook.models import EventType
from pointage.webhook.repository import events as queries
from pointage.webhook.repository import sources

_PENDING = "pointage.webhook.unpublished"  # session.info: ids of events without payload
_PRODUCTION = Mode.PRODUCTION.value
_BATCH_KINDS = (OperationKind.CAPTURE.value, OperationKind.EXPIRE.value)

# How the operations log names a transaction's attributes, and how the API names them.
_API_NAMES = {
    "detailed_status": "detailed_status",
    "status": "status",
    "amount_minor": "amount",
    "currency": "currency",
    "expected_capture_date": "expected_capture_date",
}


def _remember(session: Session, event_ids: Collection[int]) -> None:
    session.info.setdefault(_PENDING, set()).update(event_ids)


def _emit_one(
    session: Session,
    event_type: EventType,
    shop_pk: int,
    mode: str,
    subject_id: int,
    previous: dict[str, Any] | None = None,
) -> None:
    if not queries.is_subscribed(session, event_type.value, shop_pk, mode):
        return
    event_id = queries.insert_event(
        session,
        shop_pk=shop_pk,
        mode=mode,
        event_type=event_type.value,
        subject_id=subject_id,
        previous=previous,
        at=utcnow(),
    )
    _remember(session, [event_id])


# -- transactions ---------------------------------------------------------------------------


def transaction_updated(session: Session, tx: Any, before: Mapping[str, Any] | None = None) -> None:
    """`transaction.updated`: `tx` was just created or changed. `before` is its snapshot
    before the change (payment.service.common.snapshot); the attributes that changed are
    sent as `previous_attributes`."""
    previous = None
    if before is not None:
        after = {"detailed_status": tx.detailed_status, "status": tx.status,
                 "amount_minor": tx.amount_minor, "currency": tx.currency,
                 "expected_capture_date": tx.expected_capture_date.isoformat()}  # fmt: skip
        previous = {
            _API_NAMES[key]: value
            for key, value in before.items()
            if key in _API_NAMES and after.get(key) != value
        }
    _emit_one(session, EventType.TRANSACTION_UPDATED, tx.shop_id, tx.mode, tx.id, previous)


def transactions_updated(session: Session, transaction_ids: Collection[int]) -> None:
    """`transaction.updated` for each of these transactions (a batch just changed them)."""
    shops = queries.subscribed_shops(session, EventType.TRANSACTION_UPDATED.value)
    if not shops or not transaction_ids:
        return
    for chunk in queries.chunks(transaction_ids):
        rows = sources.transactions(chunk, shops, EventType.TRANSACTION_UPDATED.value)
        _emit_rows(session, EventType.TRANSACTION_UPDATED, rows)


def batch_captured(session: Session, shop_pk: int, contract_id: int, at: datetime) -> None:
    """`transaction.updated` for each transaction of the contract the capture batch just
    captured or expired at `at` (read from the entries it wrote in the operations log)."""
    event_type = EventType.TRANSACTION_UPDATED
    if shop_pk not in queries.subscribed_shops(session, event_type.value):
        return
    rows = sources.batch_changes(session, shop_pk, contract_id, at, _BATCH_KINDS, event_type.value)
    _emit_rows(session, event_type, rows)


def reconciliation_status_changing(
    session: Session,
    status: ReconciliationStatus,
    *,
    remittance_ids: Collection[int] = (),
    transaction_ids: Collection[int] = (),
    exclude: Collection[int] = (),
) -> None:
    """`transaction.reconciliation_status_changed` for the transactions of these
    remittances, and these transactions, whose status is not `status` yet: call it just
    before the UPDATE that gives them `status`. `exclude`: transactions to leave out (their
    status is decided apart)."""
    event_type = EventType.RECONCILIATION_STATUS_CHANGED
    shops = queries.subscribed_shops(session, event_type.value)
    if not shops:
        return
    remittances = sources.remittances_of_shops(session, remittance_ids, shops)
    for chunk in queries.chunks(remittances):
        rows = sources.status_changes(session, status.value, shops, remittance_ids=chunk)
        _emit_rows(session, event_type, rows, exclude)
    for chunk in queries.chunks(transaction_ids):
        rows = sources.status_changes(session, status.value, shops, transaction_ids=chunk)
        _emit_rows(session, event_type, rows, exclude)


def _emit_rows(
    session: Session, event_type: EventType, rows: Any, exclude: Collection[int] = ()
) -> None:
    if exclude:
        rows = sources.without(rows, exclude)
    _remember(session, queries.insert_events_from(session, event_type.value, rows, utcnow()))


# -- bank side ------------------------------------------------------------------------------


def remittances_credited(session: Session, remittance_ids: Collection[int]) -> None:
    """`remittance.credited`: a bank credit was just matched to each of these remittances."""
    shops = queries.subscribed_shops(session, EventType.REMITTANCE_CREDITED.value)
    if not shops or not remittance_ids:
        return
    for chunk in queries.chunks(remittance_ids):
        rows = sources.remittances(chunk, shops, EventType.REMITTANCE_CREDITED.value)
        _emit_rows(session, EventType.REMITTANCE_CREDITED, rows)


def chargebacks_received(session: Session, transaction_ids: Collection[int]) -> None:
    """`chargeback.received`: a chargeback was just matched to each of these payments."""
    shops = queries.subscribed_shops(session, EventType.CHARGEBACK_RECEIVED.value)
    if not shops or not transaction_ids:
        return
    for chunk in queries.chunks(transaction_ids):
        rows = sources.chargebacks(chunk, shops, EventType.CHARGEBACK_RECEIVED.value)
        _emit_rows(session, EventType.CHARGEBACK_RECEIVED, rows)


def report_ready(session: Session, report: Any) -> None:
    """`report.ready`: a journal was generated (a GeneratedReport just flushed)."""
    _emit_one(session, EventType.REPORT_READY, report.shop_id, _PRODUCTION, report.id)


def statement_imported(session: Session, file: Any) -> None:
    """`statement.imported`: a bank file was imported (a StatementFile just flushed), told
    to every shop of its merchant that subscribes."""
    event_type = EventType.STATEMENT_IMPORTED
    shops = queries.subscribed_shops(session, event_type.value)
    if shops:
        rows = sources.merchant_shops(file.merchant_id, file.id, shops, event_type.value)
        _emit_rows(session, event_type, rows)


# -- publication, when the unit of work commits ---------------------------------------------


@sa_event.listens_for(Session, "before_commit")
def _publish_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the unit of work goes on
    pending = session.info.pop(_PENDING, None)
    if pending:
        # Imported here: the renderers import the domains' schemas, which import the
        # domains' services, which import this module.
        from pointage.webhook.service.publish import publish

        session.flush()
        publish(session, pending, utcnow())


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_on_rollback(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
