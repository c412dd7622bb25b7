"""Text no database column can hold is refused at the door: a NUL character (U+0000) in a
path parameter, a query parameter, or a string of a JSON body.

PostgreSQL refuses NUL in any text it is given, to store or to compare (the request would
fail with 500), while SQLite would store it; no identifier, label or comment of a payment
back office contains one. Every route checks it first and answers invalid input naming the
parameter at fault (the V4 services in the gateway's error shape), on both databases alike.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Depends, FastAPI, Request

from pointage.core.errors import InvalidInput

NUL = "\x00"
_ESCAPED_NUL = b"\\u0000"  # how JSON writes it: a raw NUL byte is not JSON at all


def install(app: FastAPI) -> None:
    """Check every route included after this call (it runs before the route's own
    dependencies)."""
    app.router.dependencies.append(Depends(refuse_nul))


async def refuse_nul(request: Request) -> None:
    for name, value in request.path_params.items():
        if isinstance(value, str) and NUL in value:
            raise _refused(name)
    for name, value in request.query_params.multi_items():
        if NUL in name or NUL in value:
            raise _refused(name if NUL not in name else "query")
    if "json" not in request.headers.get("content-type", ""):
        return
    body = await request.body()  # already read by the route: kept by the request
    if _ESCAPED_NUL in body:
        try:
            document = json.loads(body)
        except ValueError:
            return  # not JSON: the route's own parsing answers it
        found = _nul_in(document)
        if found is not None:
            raise _refused(found)


def _refused(param: str) -> InvalidInput:
    return InvalidInput("must not contain a NUL character (U+0000)", param=param)


def _nul_in(document: Any) -> str | None:
    """The path (`transactions.0.order_id`) of the first string of the document holding a
    NUL, `body` for the document itself; None if there is none."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                return path or "body"
            continue
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = list(enumerate(value))
        else:
            continue
        for key, item in reversed(items):
            if NUL in str(key):
                return path or "body"
            stack.append((f"{path}.{key}" if path else str(key), item))
    return None
