"""`V4Route`: every route under /api-payment/V4/ answers its errors in the gateway's shape,
not in the application's problem+json.

The route ends the request's unit of work itself (the session the V4 dependencies keep in
`request.state.v4_session`): it commits before the answer leaves, and rolls back before an
error is answered, whatever failed (domain error, body validation, HTTP error, a bug). The
request's own unit of work then finds nothing left to do. No traceback is ever shown.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from pointage.core.errors import PointageError
from pointage.payment.v4.envelope import failure, web_service
from pointage.payment.v4.errors import (
    AUTHENTICATION_FAILED_STATUS,
    CHALLENGE,
    MESSAGES,
    TECHNICAL_ERROR,
    GatewayError,
    gateway_error,
    invalid_parameter,
    unknown_parameter,
)

log = logging.getLogger(__name__)


async def _domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PointageError)
    return failure(request, gateway_error(exc))


def _param(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part != "body"]
    return ".".join(parts) or "body"


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request", "type": ""}
    param = _param(tuple(first.get("loc", ())))
    if first.get("type") == "extra_forbidden":
        return failure(request, unknown_parameter(param))
    if first.get("type") == "json_invalid":
        return failure(request, invalid_parameter("body", "not valid JSON"))
    return failure(request, invalid_parameter(param, str(first.get("msg", "invalid"))))


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = str(exc.detail)
    if exc.status_code in (401, 403):
        code = "INT_905"
        error = GatewayError(
            code,
            MESSAGES[code],
            "authentication_failed",
            detail,
            AUTHENTICATION_FAILED_STATUS,
            CHALLENGE,
        )
    elif exc.status_code in (404, 405):
        error = GatewayError("INT_901", MESSAGES["INT_901"], "unknown_web_service", detail)
    else:
        error = GatewayError("INT_001", MESSAGES["INT_001"], "invalid_input", detail)
    return failure(request, error)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("V4 %s failed unexpectedly", web_service(request), exc_info=exc)
    return failure(request, TECHNICAL_ERROR)


_HANDLERS: list[tuple[type[Exception], Callable[[Request, Exception], Awaitable[Response]]]] = [
    (PointageError, _domain),
    (RequestValidationError, _validation),
    (StarletteHTTPException, _http),
    (Exception, _unexpected),
]


def _session(request: Request) -> Session | None:
    session = getattr(request.state, "v4_session", None)
    return session if isinstance(session, Session) else None


def _finish(request: Request, *, commit: bool) -> None:
    session = _session(request)
    if session is not None:
        if commit:
            session.commit()
        else:
            session.rollback()


async def _end(request: Request, *, commit: bool) -> None:
    session = _session(request)
    # A read-only service ended its transaction in its own worker thread (web.deps): no
    # second hop to one for nothing.
    if session is not None and session.in_transaction():
        await run_in_threadpool(_finish, request, commit=commit)


class V4Route(APIRoute):
    """An APIRoute that commits before it answers, and answers errors in the V4 shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_v4(request: Request) -> Response:
            try:
                response = await handle(request)
                # The answer leaves only once its changes are committed: a client that reads
                # right after it sees them.
                await _end(request, commit=True)
                return response
            except Exception as exc:
                await _end(request, commit=False)
                for kind, answer in _HANDLERS:
                    if isinstance(exc, kind):
                        return await answer(request, exc)
                raise  # unreachable: Exception answers everything

        return handle_v4
