"""Merchant operations on transactions, enforced by the gateway's state machine.

- validate: only a *_TO_VALIDATE transaction; becomes AUTHORISED (or WAITING_AUTHORISATION).
- cancel: any transaction not yet captured; becomes CANCELLED.
- modify: before capture; the amount only goes down, the capture date is not in the past.
  Deferred past the authorisation's validity, it waits for a new authorisation.
- refund: a CAPTURED payment; refunds never add up above the captured amount.
  Creates a CREDIT transaction that the next daily batch captures.
- duplicate: a payment CAPTURED, CANCELLED or EXPIRED; creates a new DEBIT transaction.

Every operation locks its transaction, checks, changes, and writes one operations-log entry;
an operation the state does not allow raises `OperationNotAllowed` and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from pointage.core.errors import InvalidInput, NotFound, OperationNotAllowed
from pointage.core.statuses import (
    BEFORE_CAPTURE,
    DetailedStatus,
    DisputeFlag,
    OperationKind,
    OperationType,
    ReconciliationStatus,
    rolled_up,
)
from pointage.payment.models import Transaction
from pointage.payment.repository import TransactionRepository
from pointage.payment.service.common import (
    AUTHORISATION_VALIDITY_DAYS,
    Actor,
    local_date,
    log_operation,
    new_transaction_id,
    new_uuid,
    now_utc,
    snapshot,
)
from pointage.payment.service.ingest import TRANSACTION_ID_PATTERN, UUID_PATTERN
from pointage.shop.models import Shop
from pointage.webhook import service as webhooks

_VALIDATED = {
    DetailedStatus.AUTHORISED_TO_VALIDATE: DetailedStatus.AUTHORISED,
    DetailedStatus.WAITING_AUTHORISATION_TO_VALIDATE: DetailedStatus.WAITING_AUTHORISATION,
}
_DUPLICABLE = frozenset({DetailedStatus.CAPTURED, DetailedStatus.CANCELLED, DetailedStatus.EXPIRED})
MAX_DEFERRAL_DAYS = 365


def _set_status(tx: Transaction, status: DetailedStatus) -> None:
    tx.detailed_status = status.value
    tx.status = rolled_up(status).value


def _refuse(tx: Transaction, operation: str, why: str) -> OperationNotAllowed:
    return OperationNotAllowed(
        f"cannot {operation} transaction {tx.uuid} ({tx.detailed_status}): {why}"
    )


def _ids_for_new_transaction(
    session: Session, shop_pk: int, day: date, uuid: str | None, transaction_id: str | None
) -> tuple[str, str]:
    """The uuid and transaction id of a transaction an operation creates: fresh ones, or the
    caller's (the deterministic demo) once checked to be well-formed and free."""
    repo = TransactionRepository(session)
    if uuid is not None and (not UUID_PATTERN.match(uuid) or repo.by_uuid(uuid) is not None):
        raise InvalidInput("uuid must be 32 lowercase hexadecimal characters, unused", param="uuid")
    if transaction_id is not None and (
        not TRANSACTION_ID_PATTERN.match(transaction_id)
        or repo.transaction_id_taken(shop_pk, day, transaction_id)
    ):
        raise InvalidInput(
            f"transaction id must be 6 letters or digits, unused on {day.isoformat()}",
            param="transaction_id",
        )
    return uuid or new_uuid(), transaction_id or new_transaction_id(session, shop_pk, day)


def _check_shop(shop: Shop, tx: Transaction) -> None:
    # New rows are dated in `shop`'s time zone and the caller authenticated as `shop`: a
    # transaction of another shop must look as absent as an unknown one.
    if tx.shop_id != shop.id:
        raise NotFound(f"transaction {tx.uuid} not found", param="uuid")


def validate(
    session: Session,
    tx: Transaction,
    actor: Actor,
    *,
    comment: str | None = None,
    now: datetime | None = None,
) -> Transaction:
    tx = TransactionRepository(session).lock(tx)
    status = DetailedStatus(tx.detailed_status)
    if status not in _VALIDATED:
        raise _refuse(tx, "validate", "only a transaction waiting for validation can be validated")
    before = snapshot(tx)
    _set_status(tx, _VALIDATED[status])
    session.flush()
    log_operation(
        session, tx, OperationKind.VALIDATE, actor, before=before, comment=comment, at=now
    )
    webhooks.transaction_updated(session, tx, before)
    return tx


