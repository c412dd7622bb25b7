"""Sending deliveries: claimed, signed, POSTed, recorded, retried with backoff.

Each delivery is tried outside any database transaction (an endpoint may take seconds to
answer and must not hold locks), between two short transactions: one claims it (moves its
next attempt a lease ahead, so that no other worker takes it meanwhile; a worker that dies
mid-way leaves it to be tried again once the lease has passed), one records the attempt and
its outcome. A 2xx answer delivers it; anything else, or no answer, schedules a retry 30 s
later, then 1, 2, 4… minutes, at most an hour apart, until the retry window after the event
is over: then it fails. The first attempt is always made, however late.

`deliver_due` runs several deliveries at once in threads, at most a few per endpoint, so
that one slow endpoint never holds the others back. The clock is a parameter: tests drive
retries by moving it, not by sleeping.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from time import monotonic

from sqlalchemy.orm import Session, sessionmaker

from pointage.db.base import utcnow
from pointage.db.session import unit_of_work
from pointage.settings import Settings
from pointage.webhook import signature
from pointage.webhook.models import DeliveryStatus, WebhookDeliveryAttempt
from pointage.webhook.repository import deliveries as queries
from pointage.webhook.repository.deliveries import Due
from pointage.webhook.schemas import EventOut
from pointage.webhook.service.endpoints import signing_secrets
from pointage.webhook.transport import TransportError, WebhookTransport

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
WORKERS = 8
PER_ENDPOINT = 2  # deliveries in flight to one endpoint, per process


@dataclass(frozen=True)
class Job:
    """A claimed delivery, as plain values: what the attempt needs outside the session."""

    delivery_id: int
    endpoint_id: int
    url: str
    event_id: str
    event_type: str
    event_created_at: datetime
    body: bytes
    secrets: tuple[str, ...] = field(repr=False)
    problem: str | None = None  # why it cannot even be sent
    replay: bool = False


@dataclass(frozen=True)
class Outcome:
    status: int | None
    excerpt: str | None
    error: str | None
    at: datetime
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class DeliverySummary:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


def backoff(failed_attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 30 s, doubled each time, at most an hour."""
    seconds = FIRST_BACKOFF.total_seconds() * 2 ** min(max(failed_attempts - 1, 0), 20)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def lease(settings: Settings) -> timedelta:
    """How long a claimed delivery is hidden from other workers while it is sent."""
    return timedelta(seconds=2 * settings.webhook_timeout_seconds + 60)


def job_of(due: Due, settings: Settings, now: datetime, *, replay: bool = False) -> Job:
    delivery, endpoint, event = due
    secrets = signing_secrets(endpoint, settings.secret_key, now)
    problem = None
    if not secrets:
        problem = (
            "the endpoint's secret cannot be read with the deployment's current secret key: "
            "rotate the endpoint's secret"
        )
    return Job(
        delivery_id=delivery.id,
        endpoint_id=endpoint.id,
        url=endpoint.url,
        event_id=event.public_id,
        event_type=event.type,
        event_created_at=event.created_at,
        body=EventOut.of(event).body(),
        secrets=tuple(secrets),
        problem=problem,
        replay=replay,
    )


def claim(
    session: Session, settings: Settings, now: datetime, busy_endpoints: Counter[int]
) -> Job | None:
    """The delivery due first, leased to this worker; a delivery whose endpoint was
    disabled or deleted meanwhile is failed instead, and the next one looked at."""
    saturated = {e for e, count in busy_endpoints.items() if count >= PER_ENDPOINT}
    while (due := queries.lock_next_due(session, now, saturated)) is not None:
        delivery, endpoint, _event = due
        if endpoint.enabled and endpoint.deleted_at is None:
            delivery.next_attempt_at = now + lease(settings)
            return job_of(due, settings, now)
        delivery.status = DeliveryStatus.FAILED.value
        delivery.next_attempt_at = None
        delivery.last_error = (
            "the endpoint was deleted" if endpoint.deleted_at else ("the endpoint was disabled")
        )
        session.flush()
    return None


def headers(job: Job, at: datetime) -> dict[str, str]:
    timestamp = int(at.timestamp())
    return {
        "Content-Type": "application/json",
        "Pointage-Event-Id": job.event_id,
        "Pointage-Event-Type": job.event_type,
        "Pointage-Delivery-Id": str(job.delivery_id),
        signature.HEADER: signature.header_value(list(job.secrets), job.body, timestamp),
    }


def attempt(job: Job, transport: WebhookTransport, settings: Settings, clock: Clock) -> Outcome:
    """POST the event; never raises: whatever goes wrong becomes the attempt's error."""
    at = clock()
    started = monotonic()
    status = excerpt = error = None
    try:
        if job.problem is not None:
            raise TransportError(job.problem)
        answer = transport.post(
            job.url, job.body, headers(job, at), settings.webhook_timeout_seconds
        )
        status, excerpt = answer.status, answer.excerpt
        if not 200 <= status < 300:
            error = f"the endpoint answered HTTP {status}"
    except TransportError as exc:
        error = exc.reason
    except Exception as exc:
        # A defect, not the endpoint's doing: logged in full, summed up in the log.
        log.exception("webhook delivery %s: unexpected error", job.delivery_id)
        error = f"unexpected error: {type(exc).__name__}"
    duration = int((monotonic() - started) * 1000)
    return Outcome(status, excerpt, error, at, duration)


