"""Subscriptions to the status page: e-mail with double opt-in and one-click unsubscribe, and
webhook subscribers. No login: anyone may subscribe (pointage.status.subscriptions).

    GET  /status/subscribe                        the form on a page of its own
    POST /status/subscribe                        an e-mail address or a webhook URL
    GET  /status/subscriptions/confirm?token=…    the link of the confirmation e-mail
    GET  /status/subscriptions/unsubscribe?token=…  a page with one button
    POST /status/subscriptions/unsubscribe?token=…  the button, and mail clients' one click

The subscription form is checked against the session's CSRF token, as every back-office
form (visitors have a session too). The unsubscribe POST is not: a mail client sends it by
itself (RFC 8058 `List-Unsubscribe-Post`), with no page and no session. That is safe because
the token in its URL is the proof: it is a secret only the subscriber's messages hold, a
forged request cannot know it, and all it can do is end that one subscription.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.service import limits
from pointage.core.errors import InvalidInput, TooManyAttempts
from pointage.db.base import utcnow
from pointage.db.session import unit_of_work
from pointage.status import subscriptions
from pointage.web import csrf
from pointage.web.backoffice import PageRoute, gettext_for, render
from pointage.web.deps import AppSettings, DbSession

# No router-wide CSRF dependency: the subscription form declares it, the one-click
# unsubscribe cannot have it (see the module's docstring).
router = APIRouter(
    route_class=PageRoute, include_in_schema=False, default_response_class=HTMLResponse
)

TEMPLATE = "status/subscribe_page.html"
FieldText = Annotated[str, Form(max_length=4096)]
_NO_STORE = {"Cache-Control": "no-store"}


def _page(request: Request, state: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render(
        request,
        TEMPLATE,
        {"state": state, **context},
        status_code=status_code,
        headers=_NO_STORE,
    )


@router.get("/status/subscribe")
def subscribe_page(request: Request) -> Response:
    return _page(request, "form")


@router.post("/status/subscribe", dependencies=[Depends(csrf.protect)])
def subscribe(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    email: FieldText = "",
    url: FieldText = "",
) -> Response:
    _ = gettext_for(request)
    values = {"email": email.strip()[:254], "url": url.strip()[:2048]}
    if not values["email"] and not values["url"]:
        errors = {"email": _("Enter an e-mail address, or a webhook URL below.")}
        return _page(request, "form", 422, subscribe_errors=errors, subscribe_values=values)
    factory = request.app.state.session_factory
    now = utcnow()
    address = request.client.host if request.client else None
    client_limit = limits.FailureLimit(
        max_failures=subscriptions.REQUESTS_PER_CLIENT,
        window=timedelta(seconds=settings.auth_failure_window_seconds),
    )
    client_scope = [f"status-subscribe:{limits.ip_scope(address)}"]
    try:
        # Counted before anything else is read, in transactions of their own.
        with unit_of_work(factory, read_only=True) as reading:
            limits.check(reading, client_scope, client_limit, now)
        limits.record_failure(factory, client_scope, client_limit, now)
    except TooManyAttempts as exc:
        seconds = exc.retry_after_seconds
        error = _("Too many subscription requests. Try again in %(seconds)s seconds.") % {
            "seconds": seconds
        }
        return render(
            request,
            TEMPLATE,
            {"state": "form", "error": error, "subscribe_values": values},
            status_code=429,
            headers={"Retry-After": str(seconds), **_NO_STORE},
        )
    if values["email"]:
        return _subscribe_email(request, session, values, factory, client_limit, now)
    try:
        created = subscriptions.subscribe_webhook(session, values["url"], settings, now=now)
    except InvalidInput as exc:
        errors = {"url": _("The webhook URL is refused: %(reason)s.") % {"reason": str(exc)}}
        return _page(request, "form", 422, subscribe_errors=errors, subscribe_values=values)
    return _page(
        request,
        "webhook_created",
        webhook=created,
        unsubscribe_link=f"/status/subscriptions/unsubscribe?token={created.unsubscribe_token}",
    )


def _subscribe_email(
    request: Request,
    session: DbSession,
    values: dict[str, str],
    factory: sessionmaker[Session],
    client_limit: limits.FailureLimit,
    now: datetime,
) -> Response:
    _ = gettext_for(request)
    try:
        email = subscriptions.normalise_email(values["email"])
    except InvalidInput:
        errors = {"email": _("Enter a valid e-mail address, such as name@example.com.")}
        return _page(request, "form", 422, subscribe_errors=errors, subscribe_values=values)
    # One address is sent a few confirmations per window at most, whoever asks: past it, the
    # request is answered the same page and nothing is sent (no mail bombing, no telling).
    address_limit = limits.FailureLimit(
        max_failures=subscriptions.CONFIRMATIONS_PER_ADDRESS, window=client_limit.window
    )
    address_scope = [f"status-subscribe:email:{email}"]
    try:
        with unit_of_work(factory, read_only=True) as reading:
            limits.check(reading, address_scope, address_limit, now)
        limits.record_failure(factory, address_scope, address_limit, now)
    except TooManyAttempts:
        return _page(request, "check_mailbox", email=email)
    subscriptions.subscribe_email(session, email, now=now)
    return _page(request, "check_mailbox", email=email)


@router.get("/status/subscriptions/confirm")
def confirm(
    request: Request, session: DbSession, settings: AppSettings, token: str = ""
) -> Response:
    try:
        subscriber = subscriptions.confirm(session, token[:300])
    except InvalidInput as exc:
        expired = "expired" in str(exc)
        return _page(request, "invalid_link", 410 if expired else 404, expired=expired)
    link = subscriptions.unsubscribe_token(subscriber, settings.secret_key)
    return _page(
        request,
        "confirmed",
        email=subscriber.target,
        unsubscribe_link=f"/status/subscriptions/unsubscribe?token={link}",
    )


@router.get("/status/subscriptions/unsubscribe")
def unsubscribe_page(
    request: Request, session: DbSession, settings: AppSettings, token: str = ""
) -> Response:
    subscriber = subscriptions.find_by_unsubscribe_token(session, token[:300], settings.secret_key)
    if subscriber is None:
        return _page(request, "invalid_link", 404, expired=False)
    if subscriber.unsubscribed_at is not None:
        return _page(request, "unsubscribed", target=subscriber.target)
    return _page(request, "unsubscribe_ask", target=subscriber.target, token=token)


@router.post("/status/subscriptions/unsubscribe")
def unsubscribe(
    request: Request, session: DbSession, settings: AppSettings, token: str = ""
) -> Response:
    """The button of the page above, and the one-click POST of mail clients (RFC 8058),
    which carries no CSRF token: the token of the URL is the proof (module docstring)."""
    try:
        subscriber = subscriptions.unsubscribe(session, token[:300], settings.secret_key)
    except InvalidInput:
        return _page(request, "invalid_link", 404, expired=False)
    return _page(request, "unsubscribed", target=subscriber.target)
