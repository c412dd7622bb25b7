"""Domain errors and validation errors as problem-details responses (RFC 9457).

Bodies are `application/problem+json` with type, title, status, detail, code and param.
The input that failed is never echoed back: it could be a card number or a key.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from pointage.core.errors import (
    AuthenticationFailed,
    Conflict,
    FileRejected,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PointageError,
    TooManyAttempts,
)
from pointage.web import inputs

log = logging.getLogger(__name__)


class Problem(BaseModel):
    """An error, as application/problem+json (RFC 9457) with Pointage's code and param."""

    type: str = Field(description="A URI naming the kind of error: its `code` under /problems/")
    title: str = Field(description="Short summary of the kind of error")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong with this request, for a person")
    code: str = Field(description="Stable machine-readable error code")
    param: str | None = Field(description="The field, column or JSON path at fault, if any")
    errors: list[str] | None = Field(
        None, description="For a refused file: each problem, with its place in the file"
    )


# What each error status means, for the OpenAPI document of every route.
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Bad request",
    401: "Missing or wrong credentials or signature",
    403: "Refused to these credentials (a test-mode key asking for production data)",
    404: "Not found, or not yours",
    405: "Method not allowed on this path",
    409: "Clashes with the current state, or an Idempotency-Key already used",
    413: "Request body too large",
    422: "Invalid input; `param` names the field",
    429: "Too many failed authentications; retry after `Retry-After` seconds",
    500: "Unexpected error; it has been logged",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for routes that may answer these error statuses."""
    schema = Problem.model_json_schema()
    return {
        status: {
            "description": ERROR_DESCRIPTIONS.get(status) or _phrase(status),
            "content": {"application/problem+json": {"schema": schema}},
        }
        for status in statuses
    }


_STATUS: list[tuple[type[PointageError], int, str]] = [
    (AuthenticationFailed, 401, "Authentication failed"),
    (PermissionDenied, 403, "Permission denied"),
    (TooManyAttempts, 429, "Too many attempts"),
    (NotFound, 404, "Not found"),
    (Conflict, 409, "Conflict"),
    (InvalidInput, 422, "Invalid input"),
]


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    code: str,
    param: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://pointage.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "param": param,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


def status_for(exc: PointageError) -> tuple[int, str]:
    for cls, status, title in _STATUS:
        if isinstance(exc, cls):
            return status, title
    return 400, "Bad request"


def _param_of(location: tuple[object, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


def _located(error: Any) -> tuple[str, str]:
    """The parameter at fault and the message of one validation error."""
    if error.get("type") == "json_invalid":
        # Its location is a character position in the body, not a field.
        return "body", "not valid JSON"
    return _param_of(tuple(error.get("loc", ()))), str(error.get("msg", "invalid"))


# Errors raised by the framework itself (no route, wrong method, malformed credentials) or by
# a route as an HTTPException: a stable code for each status, the same as the domain's where
# the meaning is the same.
_HTTP_CODES: dict[int, tuple[str, str]] = {
    401: ("authentication_failed", "Authentication failed"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    413: ("request_too_large", "Request too large"),
}


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _http_problem(request: Request, exc: StarletteHTTPException) -> tuple[str, str, str]:
    status = exc.status_code
    code, title = _HTTP_CODES.get(status, (f"http_{status}", _phrase(status)))
    detail = str(exc.detail)
    if status == 404 and detail == "Not Found":
        detail = "no such resource: check the method and the path"
    elif status == 405 and detail == "Method Not Allowed":
        detail = f"{request.method} is not allowed on this path"
    return code, title, detail


# The framework answers 400 to a body it cannot read: JSON that is not UTF-8, a malformed
# multipart form. To the API that is invalid input, as JSON that does not parse.
_UNPARSED = "There was an error parsing the body"


def _unreadable(request: Request, exc: StarletteHTTPException) -> str:
    if exc.detail != _UNPARSED:
        return str(exc.detail)  # the form parser's own reason, e.g. too many fields
    if "json" in request.headers.get("content-type", ""):
        return "not valid JSON"
    return "cannot be read"


def _allowed(request: Request) -> str:
    """Every method some route accepts on this path (Starlette names one route's only)."""
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.routes
        )
    ]
    return ", ".join(allowed)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install(app: FastAPI) -> None:
    """Answer every error as a problem; and, for the routes included after this call,
    refuse first the text no database can hold (web.inputs)."""
    inputs.install(app)

    @app.exception_handler(PointageError)
    async def _domain(_request: Request, exc: PointageError) -> JSONResponse:
        status, title = status_for(exc)
        headers = {"WWW-Authenticate": 'Basic realm="pointage"'} if status == 401 else None
        if isinstance(exc, TooManyAttempts):
            headers = {"Retry-After": str(exc.retry_after_seconds)}
        errors = exc.errors if isinstance(exc, FileRejected) else None
        return problem(
            status,
            title,
            exc.message,
            code=exc.code,
            param=exc.param,
            headers=headers,
            errors=errors,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_located(e) for e in exc.errors()[:10]] or [("body", "invalid request")]
        detail = "; ".join(f"{param}: {message}" for param, message in errors)
        return problem(422, "Invalid input", detail, code="invalid_input", param=errors[0][0])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            detail = f"body: {_unreadable(request, exc)}"
            return problem(422, "Invalid input", detail, code="invalid_input", param="body")
        code, title, detail = _http_problem(request, exc)
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed(request)}
        return problem(exc.status_code, title, detail, code=code, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return problem(
            500,
            "Internal error",
            "an unexpected error occurred; it has been logged",
            code="internal_error",
        )
