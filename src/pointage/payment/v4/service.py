"""What each V4 service does, on top of the merchant operations of `payment.service`.

Every operation goes through the same service as the back office, with the actor
`api:<shop id>` and the source `api`, so the operations log and the JO journal show it. The
caller sees only its shop's transactions in its key's mode; any other is "not found". When
the service refuses an operation, the refusal is re-raised with the gateway's code that
names the reason (PSP_075 "refund it", PSP_105 "already cancelled"…).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from pointage.auth.service.keys import ApiCaller
from pointage.core.errors import Conflict, InvalidInput, NotFound, OperationNotAllowed
from pointage.core.statuses import (
    BEFORE_CAPTURE,
    TO_VALIDATE,
    DetailedStatus,
    OperationSource,
    OperationType,
)
from pointage.payment.models import Transaction
from pointage.payment.service import operations
from pointage.payment.service.common import Actor, local_date, now_utc
from pointage.payment.v4.errors import GatewayInvalidInput, GatewayRefusal
from pointage.payment.v4.repository import TransactionView, V4Repository, view_of_row
from pointage.payment.v4.schemas import (
    CancelOrRefundIn,
    CardDuplicate,
    OrderGetIn,
    ResolutionMode,
    TransactionDuplicateIn,
    TransactionOperationIn,
    TransactionUpdateIn,
    YesNo,
    parse_capture_instant,
)
from pointage.shop.models import Shop

MAX_ORDER_TRANSACTIONS = 30  # as the gateway: beyond, Order/Get answers PSP_015


class TooManyResults(Conflict):
    code = "too_many_results"
    gateway_code = "PSP_015"


def actor(caller: ApiCaller) -> Actor:
    return Actor(f"api:{caller.shop.shop_id}", OperationSource.API)


def _find(session: Session, caller: ApiCaller, uuid: str) -> Transaction:
    tx = V4Repository(session).find(caller.shop.id, caller.mode, uuid)
    if tx is None:
        raise NotFound(f"transaction {uuid} not found", param="uuid")
    return tx


def get_transaction(session: Session, caller: ApiCaller, uuid: str) -> TransactionView:
    view = V4Repository(session).view(caller.shop.id, caller.mode, uuid)
    if view is None:
        raise NotFound(f"transaction {uuid} not found", param="uuid")
    return view


def transaction_view(rows: Sequence[Sequence[Any]], uuid: str) -> TransactionView:
    """Transaction/Get's answer from the rows of its quick read (`repository.view_by_uuid`,
    run by the route: on the event loop on SQLite), as `get_transaction`."""
    if not rows:
        raise NotFound(f"transaction {uuid} not found", param="uuid")
    return view_of_row(rows[0])


def get_order(session: Session, caller: ApiCaller, body: OrderGetIn) -> Sequence[TransactionView]:
    views = V4Repository(session).order(
        caller.shop.id, caller.mode, body.orderId, body.operationType, MAX_ORDER_TRANSACTIONS + 1
    )
    if not views:
        raise NotFound(f"no transaction for order {body.orderId}", param="orderId")
    if len(views) > MAX_ORDER_TRANSACTIONS:
        raise TooManyResults(
            f"the order has more than {MAX_ORDER_TRANSACTIONS} transactions; "
            "ask with an operationType, or use GET /v1/transactions?order_id=",
        )
    return views


def validate(session: Session, caller: ApiCaller, body: TransactionOperationIn) -> TransactionView:
    tx = _find(session, caller, body.uuid)
    try:
        tx = operations.validate(session, tx, actor(caller), comment=body.comment)
    except OperationNotAllowed as exc:
        raise GatewayRefusal("PSP_503", exc.message) from exc
    return V4Repository(session).view_of(tx)


def cancel(session: Session, caller: ApiCaller, body: TransactionOperationIn) -> TransactionView:
    return _cancel(session, caller, _find(session, caller, body.uuid), body.comment)


def _cancel(
    session: Session, caller: ApiCaller, tx: Transaction, comment: str | None
) -> TransactionView:
    try:
        tx = operations.cancel(session, tx, actor(caller), comment=comment)
    except OperationNotAllowed as exc:
        raise GatewayRefusal(_cancel_code(tx), exc.message) from exc
    return V4Repository(session).view_of(tx)


def _cancel_code(tx: Transaction) -> str:
    if tx.detailed_status == DetailedStatus.CANCELLED.value:
        return "PSP_105"
    if tx.detailed_status == DetailedStatus.CAPTURED.value or tx.remittance_id is not None:
        return "PSP_075"
    return "PSP_503"


def cancel_or_refund(
    session: Session, caller: ApiCaller, body: CancelOrRefundIn
) -> TransactionView:
    """Cancel what is not captured yet, refund (all, or `amount`) what is captured; the
    resolution mode may allow only one of the two."""
    tx = _find(session, caller, body.uuid)
    if body.currency is not None and body.currency != tx.currency:
        raise GatewayInvalidInput(
            "INT_010", f"the transaction is in {tx.currency}", param="currency"
        )
    captured = tx.detailed_status == DetailedStatus.CAPTURED.value
    mode = body.resolutionMode
    if mode is ResolutionMode.CANCELLATION_ONLY or (mode is ResolutionMode.AUTO and not captured):
        if not captured and body.amount not in (None, tx.amount_minor):
            raise GatewayRefusal(
                "PSP_103",
                "a transaction not captured yet is cancelled whole; lower its amount with "
                "Transaction/Update",
            )
        return _cancel(session, caller, tx, body.comment)
    return _refund(session, caller, tx, body.amount, body.comment)


def _refund(
    session: Session, caller: ApiCaller, tx: Transaction, amount: int | None, comment: str | None
) -> TransactionView:
    try:
        refund = operations.refund(
            session, caller.shop, tx, actor(caller), amount_minor=amount, comment=comment
        )
    except OperationNotAllowed as exc:
        raise GatewayRefusal(_refund_code(session, tx), exc.message) from exc
    return V4Repository(session).view_of(refund)


def _refund_code(session: Session, tx: Transaction) -> str:
    status = DetailedStatus(tx.detailed_status)
    if tx.operation_type != OperationType.DEBIT.value:
        return "PSP_101"
    if status in BEFORE_CAPTURE:
        return "PSP_076"
    if status is not DetailedStatus.CAPTURED:
        return "PSP_083"
    if V4Repository(session).refunded_total(tx.id) >= tx.amount_minor:
        return "PSP_104"
    return "PSP_511"


def _capture_day(shop: Shop, value: str | None) -> date | None:
    if value is None:
        return None
    parsed = parse_capture_instant(value)
    return local_date(shop, parsed) if isinstance(parsed, datetime) else parsed


def update(session: Session, caller: ApiCaller, body: TransactionUpdateIn) -> TransactionView:
    """Lower the amount, move the capture date, and/or validate (manualValidation NO)."""
    tx = _find(session, caller, body.uuid)
    card = body.cardUpdate
    _check_update(tx, body)
    capture = _capture_day(caller.shop, card.expectedCaptureDate)
    try:
        tx = operations.modify(
            session,
            caller.shop,
            tx,
            actor(caller),
            amount_minor=card.amount,
            capture_date=capture,
            comment=body.comment,
        )
    except OperationNotAllowed as exc:
        code = _update_code(tx, card.amount, capture, local_date(caller.shop, now_utc()))
        raise GatewayRefusal(code, exc.message) from exc
    if card.manualValidation is YesNo.NO and DetailedStatus(tx.detailed_status) in TO_VALIDATE:
        tx = operations.validate(session, tx, actor(caller), comment=body.comment)
    return V4Repository(session).view_of(tx)


def _check_update(tx: Transaction, body: TransactionUpdateIn) -> None:
    card = body.cardUpdate
    if card.currency != tx.currency:
        raise GatewayInvalidInput(
            "PSP_545", f"the transaction is in {tx.currency}", param="cardUpdate.currency"
        )
    if body.orderId is not None and body.orderId != tx.order_id:
        raise GatewayInvalidInput(
            "INT_013", "the order id of a transaction cannot change", param="orderId"
        )
    waits = DetailedStatus(tx.detailed_status) in TO_VALIDATE
    if card.manualValidation is YesNo.YES and not waits:
        raise GatewayInvalidInput(
            "INT_005",
            "a transaction that does not wait for validation cannot be made to wait",
            param="cardUpdate.manualValidation",
        )


def _update_code(tx: Transaction, amount: int, capture: date | None, today: date) -> str:
    if DetailedStatus(tx.detailed_status) not in BEFORE_CAPTURE or tx.remittance_id is not None:
        return "PSP_110"
    if amount > tx.amount_minor:
        return "PSP_546"
    if capture is not None:
        return "INT_006" if capture < today else "PSP_013"
    return "PSP_503"


_DUPLICATE_PARAMS = {"amount": "amount", "capture_date": "cardDuplicate.captureDelay"}


def duplicate(session: Session, caller: ApiCaller, body: TransactionDuplicateIn) -> TransactionView:
    """A new payment on the card of a captured, cancelled or expired one."""
    source = _find(session, caller, body.uuid)
    if body.currency != source.currency:
        raise GatewayInvalidInput(
            "INT_010", f"a copy is in its source's currency, {source.currency}", param="currency"
        )
    options = body.cardDuplicate or CardDuplicate()
    capture = None
    if options.captureDelay is not None:
        capture = local_date(caller.shop, now_utc()) + timedelta(days=options.captureDelay)
    try:
        copy = operations.duplicate(
            session,
            caller.shop,
            source,
            actor(caller),
            amount_minor=body.amount,
            order_id=body.orderId,
            capture_date=capture,
            manual_validation=options.manualValidation is YesNo.YES,
            comment=body.comment,
        )
    except OperationNotAllowed as exc:
        raise GatewayRefusal(_duplicate_code(source), exc.message) from exc
    except InvalidInput as exc:
        param = _DUPLICATE_PARAMS.get(exc.param or "", exc.param or "body")
        raise InvalidInput(exc.message, param=param) from exc
    return V4Repository(session).view_of(copy)


def _duplicate_code(source: Transaction) -> str:
    if source.operation_type == OperationType.CREDIT.value:
        return "PSP_512"
    if source.operation_type == OperationType.VERIFICATION.value:
        return "PSP_210"
    return "PSP_016"
