"""The rows events are emitted for, as SELECTs of (shop pk, mode, subject id, previous
attributes) that `events.insert_events_from` turns into one INSERT … SELECT each.

Each is limited to the shops given (those with an endpoint subscribed to the type) and
checks, row by row, for an endpoint of the row's own mode: a test-mode transaction makes an
event only for a shop with a test-mode endpoint."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, literal, null, select
from sqlalchemy.orm import Session

from pointage.core.statuses import Mode
from pointage.db.base import UTCDateTime
from pointage.payment.models import Operation, Transaction
from pointage.remittance.models import Remittance
from pointage.shop.models import Shop
from pointage.webhook.repository.events import chunks, json_object, subscribed

_PRODUCTION = literal(Mode.PRODUCTION.value)
# A query of any columns: SQLAlchemy types a select by the tuple of its columns.
Rows = Select[*tuple[Any, ...]]


def transactions(ids: Sequence[int], shops: Collection[int], event_type: str) -> Rows:
    return select(Transaction.shop_id, Transaction.mode, Transaction.id, null()).where(
        Transaction.id.in_(ids),
        Transaction.shop_id.in_(shops),
        subscribed(event_type, Transaction.shop_id, Transaction.mode),
    )


def batch_changes(
    session: Session,
    shop_pk: int,
    contract_id: int,
    at: datetime,
    kinds: Collection[str],
    event_type: str,
) -> Rows:
    """The contract's transactions a batch changed at `at`, found by the entries it wrote
    in the operations log (indexed by shop and time), with their statuses before."""
    previous = json_object(
        session,
        detailed_status=Operation.before["detailed_status"].as_string(),
        status=Operation.before["status"].as_string(),
    )
    return (
        select(Transaction.shop_id, Transaction.mode, Transaction.id, previous)
        .join(Operation, Operation.transaction_pk == Transaction.id)
        .where(
            Operation.shop_id == shop_pk,
            Operation.at == literal(at, UTCDateTime),
            Operation.kind.in_(list(kinds)),
            Transaction.contract_id == contract_id,
            subscribed(event_type, Transaction.shop_id, Transaction.mode),
        )
    )


def remittances_of_shops(
    session: Session, remittance_ids: Collection[int], shops: Collection[int]
) -> list[int]:
    """Those of the remittances that belong to these shops: read from the few remittance
    rows, so that the transactions of the other shops are not even looked at."""
    found: list[int] = []
    for chunk in chunks(remittance_ids):
        found += session.scalars(
            select(Remittance.id).where(Remittance.id.in_(chunk), Remittance.shop_id.in_(shops))
        )
    return found


def status_changes(
    session: Session,
    status: str,
    shops: Collection[int],
    *,
    remittance_ids: Sequence[int] = (),
    transaction_ids: Sequence[int] = (),
) -> Rows:
    """The transactions of these remittances, or these transactions, whose reconciliation
    status is about to become `status`, with the status they leave."""
    key = Transaction.remittance_id.in_(remittance_ids) if remittance_ids else None
    if key is None:
        key = Transaction.id.in_(transaction_ids)
    previous = json_object(session, reconciliation_status=Transaction.reconciliation_status)
    return select(Transaction.shop_id, Transaction.mode, Transaction.id, previous).where(
        key,
        Transaction.reconciliation_status != status,
        Transaction.shop_id.in_(shops),
        subscribed(
            "transaction.reconciliation_status_changed", Transaction.shop_id, Transaction.mode
        ),
    )


def without(rows: Rows, transaction_ids: Collection[int]) -> Rows:
    return rows.where(Transaction.id.not_in(list(transaction_ids)))


def remittances(ids: Sequence[int], shops: Collection[int], event_type: str) -> Rows:
    return select(Remittance.shop_id, _PRODUCTION, Remittance.id, null()).where(
        Remittance.id.in_(ids),
        Remittance.shop_id.in_(shops),
        subscribed(event_type, Remittance.shop_id, _PRODUCTION),
    )


def chargebacks(ids: Sequence[int], shops: Collection[int], event_type: str) -> Rows:
    return select(Transaction.shop_id, _PRODUCTION, Transaction.id, null()).where(
        Transaction.id.in_(ids),
        Transaction.shop_id.in_(shops),
        subscribed(event_type, Transaction.shop_id, _PRODUCTION),
    )


def merchant_shops(
    merchant_id: int, subject_id: int, shops: Collection[int], event_type: str
) -> Rows:
    """One row per shop of the merchant that subscribes, all about the same object."""
    return select(Shop.id, _PRODUCTION, literal(subject_id), null()).where(
        Shop.merchant_id == merchant_id,
        Shop.id.in_(shops),
        subscribed(event_type, Shop.id, _PRODUCTION),
    )
