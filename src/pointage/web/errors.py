"""Domain errors and validation errors as problem-details responses (RFC 9457).

Bodies are `application/problem+json` with type, title, status, detail, code and param.
The input that failed is never echoed back: it could be a card number or a key.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

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

log = logging.getLogger(__name__)


class Problem(BaseModel):
    """An error, as application/problem+json (RFC 9457) with Pointage's code and param."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable error code")
    param: str | None = Field(description="The field, column or JSON path at fault, if any")
    errors: list[str] | None = Field(
        None, description="For a refused file: each problem, with its place in the file"
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for routes that may answer these error statuses."""
    described = {
        401: "Missing or wrong credentials or signature",
        404: "Not found, or not yours",
        409: "Clashes with the current state",
        422: "Invalid input; `param` names the field",
    }
    schema = Problem.model_json_schema()
    return {
        status: {
            "description": described[status],
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


def install(app: FastAPI) -> None:
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
        errors = exc.errors()
        first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
        param = _param_of(tuple(first.get("loc", ())))
        detail = "; ".join(f"{_param_of(tuple(e['loc']))}: {e['msg']}" for e in errors[:10])
        return problem(422, "Invalid input", detail, code="invalid_input", param=param)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(
            exc.status_code,
            str(exc.detail),
            str(exc.detail),
            code=f"http_{exc.status_code}",
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return problem(
            500,
            "Internal error",
            "an unexpected error occurred; it has been logged",
            code="internal_error",
        )