def cancel(
    session: Session,
    tx: Transaction,
    actor: Actor,
    *,
    comment: str | None = None,
    now: datetime | None = None,
) -> Transaction:
    tx = TransactionRepository(session).lock(tx)
    if DetailedStatus(tx.detailed_status) not in BEFORE_CAPTURE or tx.remittance_id is not None:
        raise _refuse(tx, "cancel", "only a transaction not yet captured can be cancelled")
    before = snapshot(tx)
    _set_status(tx, DetailedStatus.CANCELLED)
    session.flush()
    log_operation(session, tx, OperationKind.CANCEL, actor, before=before, comment=comment, at=now)
    webhooks.transaction_updated(session, tx, before)
    return tx


def modify(
    session: Session,
    shop: Shop,
    tx: Transaction,
    actor: Actor,
    *,
    amount_minor: int | None = None,
    capture_date: date | None = None,
    comment: str | None = None,
    now: datetime | None = None,
) -> Transaction:
    """Lower the amount and/or move the capture date of a transaction not yet captured."""
    _check_shop(shop, tx)
    tx = TransactionRepository(session).lock(tx)
    status = DetailedStatus(tx.detailed_status)
    if status not in BEFORE_CAPTURE or tx.remittance_id is not None:
        raise _refuse(tx, "modify", "only a transaction not yet captured can be modified")
    if amount_minor is None and capture_date is None:
        raise InvalidInput("give a new amount or a new capture date", param="amount")
    if amount_minor is not None and not 0 < amount_minor <= tx.amount_minor:
        raise _refuse(tx, "modify", f"the new amount must be above 0 and at most {tx.amount_minor}")
    today = local_date(shop, now or now_utc())
    if capture_date is not None:
        if capture_date < today:
            raise _refuse(tx, "modify", "the capture date cannot be in the past")
        if capture_date > tx.transaction_date + timedelta(days=MAX_DEFERRAL_DAYS):
            raise _refuse(tx, "modify", f"capture cannot be deferred over {MAX_DEFERRAL_DAYS} days")
    before = snapshot(tx)
    if amount_minor is not None:
        tx.amount_minor = amount_minor
    if capture_date is not None:
        _move_capture_date(tx, capture_date)
    session.flush()
    log_operation(session, tx, OperationKind.MODIFY, actor, before=before, comment=comment, at=now)
    webhooks.transaction_updated(session, tx, before)
    return tx


# Past the authorisation's validity, the gateway asks for a new authorisation at capture.
_REAUTHORISED_AT_CAPTURE = {
    DetailedStatus.AUTHORISED: DetailedStatus.WAITING_AUTHORISATION,
    DetailedStatus.AUTHORISED_TO_VALIDATE: DetailedStatus.WAITING_AUTHORISATION_TO_VALIDATE,
}


def _move_capture_date(tx: Transaction, capture_date: date) -> None:
    tx.expected_capture_date = capture_date
    authorisation_lapses = tx.transaction_date + timedelta(days=AUTHORISATION_VALIDITY_DAYS)
    waiting = _REAUTHORISED_AT_CAPTURE.get(DetailedStatus(tx.detailed_status))
    if waiting is not None and capture_date > authorisation_lapses:
        _set_status(tx, waiting)


def refund(
    session: Session,
    shop: Shop,
    payment: Transaction,
    actor: Actor,
    *,
    amount_minor: int | None = None,
    comment: str | None = None,
    now: datetime | None = None,
    uuid: str | None = None,
    transaction_id: str | None = None,
) -> Transaction:
    """Refund all (amount None) or part of a captured payment: a new CREDIT transaction,
    captured by the next daily batch. Refunds never add up above the captured amount."""
    _check_shop(shop, payment)
    repo = TransactionRepository(session)
    payment = repo.lock(payment)
    if payment.operation_type != OperationType.DEBIT.value:
        raise _refuse(payment, "refund", "only a payment (DEBIT) can be refunded")
    if payment.detailed_status != DetailedStatus.CAPTURED.value:
        raise _refuse(
            payment, "refund", "only a captured payment can be refunded; cancel it instead"
        )
    refundable = payment.amount_minor - repo.refunded_total(payment.id)
    amount = refundable if amount_minor is None else amount_minor
    if amount <= 0 or amount > refundable:
        raise _refuse(
            payment,
            "refund",
            f"the refund must be above 0 and at most {refundable} (not yet refunded)",
        )
    instant = now or now_utc()
    day = local_date(shop, instant)
    new = _NewTransaction(
        OperationType.CREDIT, amount, DetailedStatus.AUTHORISED, instant, day, capture_date=day
    )
    return _derive(
        session, payment, new, actor, OperationKind.REFUND, comment, uuid, transaction_id
    )


