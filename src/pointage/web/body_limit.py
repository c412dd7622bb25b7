"""The largest body a back-office page accepts, refused from its declared length.

FastAPI reads a form's whole body before any dependency runs (the CSRF check, who is signed
in), and Starlette keeps a URL-encoded form in memory: without a bound, anyone could make a
process hold any amount of memory with one POST to the sign-in page. The bound is the largest
file a page takes (a bank statement, `statement_max_bytes`) plus room for the other fields;
a body declared larger is answered 413 with a page before a byte of it is read. The API's
routes keep their own limits (POST /v1/statements checks its file's size itself).

A reverse proxy in front of the back office should bound bodies too (nginx's
`client_max_body_size`); this one holds when there is none, or when it is set too high.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from pointage.web.pages import API_PREFIXES, error_page

# Room for a form's other fields and the multipart framing around its file.
FORM_ALLOWANCE_BYTES = 64 * 1024
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class PageBodyLimit:
    def __init__(self, app: ASGIApp, *, largest_file_bytes: int) -> None:
        self.app = app
        self.limit = largest_file_bytes + FORM_ALLOWANCE_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in _SAFE_METHODS
            and not scope["path"].startswith(API_PREFIXES)
            and _declared_length(scope) > self.limit
        ):
            response = error_page(Request(scope, receive), 413)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0
