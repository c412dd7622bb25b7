"""Ingestion: a transaction as the payment page or the gateway reports it.

The same path serves the REST endpoint, signed notifications (IPN) and a single row of a
journal file. Ingestion is idempotent on the transaction uuid: a replayed report changes
nothing, a later report of the same transaction moves its status forward, never back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pointage.core.cards import normalise_masked_pan
from pointage.core.errors import Conflict, InvalidInput, NotFound
from pointage.core.money import is_currency
from pointage.core.statuses import (
    BEFORE_CAPTURE,
    TO_VALIDATE,
    DetailedStatus,
    DisputeFlag,
    Mode,
    OperationKind,
    OperationType,
    ReconciliationStatus,
    rolled_up,
)
from pointage.payment.models import Transaction
from pointage.payment.repository import DEAD_REFUND_STATUSES, TransactionRepository
from pointage.payment.service.common import (
    Actor,
    local_date,
    log_operation,
    new_transaction_id,
    new_uuid,
    snapshot,
)
from pointage.shop.models import Contract, Shop
from pointage.shop.repository import ShopRepository
from pointage.webhook import service as webhooks

_AUTHORISED = frozenset({DetailedStatus.AUTHORISED, DetailedStatus.AUTHORISED_TO_VALIDATE})
_WAITING = frozenset(
    {DetailedStatus.WAITING_AUTHORISATION, DetailedStatus.WAITING_AUTHORISATION_TO_VALIDATE}
)

UUID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
TRANSACTION_ID_PATTERN = re.compile(r"^[0-9A-Za-z]{6}$")

# Statuses after which the gateway's later reports cannot change the transaction any more.
FINAL_STATUSES = (
    frozenset(DetailedStatus)
    - BEFORE_CAPTURE
    - {
        DetailedStatus.UNDER_VERIFICATION,
        DetailedStatus.SUSPENDED,
    }
)


@dataclass(frozen=True, slots=True)
class IncomingTransaction:
    """A transaction reported by the payment page. Amounts in minor units."""

    operation_type: OperationType
    amount_minor: int
    currency: str
    detailed_status: DetailedStatus
    created_at: datetime
    uuid: str | None = None
    transaction_id: str | None = None
    order_id: str | None = None
    original_amount_minor: int | None = None
    card_brand: str | None = None
    card_masked: str | None = None
    authorisation_number: str | None = None
    customer_reference: str | None = None
    expected_capture_date: date | None = None
    contract_number: str | None = None
    parent_uuid: str | None = None
    mode: Mode = Mode.PRODUCTION


@dataclass(frozen=True, slots=True)
class IngestResult:
    transaction: Transaction
    created: bool
    changed: bool


def _check(incoming: IncomingTransaction) -> None:
    if incoming.uuid is not None and not UUID_PATTERN.match(incoming.uuid):
        raise InvalidInput("uuid must be 32 lowercase hexadecimal characters", param="uuid")
    if incoming.transaction_id is not None and not TRANSACTION_ID_PATTERN.match(
        incoming.transaction_id
    ):
        raise InvalidInput("transaction id must be 6 letters or digits", param="transaction_id")
    if not is_currency(incoming.currency):
        raise InvalidInput(f"unknown currency {incoming.currency!r}", param="currency")
    if incoming.created_at.tzinfo is None:
        raise InvalidInput("creation time must carry a time zone", param="created_at")
    minimum = 0 if incoming.operation_type is OperationType.VERIFICATION else 1
    if incoming.amount_minor < minimum:
        raise InvalidInput("amount must be positive (minor units)", param="amount")
    if incoming.amount_minor > 10**13:
        raise InvalidInput("amount is out of range", param="amount")
    if incoming.original_amount_minor is not None and (
        incoming.original_amount_minor < incoming.amount_minor
    ):
        raise InvalidInput("original amount cannot be below the amount", param="original_amount")
    if incoming.operation_type is OperationType.CREDIT and not incoming.parent_uuid:
        raise InvalidInput("a refund (CREDIT) must name its payment", param="parent_uuid")


def _contract_for(session: Session, shop: Shop, incoming: IncomingTransaction) -> Contract | None:
    repo = ShopRepository(session)
    if incoming.contract_number:
        contract = repo.contract_by_number(incoming.contract_number)
        if contract is None or contract.shop_id != shop.id:
            raise InvalidInput(
                f"contract {incoming.contract_number} is not a contract of shop {shop.shop_id}",
                param="contract_number",
            )
        return contract
    contracts = repo.contracts_of_shop(shop.id)
    brand = (incoming.card_brand or "").upper()
    for contract in contracts:
        if brand and brand in contract.brands.split(","):
            return contract
    return contracts[0] if contracts else None


def _parent(session: Session, shop: Shop, incoming: IncomingTransaction) -> Transaction | None:
    if not incoming.parent_uuid:
        return None
    repo = TransactionRepository(session)
    parent = repo.by_uuid(incoming.parent_uuid)
    if parent is None or parent.shop_id != shop.id:
        raise NotFound(f"payment {incoming.parent_uuid} not found", param="parent_uuid")
    if incoming.operation_type is OperationType.CREDIT:
        _check_refund_fits(repo, parent, incoming)
    return parent


def _check_refund_fits(
    repo: TransactionRepository, payment: Transaction, refund: IncomingTransaction
) -> None:
    """A refund the gateway reports obeys the same rule as one the merchant makes: same
    currency as its payment, and refunds never above the captured amount."""
    if payment.operation_type != OperationType.DEBIT.value:
        raise InvalidInput("a refund must refer to a payment (DEBIT)", param="parent_uuid")
    if refund.currency != payment.currency:
        raise InvalidInput(
            f"a refund must be in its payment's currency ({payment.currency})", param="currency"
        )
    if refund.detailed_status.value in DEAD_REFUND_STATUSES:
        return
    refundable = payment.amount_minor - repo.refunded_total(payment.id)
    if refund.amount_minor > refundable:
        raise InvalidInput(
            f"refunds would exceed the payment: at most {refundable} is left to refund",
            param="amount",
        )


def ingest(
    session: Session, shop: Shop, incoming: IncomingTransaction, actor: Actor
) -> IngestResult:
    _check(incoming)
    card_masked = normalise_masked_pan(incoming.card_masked) if incoming.card_masked else None
    repo = TransactionRepository(session)
    if incoming.uuid is not None:
        existing = repo.by_uuid_for_update(incoming.uuid)
        if existing is not None:
            if existing.shop_id != shop.id:
                raise Conflict("this uuid belongs to another transaction", param="uuid")
            return _update(session, existing, incoming, actor)

    day = local_date(shop, incoming.created_at)
    transaction_id = incoming.transaction_id or new_transaction_id(session, shop.id, day)
    if repo.transaction_id_taken(shop.id, day, transaction_id):
        return _recorded_meanwhile(session, shop, incoming, actor)
    parent = _parent(session, shop, incoming)
    contract = _contract_for(session, shop, incoming)
    tx = new_transaction(shop, incoming, transaction_id, card_masked, contract, parent)
    try:
        with session.begin_nested():
            repo.add(tx)
    except IntegrityError:
        return _recorded_meanwhile(session, shop, incoming, actor)
    log_operation(session, tx, OperationKind.CREATE, actor, before=None, at=incoming.created_at)
    webhooks.transaction_updated(session, tx)
    return IngestResult(tx, created=True, changed=True)


def _recorded_meanwhile(
    session: Session, shop: Shop, incoming: IncomingTransaction, actor: Actor
) -> IngestResult:
    """The transaction id (or uuid) is taken. If by this very transaction, stored by another
    request between our look-up and our insert (two notifications of one payment at once),
    ours is a later report of it; otherwise the id clashes with another transaction."""
    existing = TransactionRepository(session).by_uuid_for_update(incoming.uuid or "")
    if existing is not None and existing.shop_id == shop.id:
        return _update(session, existing, incoming, actor)
    day = local_date(shop, incoming.created_at)
    raise Conflict(
        f"transaction id {incoming.transaction_id} is already used on {day.isoformat()}",
        param="transaction_id",
    )


def new_transaction(
    shop: Shop,
    incoming: IncomingTransaction,
    transaction_id: str,
    card_masked: str | None,
    contract: Contract | None,
    parent: Transaction | None,
) -> Transaction:
    """The row of a transaction reported for the first time, once checked."""
    day = local_date(shop, incoming.created_at)
    return Transaction(
        uuid=incoming.uuid or new_uuid(),
        shop_id=shop.id,
        transaction_id=transaction_id,
        transaction_date=day,
        order_id=incoming.order_id,
        operation_type=incoming.operation_type.value,
        amount_minor=incoming.amount_minor,
        original_amount_minor=incoming.original_amount_minor or incoming.amount_minor,
        currency=incoming.currency,
        detailed_status=incoming.detailed_status.value,
        status=rolled_up(incoming.detailed_status).value,
        card_brand=incoming.card_brand.upper() if incoming.card_brand else None,
        card_masked=card_masked,
        authorisation_number=incoming.authorisation_number,
        customer_reference=incoming.customer_reference,
        created_at=incoming.created_at,
        expected_capture_date=incoming.expected_capture_date or day,
        contract_id=contract.id if contract else None,
        parent_id=parent.id if parent else None,
        reconciliation_status=ReconciliationStatus.NOT_APPLICABLE.value,
        dispute_flag=DisputeFlag.NA.value,
        mode=incoming.mode.value,
    )


def _update(
    session: Session, tx: Transaction, incoming: IncomingTransaction, actor: Actor
) -> IngestResult:
    """A later report of a known transaction: move forward, never back, never twice."""
    _check_same_transaction(tx, incoming)
    current = DetailedStatus(tx.detailed_status)
    new_status = incoming.detailed_status
    if (
        current in FINAL_STATUSES
        or tx.remittance_id is not None
        or _steps_back(current, new_status)
        or (new_status == current and incoming.amount_minor == tx.amount_minor)
    ):
        return IngestResult(tx, created=False, changed=False)
    if incoming.amount_minor > tx.amount_minor:
        raise InvalidInput("a later report cannot raise the amount", param="amount")
    before = snapshot(tx)
    tx.detailed_status = new_status.value
    tx.status = rolled_up(new_status).value
    tx.amount_minor = incoming.amount_minor
    if incoming.expected_capture_date is not None:
        tx.expected_capture_date = incoming.expected_capture_date
    if incoming.authorisation_number:
        tx.authorisation_number = incoming.authorisation_number
    session.flush()
    log_operation(session, tx, OperationKind.UPDATE, actor, before=before)
    webhooks.transaction_updated(session, tx, before)
    return IngestResult(tx, created=False, changed=True)


def _check_same_transaction(tx: Transaction, incoming: IncomingTransaction) -> None:
    """A report whose uuid is known must describe that transaction, not another one."""
    if incoming.mode.value != tx.mode:
        raise Conflict(
            f"transaction {tx.uuid} is a {tx.mode.lower()}-mode transaction", param="uuid"
        )
    if incoming.currency != tx.currency:
        raise Conflict(
            f"transaction {tx.uuid} is in {tx.currency}, not {incoming.currency}", param="currency"
        )
    if incoming.operation_type.value != tx.operation_type:
        raise Conflict(
            f"transaction {tx.uuid} is a {tx.operation_type}, not a {incoming.operation_type}",
            param="operation_type",
        )


def _steps_back(current: DetailedStatus, reported: DetailedStatus) -> bool:
    """Whether a report is older than what we know: notifications can arrive out of order,
    and a late one must not undo the merchant's validation nor an authorisation obtained."""
    loses_validation = current not in TO_VALIDATE and reported in TO_VALIDATE
    loses_authorisation = current in _AUTHORISED and reported in _WAITING
    return current in BEFORE_CAPTURE and (loses_validation or loses_authorisation)
