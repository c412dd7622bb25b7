"""Cross-site request forgery: a random token per session, required on every back-office
request that may change something.

Forms carry it in a hidden `csrf_token` field (the templates' `csrf_field()`); scripts send
it in the `X-CSRF-Token` header (app.js reads it from the page's `<meta name="csrf-token">`).
A request without it, or with another session's, is refused with 403 before its route runs.
The token is compared in constant time and replaced at sign-in and sign-out. SameSite=Lax on
the session cookie is a second, independent barrier.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from pointage.web.session import CSRF_TOKEN

FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Exception):
    """The request's token is missing or is not its session's (answered with a 403 page)."""


def token(request: Request) -> str:
    """The session's token, made on first use."""
    current = request.session.get(CSRF_TOKEN)
    if not isinstance(current, str) or not current:
        current = secrets.token_urlsafe(32)
        request.session[CSRF_TOKEN] = current
    return current


def rotate(request: Request) -> str:
    """A new token for the session (at sign-in and sign-out)."""
    request.session[CSRF_TOKEN] = secrets.token_urlsafe(32)
    return str(request.session[CSRF_TOKEN])


async def protect(request: Request) -> None:
    """A dependency of every back-office route: unsafe methods need the session's token."""
    if request.method in _SAFE_METHODS:
        return
    expected = request.session.get(CSRF_TOKEN)
    given = request.headers.get(HEADER)
    if given is None and _is_form(request):
        value = (await request.form()).get(FORM_FIELD)
        given = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not expected or given is None:
        raise CsrfRefused
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRefused


def _is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}