def record(session: Session, job: Job, outcome: Outcome, settings: Settings) -> DeliveryStatus:
    """Log the attempt and move the delivery on: delivered, retried later, or failed."""
    delivery = queries.lock(session, job.delivery_id)
    queries.add_attempt(
        session,
        WebhookDeliveryAttempt(
            delivery_id=delivery.id,
            at=outcome.at,
            duration_ms=outcome.duration_ms,
            response_status=outcome.status,
            error=outcome.error,
            response_excerpt=outcome.excerpt,
            replay=job.replay,
        ),
    )
    delivery.attempts += 1
    delivery.last_response_status = outcome.status
    delivery.last_error = outcome.error
    if outcome.ok:
        delivery.status = DeliveryStatus.DELIVERED.value
        delivery.delivered_at = outcome.at
        delivery.next_attempt_at = None
    elif not job.replay:
        retry_at = outcome.at + backoff(delivery.attempts)
        window_end = job.event_created_at + timedelta(hours=settings.webhook_retry_hours)
        if retry_at > window_end:
            delivery.status = DeliveryStatus.FAILED.value
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = retry_at
    # A failed replay leaves the delivery as it was: delivered, failed, or waiting for its
    # scheduled retry.
    return DeliveryStatus(delivery.status)


def deliver(
    factory: sessionmaker[Session],
    job: Job,
    transport: WebhookTransport,
    settings: Settings,
    clock: Clock,
) -> tuple[DeliveryStatus, Outcome]:
    outcome = attempt(job, transport, settings, clock)
    with unit_of_work(factory) as session:
        status = record(session, job, outcome, settings)
    return status, outcome


@dataclass
class _Run:
    """One `deliver_due`: the endpoints in flight and what happened."""

    busy: Counter[int] = field(default_factory=Counter)
    summary: DeliverySummary = field(default_factory=DeliverySummary)
    lock: threading.Lock = field(default_factory=threading.Lock)


def deliver_due(
    factory: sessionmaker[Session],
    settings: Settings,
    transport: WebhookTransport,
    *,
    clock: Clock = utcnow,
    workers: int = WORKERS,
    stopping: threading.Event | None = None,
) -> DeliverySummary:
    """Send every delivery due, `workers` at a time, until none is due (or `stopping` is
    set); returns what happened."""
    run = _Run()
    first = _claim_next(factory, settings, clock, run)
    if first is None:
        return run.summary

    def work(job: Job | None) -> None:
        while job is not None and not (stopping is not None and stopping.is_set()):
            _deliver_one(factory, job, transport, settings, clock, run)
            job = _claim_next(factory, settings, clock, run)
        if job is not None:  # claimed, then asked to stop: let its lease run out
            _release(run, job)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhooks") as pool:
        futures = [pool.submit(work, first)]
        futures += [pool.submit(work, _claim_next(factory, settings, clock, run))
                    for _ in range(workers - 1)]  # fmt: skip
        for future in futures:
            future.result()
    return run.summary


def _claim_next(
    factory: sessionmaker[Session], settings: Settings, clock: Clock, run: _Run
) -> Job | None:
    with run.lock:
        busy = Counter(run.busy)
    with unit_of_work(factory) as session:
        job = claim(session, settings, clock(), busy)
    if job is not None:
        with run.lock:
            run.busy[job.endpoint_id] += 1
    return job


def _release(run: _Run, job: Job) -> None:
    with run.lock:
        run.busy[job.endpoint_id] -= 1


def _deliver_one(
    factory: sessionmaker[Session],
    job: Job,
    transport: WebhookTransport,
    settings: Settings,
    clock: Clock,
    run: _Run,
) -> None:
    try:
        status, outcome = deliver(factory, job, transport, settings, clock)
    except Exception:
        # The attempt could not be recorded (the database went away): its lease runs out
        # and it is tried again.
        log.exception("webhook delivery %s could not be recorded", job.delivery_id)
        _release(run, job)
        return
    _release(run, job)
    label = f"delivery {job.delivery_id} of {job.event_id} ({job.event_type}) to {job.url}"
    with run.lock:
        if status is DeliveryStatus.DELIVERED:
            run.summary.delivered += 1
        elif status is DeliveryStatus.FAILED:
            run.summary.failed += 1
        else:
            run.summary.retrying += 1
        if outcome.error:
            run.summary.errors.append(f"{label}: {outcome.error}")
    if outcome.error:
        log.warning("webhook %s failed (%s): %s", label, status.value, outcome.error)
    else:
        log.info("webhook %s delivered in %d ms", label, outcome.duration_ms)