def duplicate(
    session: Session,
    shop: Shop,
    source: Transaction,
    actor: Actor,
    *,
    amount_minor: int | None = None,
    order_id: str | None = None,
    capture_date: date | None = None,
    manual_validation: bool = False,
    comment: str | None = None,
    now: datetime | None = None,
    uuid: str | None = None,
    transaction_id: str | None = None,
) -> Transaction:
    """A new payment on the same card as an earlier one (a re-order, a second instalment)."""
    _check_shop(shop, source)
    if source.operation_type != OperationType.DEBIT.value:
        raise _refuse(source, "duplicate", "only a payment (DEBIT) can be duplicated")
    if DetailedStatus(source.detailed_status) not in _DUPLICABLE:
        raise _refuse(
            source, "duplicate", "only a captured, cancelled or expired payment can be duplicated"
        )
    amount = source.original_amount_minor if amount_minor is None else amount_minor
    if not 0 < amount <= 10**13:
        raise InvalidInput("amount must be positive (minor units)", param="amount")
    instant = now or now_utc()
    day = local_date(shop, instant)
    capture = capture_date or day
    if capture < day or capture > day + timedelta(days=MAX_DEFERRAL_DAYS):
        raise InvalidInput(
            "capture date must be between today and a year ahead", param="capture_date"
        )
    status = _status_of_new_payment(day, capture, manual_validation=manual_validation)
    new = _NewTransaction(
        OperationType.DEBIT, amount, status, instant, day, capture_date=capture, order_id=order_id
    )
    return _derive(
        session, source, new, actor, OperationKind.DUPLICATE, comment, uuid, transaction_id
    )


def _status_of_new_payment(day: date, capture: date, *, manual_validation: bool) -> DetailedStatus:
    """A capture later than the authorisation's validity waits for a new authorisation."""
    deferred = capture > day + timedelta(days=AUTHORISATION_VALIDITY_DAYS)
    if manual_validation:
        return (
            DetailedStatus.WAITING_AUTHORISATION_TO_VALIDATE
            if deferred
            else DetailedStatus.AUTHORISED_TO_VALIDATE
        )
    return DetailedStatus.WAITING_AUTHORISATION if deferred else DetailedStatus.AUTHORISED


@dataclass(frozen=True, slots=True)
class _NewTransaction:
    """What differs between a transaction derived from another (refund, duplicate) and it."""

    operation_type: OperationType
    amount_minor: int
    status: DetailedStatus
    created_at: datetime
    transaction_date: date  # the day of created_at in the shop's time zone
    capture_date: date
    order_id: str | None = None


def _derive(
    session: Session,
    source: Transaction,
    new: _NewTransaction,
    actor: Actor,
    kind: OperationKind,
    comment: str | None,
    uuid: str | None,
    transaction_id: str | None,
) -> Transaction:
    """Store and log a new transaction on the same card, contract, currency and mode as
    `source`."""
    day = new.transaction_date
    new_uuid, new_id = _ids_for_new_transaction(session, source.shop_id, day, uuid, transaction_id)
    derived = Transaction(
        uuid=new_uuid,
        shop_id=source.shop_id,
        transaction_id=new_id,
        transaction_date=day,
        order_id=new.order_id or source.order_id,
        operation_type=new.operation_type.value,
        amount_minor=new.amount_minor,
        original_amount_minor=new.amount_minor,
        currency=source.currency,
        detailed_status=new.status.value,
        status=rolled_up(new.status).value,
        card_brand=source.card_brand,
        card_masked=source.card_masked,
        customer_reference=source.customer_reference,
        created_at=new.created_at,
        expected_capture_date=new.capture_date,
        contract_id=source.contract_id,
        parent_id=source.id,
        reconciliation_status=ReconciliationStatus.NOT_APPLICABLE.value,
        dispute_flag=DisputeFlag.NA.value,
        mode=source.mode,  # a refund or a copy of a test payment is a test one
    )
    TransactionRepository(session).add(derived)
    log_operation(session, derived, kind, actor, before=None, comment=comment, at=new.created_at)
    webhooks.transaction_updated(session, derived)
    return derived
