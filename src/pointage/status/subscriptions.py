"""Subscriptions to the status page: e-mail addresses with double opt-in, webhook URLs.

An e-mail address is subscribed in two steps. `subscribe_email` records it unconfirmed and
queues a "confirm" notification; nothing else is ever sent to it before the person follows
the link of that message (`confirm`), within `CONFIRM_TTL` of its sending. Subscribing the
same address again queues the confirmation again (an address already confirmed is told it
is subscribed, with its unsubscribe link): the answer is the same whether or not the
address was known, so the form reveals nobody's subscription.

Tokens. The confirmation token is random (`new_token`); only its SHA-256 is stored
(`status_subscriber.token_hash`). It is drawn anew each time a confirmation message is sent
(pointage.status.notify), so the raw token exists only in that message. The unsubscribe
token of a subscriber is not stored at all: it is the subscriber's id and an HMAC-SHA256,
keyed by the deployment's `secret_key`, of that id and the stored token hash
(`unsubscribe_token`), checked in constant time. It stays the same for the subscription's
life, so the link of every message sent keeps working; changing `secret_key` ends the
validity of the links already sent.

A webhook subscriber is confirmed at once (the URL is checked as webhook endpoints' are,
and must not point to a private network either) and gets a signing secret, shown once. No
column holds it: it is derived the same way from `secret_key` and the subscriber's token
hash (`webhook_secret`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pointage.core.errors import InvalidInput
from pointage.db.base import utcnow
from pointage.settings import Settings
from pointage.status.models import StatusNotification, StatusSubscriber
from pointage.status.vocabulary import NotificationStatus, SubscriberKind
from pointage.webhook.service.endpoints import check_url

CONFIRM_TTL = timedelta(hours=48)
CONFIRM_EVENT = "confirm"
MAX_EMAIL_LENGTH = 254
WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
# The client's address may send this many subscription requests per window of
# `auth_failure_window_seconds`; one address may be sent this many confirmations per window.
REQUESTS_PER_CLIENT = 5
CONFIRMATIONS_PER_ADDRESS = 3

# A pragmatic check of an address: one @, a local part without spaces, a domain with a dot
# made of letters, digits and hyphens (internationalised domains in their xn-- form).
_LOCAL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class WebhookSubscription:
    subscriber_id: int
    url: str
    secret: str = field(repr=False)  # shown once
    unsubscribe_token: str = field(repr=False)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _derive(secret_key: str, purpose: str, subscriber: StatusSubscriber) -> str:
    mac = hmac.new(
        secret_key.encode("utf-8"),
        f"status-{purpose}:{subscriber.id}:{subscriber.token_hash}".encode(),
        hashlib.sha256,
    ).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def unsubscribe_token(subscriber: StatusSubscriber, secret_key: str) -> str:
    """The token of the subscriber's one-click unsubscribe link: `<id>.<HMAC>`."""
    return f"{subscriber.id}.{_derive(secret_key, 'unsubscribe', subscriber)}"


def webhook_secret(subscriber: StatusSubscriber, secret_key: str) -> str:
    """The secret a webhook subscriber's deliveries are signed with."""
    return WEBHOOK_SECRET_PREFIX + _derive(secret_key, "webhook-secret", subscriber)


