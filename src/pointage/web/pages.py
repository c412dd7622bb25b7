"""Errors of back-office pages answered as pages, in the page's language.

The API keeps its problem-details bodies (pointage.web.errors). A request is a page's when a
back-office route handles it, or when it asks for HTML outside the API's paths (a mistyped
address in the browser): then a missing page is a "page not found" page, a refused CSRF token
a 403 page that says what to do, an unexpected error a 500 page with no trace of the code;
the unexpected error is logged as for the API. Not signed in: a redirect to the sign-in
page, which brings the person back afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from pointage.core.errors import NotFound, PermissionDenied, PointageError, TooManyAttempts
from pointage.web.backoffice import (
    PAGE_SCOPE_KEY,
    LoginRequired,
    NoShopGiven,
    local_path,
    render,
    sign_in_url,
)
from pointage.web.csrf import CsrfRefused
from pointage.web.i18n import N_
from pointage.web.session import USER_ID
from pointage.web.templating import redirect

log = logging.getLogger(__name__)

API_PREFIXES = (
    "/v1/",
    "/api-payment/",
    "/api/v2/",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/health",
    "/static/",
)

Handler = Callable[[Request, Any], Awaitable[Response] | Response]

# Status: (title, explanation), in English, translated when shown.
_PAGES: dict[int, tuple[str, str]] = {
    403: (N_("Access refused"), N_("Your account may not open this page or do this action.")),
    404: (N_("Page not found"), N_("This page does not exist, or it is not one of yours.")),
    405: (N_("Not allowed"), N_("This address cannot be used this way. Go back and try again.")),
    413: (
        N_("This file is too large"),
        N_("The form sent more than the back office accepts. Choose a smaller file."),
    ),
    422: (N_("The form could not be read"), N_("Some of its fields are missing or invalid.")),
    429: (N_("Too many attempts"), N_("Wait a moment before trying again.")),
    500: (
        N_("Something went wrong"),
        N_("An unexpected error occurred and has been logged. Try again in a moment."),
    ),
}
_CSRF = (
    N_("This form has expired"),
    N_(
        "It was sent without its security token, or from another page. Go back, reload the "
        "page and send it again."
    ),
)
_NO_SHOP = (
    N_("No shop yet"),
    N_("No shop has been given to your account yet. Ask an administrator to give you one."),
)


def is_page_request(request: Request) -> bool:
    if request.scope.get(PAGE_SCOPE_KEY):
        return True
    path = request.url.path
    if path == "/v1" or path.startswith(API_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int, texts: tuple[str, str] | None = None) -> Response:
    title, explanation = texts or _PAGES.get(status) or _PAGES[500 if status >= 500 else 422]
    context = {
        "status": status,
        "title": title,
        "explanation": explanation,
        # Signed in, as far as the cookie says (an unknown address opens no database session).
        "signed_in": USER_ID in request.scope.get("session", {}),
    }
    try:
        return render(request, "errors/error.html", context, status_code=status)
    except Exception:  # the page itself failed: say so without the layout
        log.exception("the error page could not be rendered")
        return PlainTextResponse(f"Error {status}", status_code=status)


def _login_required(request: Request, exc: LoginRequired) -> Response:
    next_path = exc.next_path if request.method in ("GET", "HEAD") else _referer_path(request)
    url = sign_in_url(next_path)
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": url})
    return redirect(url)


def _referer_path(request: Request) -> str:
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc:
        return ""
    return local_path(referer.path + (f"?{referer.query}" if referer.query else ""), "")


def _status_of(exc: Exception) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, TooManyAttempts):
        return 429
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    if isinstance(exc, PointageError | RequestValidationError):
        return 422
    return 500


def _as_page(previous: Handler) -> Callable[[Request, Exception], Awaitable[Response]]:
    """`previous` for API requests; a page for a page's request."""

    async def handler(request: Request, exc: Exception) -> Response:
        if not is_page_request(request):
            answer = previous(request, exc)
            return answer if isinstance(answer, Response) else await answer
        status = _status_of(exc)
        if status >= 500:
            log.exception("unhandled error on a page", exc_info=exc)
        return error_page(request, status)

    return handler


def install(app: FastAPI) -> None:
    """After pointage.web.errors.install: page errors as pages, API errors as before."""
    app.add_exception_handler(LoginRequired, _login_required)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRefused, lambda r, _e: error_page(r, 403, _CSRF))
    app.add_exception_handler(NoShopGiven, lambda r, _e: error_page(r, 403, _NO_SHOP))
    for kind in (PointageError, RequestValidationError, StarletteHTTPException, Exception):
        previous = app.exception_handlers.get(kind)
        if previous is not None:
            app.add_exception_handler(kind, _as_page(previous))
