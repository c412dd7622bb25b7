"""Merchant operations through the resource API, and a transaction's operations log.

Each operation goes through `payment.service.operations` (the gateway's state machine, the
same as the back office and the gateway-compatible services) with the source `api`, and
answers the transaction as it is after it: 200 with the transaction changed, 201 with the
new one for a refund or a duplicate. An operation the state does not allow answers 409
`operation_not_allowed` and changes nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from pointage.auth.service.keys import ApiCaller
from pointage.core.errors import NotFound
from pointage.core.statuses import OperationSource
from pointage.payment.models import Operation, Transaction
from pointage.payment.repository import TransactionRepository
from pointage.payment.schemas import (
    CommentIn,
    DuplicateIn,
    ModifyIn,
    OperationOut,
    RefundIn,
    TransactionOut,
)
from pointage.payment.service import Actor, cancel, duplicate, modify, refund, validate
from pointage.web.auth import CurrentCaller
from pointage.web.deps import DbSession
from pointage.web.errors import problem_responses
from pointage.web.pagination import Keyset, Page, PageParams, fetch_page

router = APIRouter(tags=["transactions"])

_CHANGED = problem_responses(401, 404, 409, 422)


def _own(session: DbSession, caller: ApiCaller, uuid: str) -> Transaction:
    """The caller's transaction of its key's mode; any other is absent."""
    tx = TransactionRepository(session).by_uuid(uuid)
    if tx is None or tx.shop_id != caller.shop.id or tx.mode != caller.mode.value:
        raise NotFound(f"transaction {uuid} not found", param="uuid")
    return tx


def _actor(caller: ApiCaller) -> Actor:
    return Actor(f"api:{caller.shop.shop_id}", OperationSource.API)


def _answer(session: DbSession, caller: ApiCaller, tx: Transaction) -> TransactionOut:
    links = TransactionRepository(session).links([tx.id])
    return TransactionOut.of(tx, caller.shop.shop_id, links.get(tx.id))


@router.get(
    "/v1/transactions/{uuid}/operations",
    response_model=Page[OperationOut],
    summary="A transaction's operations log",
    responses=problem_responses(401, 404, 422),
)
def list_operations(
    uuid: str, caller: CurrentCaller, session: DbSession, page: PageParams
) -> Page[OperationOut]:
    """Every operation on the transaction (its creation, the merchant's operations, the
    batch's capture or expiry, the gateway's later notifications), newest first. The
    cursors are operation ids."""
    tx = _own(session, caller, uuid)
    repo = TransactionRepository(session)
    keyset = Keyset(
        sort=Operation.at,
        pk=Operation.id,
        position=lambda cursor: repo.operation_position(tx.id, cursor),
    )
    rows, has_more = fetch_page(session, repo.operations_listing(tx.id), keyset, page)
    return Page[OperationOut](data=[OperationOut.of(op) for op in rows], has_more=has_more)


@router.post(
    "/v1/transactions/{uuid}/validate",
    response_model=TransactionOut,
    summary="Validate a transaction waiting for validation",
    responses=_CHANGED,
)
def post_validate(
    uuid: str, caller: CurrentCaller, session: DbSession, body: CommentIn | None = None
) -> TransactionOut:
    """AUTHORISED_TO_VALIDATE becomes AUTHORISED (WAITING_AUTHORISATION_TO_VALIDATE becomes
    WAITING_AUTHORISATION): the capture batch of its capture date will capture it."""
    comment = body.comment if body else None
    tx = validate(session, _own(session, caller, uuid), _actor(caller), comment=comment)
    return _answer(session, caller, tx)


@router.post(
    "/v1/transactions/{uuid}/cancel",
    response_model=TransactionOut,
    summary="Cancel a transaction not yet captured",
    responses=_CHANGED,
)
def post_cancel(
    uuid: str, caller: CurrentCaller, session: DbSession, body: CommentIn | None = None
) -> TransactionOut:
    """A transaction not yet captured becomes CANCELLED; a captured one is refunded instead."""
    comment = body.comment if body else None
    tx = cancel(session, _own(session, caller, uuid), _actor(caller), comment=comment)
    return _answer(session, caller, tx)


@router.post(
    "/v1/transactions/{uuid}/modify",
    response_model=TransactionOut,
    summary="Lower the amount or move the capture date",
    responses=_CHANGED,
)
def post_modify(
    uuid: str, body: ModifyIn, caller: CurrentCaller, session: DbSession
) -> TransactionOut:
    """Before capture: the amount only goes down, the capture date is not in the past (shop's
    time zone) nor more than a year after the transaction's day."""
    tx = modify(
        session,
        caller.shop,
        _own(session, caller, uuid),
        _actor(caller),
        amount_minor=body.amount,
        capture_date=body.capture_date,
        comment=body.comment,
    )
    return _answer(session, caller, tx)


@router.post(
    "/v1/transactions/{uuid}/refund",
    response_model=TransactionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Refund a captured payment",
    responses=_CHANGED,
)
def post_refund(
    uuid: str, caller: CurrentCaller, session: DbSession, body: RefundIn | None = None
) -> TransactionOut:
    """A new CREDIT transaction of the payment, captured by the next batch: all that is left
    to refund, or `amount`. Refunds never add up above the captured amount."""
    given = body or RefundIn()
    new = refund(
        session,
        caller.shop,
        _own(session, caller, uuid),
        _actor(caller),
        amount_minor=given.amount,
        comment=given.comment,
    )
    return _answer(session, caller, new)


@router.post(
    "/v1/transactions/{uuid}/duplicate",
    response_model=TransactionOut,
    status_code=status.HTTP_201_CREATED,
    summary="A new payment on the same card",
    responses=_CHANGED,
)
def post_duplicate(
    uuid: str, caller: CurrentCaller, session: DbSession, body: DuplicateIn | None = None
) -> TransactionOut:
    """A new DEBIT transaction copied from a captured, cancelled or expired payment (same
    card, contract, currency and mode), with its own amount, order id and capture date."""
    given = body or DuplicateIn()
    new = duplicate(
        session,
        caller.shop,
        _own(session, caller, uuid),
        _actor(caller),
        amount_minor=given.amount,
        order_id=given.order_id,
        capture_date=given.capture_date,
        manual_validation=given.manual_validation,
        comment=given.comment,
    )
    return _answer(session, caller, new)