def normalise_email(value: str) -> str:
    """The address, trimmed and in lower case; InvalidInput (param "email") if it is not one."""
    email = value.strip().lower()
    if not email:
        raise InvalidInput("email is required", param="email")
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidInput(f"email must be at most {MAX_EMAIL_LENGTH} characters", param="email")
    local, at, domain = email.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or not _LOCAL.match(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidInput("email is not a valid e-mail address", param="email")
    return email


def check_webhook_url(url: str, settings: Settings) -> str:
    """A webhook endpoint's rules (https, no credentials, no loopback unless allowed in
    development…), and no private network address either (10/8, 192.168/16, fc00::/7…)."""
    checked = check_url(url, allow_loopback=settings.webhook_allow_http_loopback)
    host = (urlsplit(checked).hostname or "").strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return checked
    if address.is_private and not address.is_loopback:
        raise InvalidInput("url must not point to a private network address", param="url")
    return checked


def _find(session: Session, kind: SubscriberKind, target: str) -> StatusSubscriber | None:
    return session.scalars(
        select(StatusSubscriber)
        .where(StatusSubscriber.kind == kind.value, StatusSubscriber.target == target)
        .order_by(StatusSubscriber.id.desc())
        .limit(1)
    ).first()


def _pending_confirmation(session: Session, subscriber_id: int) -> bool:
    found = session.scalar(
        select(func.count())
        .select_from(StatusNotification)
        .where(
            StatusNotification.subscriber_id == subscriber_id,
            StatusNotification.event == CONFIRM_EVENT,
            StatusNotification.status == NotificationStatus.PENDING.value,
        )
    )
    return bool(found)


def subscribe_email(session: Session, email: str, *, now: datetime | None = None) -> None:
    """Record the address (unconfirmed) and queue its confirmation. Says nothing of whether
    it was known: the caller answers the same page either way."""
    at = now or utcnow()
    target = normalise_email(email)
    subscriber = _find(session, SubscriberKind.EMAIL, target)
    if subscriber is None:
        subscriber = StatusSubscriber(
            kind=SubscriberKind.EMAIL.value,
            target=target,
            token_hash=hash_token(new_token()),
            created_at=at,
        )
        session.add(subscriber)
        session.flush()
    elif subscriber.unsubscribed_at is not None:
        # Coming back after unsubscribing: a new double opt-in, as a new subscriber.
        subscriber.unsubscribed_at = None
        subscriber.confirmed_at = None
        subscriber.created_at = at
    if _pending_confirmation(session, subscriber.id):
        return  # the message already queued carries a fresh link
    session.add(
        StatusNotification(
            subscriber_id=subscriber.id,
            event=CONFIRM_EVENT,
            status=NotificationStatus.PENDING.value,
            next_attempt_at=at,
            created_at=at,
        )
    )
    session.flush()


def subscribe_webhook(
    session: Session, url: str, settings: Settings, *, now: datetime | None = None
) -> WebhookSubscription:
    """A webhook subscriber, confirmed at once; its signing secret is in the answer only."""
    at = now or utcnow()
    target = check_webhook_url(url, settings)
    subscriber = StatusSubscriber(
        kind=SubscriberKind.WEBHOOK.value,
        target=target,
        token_hash=hash_token(new_token()),
        created_at=at,
        confirmed_at=at,
    )
    session.add(subscriber)
    session.flush()
    return WebhookSubscription(
        subscriber_id=subscriber.id,
        url=target,
        secret=webhook_secret(subscriber, settings.secret_key),
        unsubscribe_token=unsubscribe_token(subscriber, settings.secret_key),
    )


def link_sent_at(session: Session, subscriber: StatusSubscriber) -> datetime | None:
    """When the subscriber's current confirmation link was last sent."""
    return session.scalar(
        select(func.max(StatusNotification.sent_at)).where(
            StatusNotification.subscriber_id == subscriber.id,
            StatusNotification.event == CONFIRM_EVENT,
        )
    )


def confirm(session: Session, token: str, *, now: datetime | None = None) -> StatusSubscriber:
    """Confirm the subscription of the link's token; InvalidInput (param "token") when the
    token is unknown, replaced by a newer link, or older than CONFIRM_TTL. A subscription
    already confirmed stays so (following the link twice is fine)."""
    at = now or utcnow()
    token = token.strip()
    if not token or len(token) > 200:
        raise InvalidInput("token is missing or malformed", param="token")
    subscriber = session.scalars(
        select(StatusSubscriber).where(StatusSubscriber.token_hash == hash_token(token))
    ).first()
    if subscriber is None or subscriber.unsubscribed_at is not None:
        raise InvalidInput("token is unknown or no longer valid", param="token")
    if subscriber.confirmed_at is not None:
        return subscriber
    sent = link_sent_at(session, subscriber) or subscriber.created_at
    if at - sent > CONFIRM_TTL:
        raise InvalidInput("token has expired: subscribe again for a new link", param="token")
    subscriber.confirmed_at = at
    session.flush()
    return subscriber


def find_by_unsubscribe_token(
    session: Session, token: str, secret_key: str
) -> StatusSubscriber | None:
    ident, dot, _mac = token.strip().partition(".")
    if not dot or not ident.isdigit() or len(token) > 200:
        return None
    subscriber = session.get(StatusSubscriber, int(ident))
    if subscriber is None:
        return None
    expected = unsubscribe_token(subscriber, secret_key)
    if not hmac.compare_digest(expected.encode(), token.strip().encode("utf-8", "replace")):
        return None
    return subscriber


def unsubscribe(
    session: Session, token: str, secret_key: str, *, now: datetime | None = None
) -> StatusSubscriber:
    """End the subscription of the link's token (again: no change); InvalidInput (param
    "token") for a token that is not one. Notifications still queued for it are dropped."""
    subscriber = find_by_unsubscribe_token(session, token, secret_key)
    if subscriber is None:
        raise InvalidInput("token is unknown or no longer valid", param="token")
    if subscriber.unsubscribed_at is None:
        at = now or utcnow()
        subscriber.unsubscribed_at = at
        for row in session.scalars(
            select(StatusNotification).where(
                StatusNotification.subscriber_id == subscriber.id,
                StatusNotification.status == NotificationStatus.PENDING.value,
            )
        ):
            row.status = NotificationStatus.FAILED.value
            row.last_error = "the subscriber unsubscribed"
        session.flush()
    return subscriber
