"""Sending the status page's notifications (`status_notification` rows): e-mails and webhooks.

Each row is sent outside any database transaction, between two short ones, as webhook
deliveries are (pointage.webhook.service.sending): the first claims the row due first
(`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises writers) and leases it
(its next attempt moved a few minutes ahead, so that no other sender takes it meanwhile; a
sender that dies mid-way leaves it to be tried again once the lease has passed) and builds
the message; the second records the outcome. A failed attempt is retried 30 s later, then
1, 2, 4… minutes later, at most an hour apart, for a day after the row was queued: then the
row is failed, with the last error kept.

Nothing but a confirmation request is ever sent to an e-mail address not yet confirmed, and
nothing at all to a subscriber who unsubscribed: such rows are failed with the reason.

A confirmation message carries a new random token each time it is sent (only its hash is
stored: pointage.status.subscriptions), which replaces the link of any earlier one. An
address already confirmed that subscribes again is told so instead, with its unsubscribe
link.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pointage.core.errors import InvalidInput
from pointage.db.base import utcnow
from pointage.db.session import unit_of_work
from pointage.report.delivery.base import DeliveryError
from pointage.settings import Settings
from pointage.status import notify_email, notify_webhook
from pointage.status.models import (
    StatusComponent,
    StatusIncident,
    StatusIncidentComponent,
    StatusIncidentUpdate,
    StatusNotification,
    StatusSubscriber,
)
from pointage.status.subscriptions import (
    CONFIRM_EVENT,
    check_webhook_url,
    hash_token,
    new_token,
    unsubscribe_token,
    webhook_secret,
)
from pointage.status.vocabulary import NotificationStatus, SubscriberKind
from pointage.webhook.service.sending import backoff
from pointage.webhook.transport import TransportError, WebhookTransport

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
RETRY_WINDOW = timedelta(days=1)
LEASE = timedelta(minutes=5)
STATUS_PATH = "/status"
CONFIRM_PATH = "/status/subscriptions/confirm"
UNSUBSCRIBE_PATH = "/status/subscriptions/unsubscribe"


def public_base(settings: Settings) -> str:
    """The address people reach the server at, for links: `public_url`, else host and port."""
    return settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"


def confirm_url(settings: Settings, token: str) -> str:
    return f"{public_base(settings)}{CONFIRM_PATH}?{urlencode({'token': token})}"


def unsubscribe_url(settings: Settings, subscriber: StatusSubscriber) -> str:
    token = unsubscribe_token(subscriber, settings.secret_key)
    return f"{public_base(settings)}{UNSUBSCRIBE_PATH}?{urlencode({'token': token})}"


@dataclass(frozen=True)
class Job:
    """A claimed row, as plain values: what the attempt needs outside the session."""

    notification_id: int
    kind: str
    target: str
    event: str
    email: EmailMessage | None = None
    body: bytes = b""
    secret: str = field(default="", repr=False)
    problem: str | None = None  # why it cannot be sent at all: failed at once


@dataclass
class NotifySummary:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


def lock_next_due(session: Session, now: datetime) -> StatusNotification | None:
    return session.scalars(
        select(StatusNotification)
        .where(
            StatusNotification.status == NotificationStatus.PENDING.value,
            StatusNotification.next_attempt_at <= now,
        )
        .order_by(StatusNotification.next_attempt_at, StatusNotification.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def _fail(row: StatusNotification, reason: str) -> None:
    row.status = NotificationStatus.FAILED.value
    row.last_error = reason[:500]


def claim(session: Session, settings: Settings, now: datetime) -> Job | None:
    """The row due first, leased, with its message built; rows that must never be sent
    (unsubscribed, unconfirmed) are failed on the way."""
    while (row := lock_next_due(session, now)) is not None:
        subscriber = session.get(StatusSubscriber, row.subscriber_id)
        reason = _refusal(row, subscriber)
        if reason is not None or subscriber is None:
            _fail(row, reason or "the subscriber no longer exists")
            session.flush()
            continue
        row.next_attempt_at = now + LEASE
        try:
            job = _job(session, settings, row, subscriber, now)
        except (InvalidInput, LookupError) as exc:
            job = Job(row.id, subscriber.kind, subscriber.target, row.event, problem=str(exc))
        except Exception:
            # A row whose message cannot be built must not stop the others at each tick.
            log.exception("status notification %s: the message could not be built", row.id)
            problem = "the message could not be built (see the server's log)"
            job = Job(row.id, subscriber.kind, subscriber.target, row.event, problem=problem)
        session.flush()
        return job
    return None


def _refusal(row: StatusNotification, subscriber: StatusSubscriber | None) -> str | None:
    if subscriber is None:
        return "the subscriber no longer exists"
    if subscriber.unsubscribed_at is not None:
        return "the subscriber unsubscribed"
    if row.event == CONFIRM_EVENT:
        if subscriber.kind != SubscriberKind.EMAIL.value:
            return "only e-mail subscriptions are confirmed by a message"
        return None
    if subscriber.confirmed_at is None:
        return "the subscription is not confirmed: nothing is sent before it is"
    if row.incident_id is None:
        return "the notification names no incident"
    return None


def _job(
    session: Session,
    settings: Settings,
    row: StatusNotification,
    subscriber: StatusSubscriber,
    now: datetime,
) -> Job:
    status_url = public_base(settings) + STATUS_PATH
    if row.event == CONFIRM_EVENT:
        if subscriber.confirmed_at is not None:
            message = notify_email.already_subscribed(
                settings, subscriber.target, status_url, unsubscribe_url(settings, subscriber)
            )
        else:
            token = new_token()  # replaces the link of any earlier confirmation
            subscriber.token_hash = hash_token(token)
            message = notify_email.confirmation(
                settings, subscriber.target, confirm_url(settings, token)
            )
        return Job(row.id, subscriber.kind, subscriber.target, row.event, email=message)
    incident = session.get(StatusIncident, row.incident_id)
    if incident is None:
        raise LookupError("the incident no longer exists")
    if incident.draft:
        raise LookupError("the incident is a draft, not public")
    if subscriber.kind == SubscriberKind.WEBHOOK.value:
        url = check_webhook_url(subscriber.target, settings)
        content = notify_webhook.body(
            session,
            incident,
            event=row.event,
            base_url=public_base(settings),
            unsubscribe_url=unsubscribe_url(settings, subscriber),
            now=now,
        )
        secret = webhook_secret(subscriber, settings.secret_key)
        return Job(row.id, subscriber.kind, url, row.event, body=content, secret=secret)
    message = notify_email.notification(
        settings,
        subscriber.target,
        _notice(session, row, incident),
        status_url,
        unsubscribe_url(settings, subscriber),
    )
    return Job(row.id, subscriber.kind, subscriber.target, row.event, email=message)


def _notice(
    session: Session, row: StatusNotification, incident: StatusIncident
) -> notify_email.Notice:
    update = None
    if row.update_id is not None:
        update = session.get(StatusIncidentUpdate, row.update_id)
    if update is None:
        update = session.scalars(
            select(StatusIncidentUpdate)
            .where(StatusIncidentUpdate.incident_id == incident.id)
            .order_by(StatusIncidentUpdate.display_at.desc(), StatusIncidentUpdate.id.desc())
            .limit(1)
        ).first()
    components = tuple(
        session.scalars(
            select(StatusComponent.name)
            .join(
                StatusIncidentComponent, StatusIncidentComponent.component_id == StatusComponent.id
            )
            .where(StatusIncidentComponent.incident_id == incident.id)
            .order_by(StatusComponent.position)
        )
    )
    window = None
    if incident.scheduled_for is not None and incident.scheduled_until is not None:
        window = (
            f"{incident.scheduled_for:%Y-%m-%d %H:%M} to "
            f"{incident.scheduled_until:%Y-%m-%d %H:%M} UTC"
        )
    return notify_email.Notice(
        event=row.event,
        name=incident.name,
        status=update.status if update is not None else incident.status,
        impact=incident.impact,
        update_body=update.body if update is not None else "",
        components=components,
        window=window,
    )


def attempt(
    job: Job,
    settings: Settings,
    transport: WebhookTransport,
    mailer: notify_email.StatusMailer,
    now: datetime,
) -> str | None:
    """Send the job; None when it arrived, else why not."""
    if job.problem is not None:
        return job.problem
    if job.kind == SubscriberKind.WEBHOOK.value:
        headers = notify_webhook.headers(job.secret, job.body, job.event, now)
        try:
            answer = transport.post(job.target, job.body, headers, settings.webhook_timeout_seconds)
        except TransportError as exc:
            return exc.reason
        if 200 <= answer.status < 300:
            return None
        return f"the endpoint answered {answer.status}"
    assert job.email is not None
    try:
        mailer.deliver(job.email, job.target, settings)
    except DeliveryError as exc:
        return exc.reason
    return None


def record(session: Session, job: Job, error: str | None, now: datetime) -> NotificationStatus:
    """Write the attempt's outcome: sent, retried later with backoff, or failed."""
    row = session.scalars(
        select(StatusNotification)
        .where(StatusNotification.id == job.notification_id)
        .with_for_update()
    ).one()
    row.attempts += 1
    if error is None:
        row.status = NotificationStatus.SENT.value
        row.sent_at = now
        row.last_error = None
    elif job.problem is not None or now + backoff(row.attempts) > row.created_at + RETRY_WINDOW:
        _fail(row, error)
    else:
        row.next_attempt_at = now + backoff(row.attempts)
        row.last_error = error[:500]
    session.flush()
    return NotificationStatus(row.status)


def send_due(
    factory: sessionmaker[Session],
    settings: Settings,
    transport: WebhookTransport,
    mailer: notify_email.StatusMailer | None = None,
    *,
    clock: Clock = utcnow,
    stopping: threading.Event | None = None,
    limit: int = 500,
) -> NotifySummary:
    """Send the rows due, one after the other, until none is due, `limit` were tried or
    `stopping` is set; returns what happened."""
    mail = mailer or notify_email.StatusMailer()
    summary = NotifySummary()
    while summary.attempted < limit and not (stopping is not None and stopping.is_set()):
        with unit_of_work(factory) as session:
            job = claim(session, settings, clock())
        if job is None:
            break
        error = attempt(job, settings, transport, mail, clock())
        with unit_of_work(factory) as session:
            status = record(session, job, error, clock())
        label = f"status notification {job.notification_id} ({job.event}) to {job.target}"
        if status is NotificationStatus.SENT:
            summary.sent += 1
            log.info("%s sent", label)
            continue
        if status is NotificationStatus.FAILED:
            summary.failed += 1
        else:
            summary.retrying += 1
        summary.errors.append(f"{label}: {error}")
        log.warning("%s not sent (%s): %s", label, status.value, error)
    return summary
