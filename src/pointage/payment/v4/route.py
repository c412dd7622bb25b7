"""`V4Route`: every route under /api-payment/V4/ answers its errors in the gateway's shape,
not in the application's problem+json.

The route ends the request's unit of work itself (the session the V4 dependencies keep in
`request.state.v4_session`): it commits before the answer leaves, and rolls back before an
error is answered, whatever failed (domain error, body validation, HTTP error, a bug). The
request's own unit of work then finds nothing left to do. No traceback is ever shown.

A quick read (`quick_read`: Transaction/Get) skips FastAPI's solving of its parameters when
the request is a plain one — a JSON body its model accepts, no dependency overridden: the
route reads the body and asks its caller itself, which cost a third of the read's time.
Anything else (no body, another content type, invalid JSON, a refused value) goes through
FastAPI's handler as before, so its errors are those of every other route. The OpenAPI
operation is FastAPI's, derived from the endpoint's signature as for any route.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import BackgroundTasks, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from pointage.auth.service.keys import ApiCaller
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

Endpoint = TypeVar("Endpoint", bound=Callable[..., Awaitable[Response]])
CallerOf = Callable[[Request, BackgroundTasks], Awaitable[ApiCaller]]


@dataclass(frozen=True)
class QuickRead:
    """How a quick read's route finds its two values without FastAPI's parameter solving."""

    body: type[BaseModel]
    caller: CallerOf


def quick_read(body: type[BaseModel], caller: CallerOf) -> Callable[[Endpoint], Endpoint]:
    """Mark an `async def endpoint(body, caller, request)` as a quick read: `body` is the
    model its JSON body is validated with, `caller` the dependency its `caller` is
    declared with (given the request and the answer's background tasks)."""

    def mark(endpoint: Endpoint) -> Endpoint:
        endpoint.v4_quick_read = QuickRead(body, caller)  # type: ignore[attr-defined]
        return endpoint

    return mark


def _is_json(content_type: str | None) -> bool:
    # The common spellings only; any other one takes FastAPI's way, which decides it.
    return content_type is not None and (
        content_type == "application/json" or content_type.startswith("application/json;")
    )


def _plain_body(request: Request, raw: bytes, model: type[BaseModel]) -> BaseModel | None:
    """The body validated as FastAPI would (JSON parsed, then the model on Python values),
    or None when it is anything but plain."""
    if not raw or request.app.dependency_overrides:
        return None
    if not _is_json(request.headers.get("content-type")):
        return None
    try:
        return model.model_validate(json.loads(raw))
    except Exception:
        # Whatever it is (a nesting too deep for the parser included), FastAPI's way decides
        # it and answers it as it does for every other route.
        return None


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
        quick: QuickRead | None = getattr(self.endpoint, "v4_quick_read", None)
        endpoint = self.endpoint

        async def handle_quick(request: Request) -> Response:
            assert quick is not None
            body = _plain_body(request, await request.body(), quick.body)
            if body is None:
                return await handle(request)  # the body is kept: FastAPI reads it again
            background = BackgroundTasks()
            caller = await quick.caller(request, background)
            response: Response = await endpoint(body=body, caller=caller, request=request)
            if background.tasks and response.background is None:
                response.background = background
            return response

        respond = handle if quick is None else handle_quick

        async def handle_v4(request: Request) -> Response:
            try:
                response = await respond(request)
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
