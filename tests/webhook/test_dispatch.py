"""Deliveries to a real HTTPS endpoint that checks signatures: a committed change reaches it
signed, with its headers; failures are retried with exponential backoff on a clock the test
moves (no sleeping) until the endpoint accepts, or until the retry window is over; an
endpoint that cannot be reached is retried the same way."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from pointage.webhook.models import DeliveryStatus, WebhookEvent
from pointage.webhook.schemas import EventOut
from pointage.webhook.service.sending import deliver_due
from pointage.webhook.transport import HttpxTransport, MemoryTransport
from tests.factories import make_payment, make_shop
from tests.report.delivery.servers import free_port
from tests.webhook.builders import attempts, deliveries, events, register


@dataclass
class Clock:
    """The time the dispatcher and the endpoint agree on, moved by the test."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at

    def unix(self) -> float:
        return self.at.timestamp()


@pytest.fixture
def hooked(session, settings, https_receiver):
    """A shop whose endpoint is the HTTPS receiver, and one payment's event pending."""
    setup = make_shop(session)
    hook = register(session, settings, setup.shop, https_receiver.url)
    https_receiver.secrets = [hook.secret]
    make_payment(session, setup.shop)
    session.commit()
    [event] = events(session)
    [delivery] = deliveries(session)
    session.rollback()  # on SQLite, an open transaction holds the write lock
    clock = Clock(delivery.next_attempt_at)
    https_receiver.now = clock.unix
    return setup, hook, event, clock


def _deliver(session, session_factory, settings, transport, clock):
    """Send what is due, after ending the test's own transaction (on SQLite it holds the
    write lock the dispatcher's transactions need)."""
    session.rollback()
    return deliver_due(session_factory, settings, transport, clock=clock, workers=2)


def test_a_committed_change_reaches_the_endpoint_signed(
    session, session_factory, settings, transport, https_receiver, hooked
):
    _setup, _hook, event, clock = hooked

    summary = _deliver(session, session_factory, settings, transport, clock)

    assert (summary.delivered, summary.retrying, summary.failed) == (1, 0, 0)
    [received] = https_receiver.received
    assert received.signature_error is None
    headers = {k.lower(): v for k, v in received.headers.items()}
    assert headers["pointage-event-id"] == event.public_id
    assert headers["pointage-event-type"] == "transaction.updated"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("Pointage-Webhooks/")
    assert headers["pointage-signature"].startswith(f"t={int(clock.unix())},v1=")
    assert received.body == EventOut.of(event).body()
    body = json.loads(received.body)
    assert (body["id"], body["object"], body["type"]) == (event.public_id, "event", event.type)
    assert body["data"]["object"] == event.payload
    [delivery] = deliveries(session)
    assert delivery.status == DeliveryStatus.DELIVERED.value
    assert delivery.delivered_at == clock.at
    [attempt] = attempts(session, delivery.id)
    assert (attempt.response_status, attempt.error) == (200, None)
    assert attempt.response_excerpt == '{"received": true}'


def test_failures_are_retried_with_backoff_until_the_endpoint_accepts(
    session, session_factory, settings, transport, https_receiver, hooked
):
    _setup, _hook, _event, clock = hooked
    https_receiver.answer_with(500, 503)
    start = clock.at

    _deliver(session, session_factory, settings, transport, clock)
    [delivery] = deliveries(session)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at == start + timedelta(seconds=30)
    assert delivery.last_response_status == 500

    clock.at = start + timedelta(seconds=29)  # not due yet
    assert _deliver(session, session_factory, settings, transport, clock).attempted == 0

    clock.at = start + timedelta(seconds=30)
    _deliver(session, session_factory, settings, transport, clock)
    [delivery] = deliveries(session)
    assert delivery.next_attempt_at == clock.at + timedelta(seconds=60)  # doubled

    clock.at = delivery.next_attempt_at
    _deliver(session, session_factory, settings, transport, clock)
    [delivery] = deliveries(session)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        "delivered",
        3,
        None,
    )
    log = attempts(session, delivery.id)
    assert [(a.response_status, a.error) for a in log] == [
        (500, "the endpoint answered HTTP 500"),
        (503, "the endpoint answered HTTP 503"),
        (200, None),
    ]
    assert [r.answered for r in https_receiver.received] == [500, 503, 200]
    assert all(r.signature_error is None for r in https_receiver.received)
    # The same event, the same body; each attempt signed at its own time.
    assert len({r.body for r in https_receiver.received}) == 1
    assert len({r.headers["Pointage-Signature"] for r in https_receiver.received}) == 3


def test_a_delivery_is_given_up_once_the_retry_window_after_its_event_is_over(
    session, session_factory, settings, transport, https_receiver, hooked
):
    _setup, _hook, event, clock = hooked
    https_receiver.answer_with(*[500] * 40)
    window_end = event.created_at + timedelta(hours=24)

    while True:
        _deliver(session, session_factory, settings, transport, clock)
        [delivery] = deliveries(session)
        if delivery.status != "pending":
            break
        assert delivery.next_attempt_at <= window_end
        clock.at = delivery.next_attempt_at

    assert delivery.status == "failed" and delivery.next_attempt_at is None
    log = attempts(session, delivery.id)
    waits = [(b.at - a.at).total_seconds() for a, b in pairwise(log)]
    # 30 s doubling up to an hour: 30, 60, …, 1920, then 3600 until the day is over.
    assert waits[:8] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert set(waits[7:]) == {3600}
    assert len(log) == 30 and log[-1].at <= window_end
    assert _deliver(session, session_factory, settings, transport, clock).attempted == 0


def test_an_endpoint_that_cannot_be_reached_is_retried(session, session_factory, settings):
    setup = make_shop(session)
    register(session, settings, setup.shop, f"https://127.0.0.1:{free_port()}/hooks")
    make_payment(session, setup.shop)
    session.commit()
    [delivery] = deliveries(session)
    clock = Clock(delivery.next_attempt_at)
    transport = HttpxTransport()
    try:
        summary = _deliver(session, session_factory, settings, transport, clock)
    finally:
        transport.close()

    assert summary.retrying == 1
    [delivery] = deliveries(session)
    assert delivery.status == "pending" and delivery.last_response_status is None
    assert delivery.last_error.startswith("could not connect")
    assert delivery.next_attempt_at == clock.at + timedelta(seconds=30)


def test_a_secret_the_deployment_cannot_read_is_an_attempt_that_fails_without_sending(
    session, session_factory, settings, hooked
):
    _setup, _hook, _event, clock = hooked
    rotated = settings.model_copy(update={"secret_key": "another-secret-key-0123456789abcdef"})
    memory = MemoryTransport()

    _deliver(session, session_factory, rotated, memory, clock)

    assert memory.sent == []
    [delivery] = deliveries(session)
    assert delivery.status == "pending"
    assert "rotate the endpoint's secret" in delivery.last_error


def test_the_events_body_is_what_the_event_api_shows(session, hooked):
    _setup, _hook, event, _clock = hooked
    stored = session.get(WebhookEvent, event.id)
    body = json.loads(EventOut.of(stored).body())
    assert set(body) == {"id", "object", "type", "mode", "created_at", "data"}
    assert body["mode"] == "PRODUCTION"
