"""Webhook subscribers: a real HTTPS receiver on 127.0.0.1 checks every notification's
signature with the secret shown at subscription; failures are retried with backoff, then
given up after a day; two senders at once never send the same notification twice."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import trustme

from pointage.db.base import utcnow
from pointage.jobs.status_notifications import StatusNotificationJob
from pointage.settings import Settings
from pointage.status import notify
from pointage.status.fanout import Event, fan_out
from pointage.status.models import StatusIncident, StatusIncidentUpdate
from pointage.status.subscriptions import subscribe_webhook, unsubscribe
from pointage.webhook import signature
from pointage.webhook.transport import Answer, HttpxTransport, MemoryTransport, TransportError
from tests.status.notify_world import (
    PUBLIC_URL,
    client_of,
    insert_incident,
    local,
    notification,
    notify_settings,
    queue,
    subscriber_of,
)
from tests.webhook.receiver import HttpsReceiver, Receiver, client_context


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def receiver(authority: trustme.CA) -> Iterator[Receiver]:
    server = HttpsReceiver(authority)
    yield server.state
    server.close()


@pytest.fixture
def transport(authority: trustme.CA) -> Iterator[HttpxTransport]:
    made = HttpxTransport(verify=client_context(authority))
    yield made
    made.close()


@pytest.fixture
def configured(settings: Settings) -> Settings:
    return notify_settings(settings)


def _subscribe(factory, settings: Settings, url: str):
    with factory() as session, session.begin():
        return subscribe_webhook(session, url, settings)


def test_a_signed_statuspage_shaped_notification(
    configured, session_factory, receiver, transport
) -> None:
    created = _subscribe(session_factory, configured, receiver.url)
    assert created.secret.startswith("whsec_")
    receiver.secrets = [created.secret]
    incident = insert_incident(session_factory)
    queue(session_factory, created.subscriber_id, incident, event="incident.created")

    summary = notify.send_due(session_factory, configured, transport)
    assert summary.sent == 1, summary.errors
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.signature_error is None
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["Pointage-Event"] == "incident.created"
    document = json.loads(got.body)
    assert set(document) == {"meta", "page", "incident"}
    assert document["meta"]["unsubscribe"].startswith(
        f"{PUBLIC_URL}/status/subscriptions/unsubscribe?token="
    )
    # An unresolved incident of major impact: the page's indicator says so.
    assert document["page"]["status_indicator"] == "major"
    assert document["page"]["status_description"] == "Partial System Outage"
    shown = document["incident"]
    assert shown["name"] == "Card payments failing"
    assert (shown["status"], shown["impact"]) == ("investigating", "major")
    assert len(shown["id"]) == 12
    assert shown["created_at"].endswith("Z")
    assert [c["name"] for c in shown["components"]] == ["Web Services API"] or len(
        shown["components"]
    ) == 1
    (update,) = shown["incident_updates"]
    assert update["status"] == "investigating"
    assert update["body"].startswith("Payments through the API fail")
    assert update["incident_id"] == shown["id"]
    assert [(a["new_status"]) for a in update["affected_components"]] == ["partial_outage"]

    # The same page and incident as the Statuspage JSON shows.
    client = client_of(configured)
    shown_summary = client.get("/api/v2/summary.json").json()
    assert document["page"]["id"] == shown_summary["page"]["id"]
    assert document["page"]["status_indicator"] == shown_summary["status"]["indicator"]
    listed = client.get("/api/v2/incidents.json").json()["incidents"]
    assert [i for i in listed if i["id"] == shown["id"]] == [shown]

    # The unsubscribe link of the body ends the subscription.
    answer = client_of(configured).post(local(document["meta"]["unsubscribe"]))
    assert answer.status_code == 200
    assert subscriber_of(session_factory, receiver.url).unsubscribed_at is not None


def test_a_forged_secret_is_refused_by_the_receiver(
    configured, session_factory, receiver, transport
) -> None:
    created = _subscribe(session_factory, configured, receiver.url)
    receiver.secrets = ["whsec_not-the-right-one"]
    row = queue(session_factory, created.subscriber_id, insert_incident(session_factory))
    summary = notify.send_due(session_factory, configured, transport)
    assert summary.retrying == 1
    assert receiver.received[0].signature_error is not None
    assert notification(session_factory, row).last_error == "the endpoint answered 400"


def test_failures_are_retried_with_backoff_then_delivered(
    configured, session_factory, receiver, transport
) -> None:
    created = _subscribe(session_factory, configured, receiver.url)
    receiver.secrets = [created.secret]
    receiver.answer_with(500, 503)
    now = utcnow()
    row = queue(session_factory, created.subscriber_id, insert_incident(session_factory), now=now)

    first = notify.send_due(session_factory, configured, transport, clock=lambda: now)
    assert first.retrying == 1
    state = notification(session_factory, row)
    assert (state.status, state.attempts, state.last_error) == (
        "pending",
        1,
        "the endpoint answered 500",
    )
    assert state.next_attempt_at == now + timedelta(seconds=30)
    # Not due before its time.
    early = now + timedelta(seconds=29)
    assert (
        notify.send_due(session_factory, configured, transport, clock=lambda: early).attempted == 0
    )

    second_at = now + timedelta(seconds=30)
    assert (
        notify.send_due(session_factory, configured, transport, clock=lambda: second_at).retrying
        == 1
    )
    assert notification(session_factory, row).next_attempt_at == second_at + timedelta(minutes=1)
    third_at = second_at + timedelta(minutes=1)
    assert notify.send_due(session_factory, configured, transport, clock=lambda: third_at).sent == 1
    state = notification(session_factory, row)
    assert (state.status, state.attempts, state.sent_at) == ("sent", 3, third_at)
    assert [r.answered for r in receiver.received] == [500, 503, 200]


def test_given_up_after_a_day(configured, session_factory) -> None:
    def refuse(_request):
        raise TransportError("could not connect: refused")

    transport = MemoryTransport(answer=refuse)
    created = _subscribe(session_factory, configured, "https://hooks.example.com/status")
    start = utcnow()
    row = queue(session_factory, created.subscriber_id, insert_incident(session_factory), now=start)
    at = start
    statuses = []
    for _ in range(60):
        summary = notify.send_due(session_factory, configured, transport, clock=lambda at=at: at)
        assert summary.attempted == 1
        state = notification(session_factory, row)
        statuses.append(state.status)
        if state.status != "pending":
            break
        at = state.next_attempt_at
    assert statuses[-1] == "failed"
    assert statuses[:-1] == ["pending"] * (len(statuses) - 1)
    assert at <= start + timedelta(days=1)
    assert at + timedelta(hours=1) > start + timedelta(days=1)  # it tried until the day was over
    assert notification(session_factory, row).last_error == "could not connect: refused"
    assert (
        notify.send_due(
            session_factory, configured, transport, clock=lambda: at + timedelta(days=2)
        ).attempted
        == 0
    )


def test_two_senders_never_send_the_same_row(configured, session_factory) -> None:
    transport = MemoryTransport(answer=lambda _request: Answer(200, ""))
    incident = insert_incident(session_factory)
    rows = []
    for index in range(12):
        created = _subscribe(session_factory, configured, f"https://hooks{index}.example.com/s")
        rows.append(queue(session_factory, created.subscriber_id, incident))
    results = []
    barrier = threading.Barrier(2)

    def sender() -> None:
        barrier.wait()
        results.append(notify.send_due(session_factory, configured, transport))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.sent for r in results) == 12
    urls = [request.url for request in transport.sent]
    assert len(urls) == 12 and len(set(urls)) == 12
    assert all(notification(session_factory, row).attempts == 1 for row in rows)


def test_a_draft_incident_is_never_sent(configured, session_factory) -> None:
    transport = MemoryTransport()
    created = _subscribe(session_factory, configured, "https://hooks.example.com/status")
    incident = insert_incident(session_factory)
    with session_factory() as session, session.begin():
        draft = session.get(StatusIncident, incident[0])
        assert draft is not None
        draft.draft = True
    row = queue(session_factory, created.subscriber_id, incident)
    summary = notify.send_due(session_factory, configured, transport)
    assert (summary.sent, summary.failed) == (0, 1)
    assert transport.sent == []
    assert notification(session_factory, row).last_error == "the incident is a draft, not public"


def test_the_job_sends_what_is_due(configured, session_factory) -> None:
    transport = MemoryTransport()
    created = _subscribe(session_factory, configured, "https://hooks.example.com/status")
    row = queue(session_factory, created.subscriber_id, insert_incident(session_factory))
    job = StatusNotificationJob(session_factory, configured, transport)
    assert job.period_seconds == configured.webhook_poll_seconds
    assert job.tick().sent == 1
    assert [r.url for r in transport.sent] == ["https://hooks.example.com/status"]
    assert notification(session_factory, row).status == "sent"
    assert job.tick().attempted == 0


def test_rows_of_the_fan_out_are_sent_to_every_active_subscriber(
    configured, session_factory
) -> None:
    transport = MemoryTransport()
    active = _subscribe(session_factory, configured, "https://active.example.com/hook")
    gone = _subscribe(session_factory, configured, "https://gone.example.com/hook")
    with session_factory() as session, session.begin():
        unsubscribe(session, gone.unsubscribe_token, configured.secret_key)
    incident_id, update_id = insert_incident(session_factory)
    with session_factory() as session, session.begin():
        incident = session.get(StatusIncident, incident_id)
        update = session.get(StatusIncidentUpdate, update_id)
        assert incident is not None and update is not None
        fan_out(session, Event.INCIDENT_UPDATED, incident, update, utcnow())
    assert notify.send_due(session_factory, configured, transport).sent == 1
    (request,) = transport.sent
    assert request.url == "https://active.example.com/hook"
    assert request.headers["Pointage-Event"] == "incident.updated"
    secret = active.secret
    signature.verify(secret, request.body, request.headers[signature.HEADER])
