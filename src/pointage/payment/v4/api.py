"""Routes of the gateway-compatible V4 services: POST /api-payment/V4/<Service>, HTTP Basic
with the shop id and an API key, JSON in, the gateway's envelope out (docs/api/v4.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response

from pointage.auth.service.keys import ApiCaller
from pointage.payment.v4 import present, service
from pointage.payment.v4.answers import (
    Answer,
    OrderTransactionsAnswer,
    TransactionAnswer,
    V4Response,
    WebServiceError,
)
from pointage.payment.v4.envelope import PREFIX, remember_caller, success
from pointage.payment.v4.errors import UnknownWebService
from pointage.payment.v4.repository import view_by_uuid
from pointage.payment.v4.route import V4Route, quick_read
from pointage.payment.v4.schemas import (
    CancelOrRefundIn,
    OrderGetIn,
    TransactionDuplicateIn,
    TransactionGetIn,
    TransactionOperationIn,
    TransactionUpdateIn,
)
from pointage.web.auth import BASIC, BEARER, CurrentCaller, quick_caller, quick_security
from pointage.web.deps import DbSession, read_rows, reads_only

router = APIRouter(prefix=PREFIX, route_class=V4Route, tags=["gateway-compatible V4"])


async def _caller(request: Request, caller: CurrentCaller, session: DbSession) -> ApiCaller:
    # The session is the one authentication used (one per request): V4Route commits it.
    remember_caller(request, caller, session)
    return caller


Caller = Annotated[ApiCaller, Depends(_caller)]


async def _quick_caller(request: Request, background: BackgroundTasks) -> ApiCaller:
    # A quick read has no session of the request: nothing for V4Route to end.
    caller = await quick_caller(request, background)
    remember_caller(request, caller, None)
    return caller


QuickV4Caller = Annotated[ApiCaller, Depends(_quick_caller)]


def _documented(answer: type[Answer]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "model": V4Response[answer],  # type: ignore[valid-type]
            "description": "status SUCCESS with the answer, or status ERROR with a "
            "V4/WebService/WebServiceError (refusals and authentication failures alike)",
        },
        "default": {
            "model": V4Response[WebServiceError],
            "description": "An unexpected error (HTTP 500), status ERROR",
        },
    }


_TRANSACTION = _documented(TransactionAnswer)


@router.post(
    "/Transaction/Get",
    summary="Get a transaction",
    responses=_TRANSACTION,
    openapi_extra=quick_security(BASIC, BEARER),
)
@quick_read(TransactionGetIn, _quick_caller)
async def transaction_get(
    body: TransactionGetIn, caller: QuickV4Caller, request: Request
) -> Response:
    """One transaction of the shop, in the key's mode, by its uuid."""
    # A quick read: its parameters found by V4Route without FastAPI's solving (route.py), its
    # query on SQLite on the event loop, without a worker thread (web.deps.read_rows).
    values = {"uuid": body.uuid, "shop_pk": caller.shop.id, "mode": caller.mode.value}
    view = service.transaction_view(await read_rows(request, view_by_uuid(), values), body.uuid)
    return success(request, present.transaction(view, caller.shop))


@router.post(
    "/Order/Get",
    summary="Get the transactions of an order",
    responses=_documented(OrderTransactionsAnswer),
)
@reads_only(quick=True)
def order_get(body: OrderGetIn, caller: Caller, session: DbSession, request: Request) -> Response:
    """Every transaction of an order id (at most 30), oldest first."""
    views = service.get_order(session, caller, body)
    answer = present.order(views, body.orderId, caller.shop, datetime.now(UTC))
    return success(request, answer)


@router.post("/Transaction/Validate", summary="Validate a transaction", responses=_TRANSACTION)
def transaction_validate(
    body: TransactionOperationIn, caller: Caller, session: DbSession, request: Request
) -> Response:
    """Validate a transaction waiting for the merchant's validation."""
    view = service.validate(session, caller, body)
    return success(request, present.transaction(view, caller.shop))


@router.post("/Transaction/Cancel", summary="Cancel a transaction", responses=_TRANSACTION)
def transaction_cancel(
    body: TransactionOperationIn, caller: Caller, session: DbSession, request: Request
) -> Response:
    """Cancel a transaction not captured yet."""
    view = service.cancel(session, caller, body)
    return success(request, present.transaction(view, caller.shop))


@router.post(
    "/Transaction/CancelOrRefund",
    summary="Cancel or refund a transaction",
    responses=_TRANSACTION,
)
def transaction_cancel_or_refund(
    body: CancelOrRefundIn, caller: Caller, session: DbSession, request: Request
) -> Response:
    """Cancel it if not captured yet (the answer is the transaction), refund it if captured
    (the answer is the new refund transaction)."""
    view = service.cancel_or_refund(session, caller, body)
    return success(request, present.transaction(view, caller.shop))


@router.post("/Transaction/Update", summary="Update a transaction", responses=_TRANSACTION)
def transaction_update(
    body: TransactionUpdateIn, caller: Caller, session: DbSession, request: Request
) -> Response:
    """Lower the amount or move the capture date of a transaction not captured yet."""
    view = service.update(session, caller, body)
    return success(request, present.transaction(view, caller.shop))


@router.post("/Transaction/Duplicate", summary="Duplicate a transaction", responses=_TRANSACTION)
def transaction_duplicate(
    body: TransactionDuplicateIn, caller: Caller, session: DbSession, request: Request
) -> Response:
    """A new payment on the card of a captured, cancelled or expired one (the answer is the
    new transaction)."""
    view = service.duplicate(session, caller, body)
    return success(request, present.transaction(view, caller.shop))


_SERVICES = frozenset(
    route.path.removeprefix(PREFIX + "/") for route in router.routes if isinstance(route, V4Route)
)


@router.api_route(
    "/{path:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
    include_in_schema=False,
)
def unknown_service(path: str, request: Request) -> Response:
    """Anything else under /api-payment/V4/ is a web service Pointage does not offer."""
    if path in _SERVICES:
        raise UnknownWebService(f"{path} is called with POST, not {request.method}")
    raise UnknownWebService("Pointage offers no such web service (see the V4 documentation)")
