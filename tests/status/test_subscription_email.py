"""The whole e-mail path through a real SMTP server (aiosmtpd, STARTTLS and a login):
subscribe on the page, receive the confirmation, follow its link through the application,
receive an incident's notification with its unsubscribe link and headers, unsubscribe in one
click as a mail client does, and receive nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pointage.core.errors import InvalidInput
from pointage.settings import Settings
from pointage.status import notify
from pointage.status.models import StatusNotification, StatusSubscriber
from pointage.status.notify_email import StatusMailer
from pointage.status.subscriptions import confirm, subscribe_email
from pointage.webhook.transport import MemoryTransport
from tests.report.delivery.servers import Certificate, SmtpServer, make_certificate, smtp_server
from tests.status.notify_world import (
    PUBLIC_URL,
    client_of,
    html_of,
    insert_incident,
    link_in,
    local,
    notification,
    notify_settings,
    queue,
    subscribe,
    subscriber_of,
    text_of,
)

ADDRESS = "ana.martin@example.com"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp(certificate: Certificate) -> Iterator[SmtpServer]:
    with smtp_server(certificate) as server:
        yield server


@pytest.fixture
def world(settings: Settings, smtp: SmtpServer, certificate: Certificate, session_factory):
    configured = notify_settings(settings, smtp.port)
    mailer = StatusMailer(ssl_context=certificate.client_context())

    def send(**kwargs):
        return notify.send_due(session_factory, configured, MemoryTransport(), mailer, **kwargs)

    return configured, send


def test_subscribe_confirm_notify_unsubscribe(world, smtp, session_factory) -> None:
    settings, send = world
    client = client_of(settings)

    answer = subscribe(client, email="  Ana.Martin@Example.COM ")
    assert answer.status_code == 200
    assert "Check your mailbox" in answer.text
    assert send().sent == 1
    assert len(smtp.mailbox.messages) == 1
    sender, recipients, confirmation = smtp.mailbox.messages[0]
    assert (sender, recipients) == ("status@example.com", [ADDRESS])
    assert smtp.mailbox.logins == ["reports"]
    confirm_link = link_in(text_of(confirmation), "/status/subscriptions/confirm")
    assert confirm_link in html_of(confirmation)
    assert subscriber_of(session_factory, ADDRESS).confirmed_at is None

    page = client_of(settings).get(local(confirm_link))
    assert page.status_code == 200
    assert "Subscription confirmed" in page.text
    assert subscriber_of(session_factory, ADDRESS).confirmed_at is not None

    incident = insert_incident(session_factory)
    row = queue(session_factory, subscriber_of(session_factory, ADDRESS).id, incident)
    assert send().sent == 1
    assert len(smtp.mailbox.messages) == 2
    _sender, recipients, mail = smtp.mailbox.messages[1]
    assert recipients == [ADDRESS]
    assert "Card payments failing" in mail["Subject"]
    body = text_of(mail)
    assert "Payments through the API fail for some shops" in body
    assert "Web Services API" in body or "API" in body
    unsubscribe_link = link_in(body, "/status/subscriptions/unsubscribe")
    assert mail["List-Unsubscribe"] == f"<{unsubscribe_link}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_link.replace("&", "&amp;") in html_of(mail) or unsubscribe_link in html_of(
        mail
    )
    assert notification(session_factory, row).status == "sent"

    # RFC 8058: the mail client POSTs to the link by itself, no page, no cookie, no CSRF token.
    one_click = client_of(settings).post(
        local(unsubscribe_link), data={"List-Unsubscribe": "One-Click"}
    )
    assert one_click.status_code == 200
    assert "Unsubscribed" in one_click.text
    assert subscriber_of(session_factory, ADDRESS).unsubscribed_at is not None
    again = client_of(settings).post(local(unsubscribe_link))
    assert again.status_code == 200  # idempotent

    later = queue(session_factory, subscriber_of(session_factory, ADDRESS).id, incident)
    summary = send()
    assert summary.sent == 0
    assert len(smtp.mailbox.messages) == 2
    assert notification(session_factory, later).status == "failed"
    assert notification(session_factory, later).last_error == "the subscriber unsubscribed"


def test_nothing_but_the_confirmation_before_it_is_confirmed(world, smtp, session_factory) -> None:
    _settings, send = world
    with session_factory() as session, session.begin():
        subscribe_email(session, ADDRESS)
    subscriber = subscriber_of(session_factory, ADDRESS)
    row = queue(session_factory, subscriber.id, insert_incident(session_factory))
    summary = send()
    assert summary.sent == 1  # the confirmation only
    assert [m["Subject"] for _f, _t, m in smtp.mailbox.messages] == [
        "[Status] Confirm your subscription"
    ]
    assert notification(session_factory, row).status == "failed"
    assert "not confirmed" in (notification(session_factory, row).last_error or "")


def test_the_same_address_again_resends_and_replaces_the_link(world, smtp, session_factory) -> None:
    settings, send = world
    client = client_of(settings)
    first = subscribe(client, email=ADDRESS)
    send()
    second = subscribe(client, email=ADDRESS)
    send()
    assert first.status_code == second.status_code == 200
    # The same page whether or not the address was known.
    assert first.text.count(ADDRESS) == second.text.count(ADDRESS) == 1
    links = [
        link_in(text_of(m), "/status/subscriptions/confirm") for _f, _t, m in smtp.mailbox.messages
    ]
    assert len(links) == 2 and links[0] != links[1]
    old = client.get(local(links[0]))
    assert old.status_code == 404
    assert subscriber_of(session_factory, ADDRESS).confirmed_at is None
    assert client.get(local(links[1])).status_code == 200

    # Confirmed, then asked again: told it is subscribed, with a working unsubscribe link.
    subscribe(client, email=ADDRESS)
    send()
    told = smtp.mailbox.messages[-1][2]
    assert told["Subject"] == "[Status] You are subscribed"
    assert told["List-Unsubscribe"] is not None
    assert subscriber_of(session_factory, ADDRESS).confirmed_at is not None
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(StatusSubscriber)) == 1


def test_a_confirmation_link_expires_after_48_hours(world, smtp, session_factory) -> None:
    settings, send = world
    subscribe(client_of(settings), email=ADDRESS)
    send()
    link = link_in(text_of(smtp.mailbox.messages[0][2]), "/status/subscriptions/confirm")
    token = link.rpartition("token=")[2]
    with session_factory() as session:
        sent_at = session.scalar(select(StatusNotification.sent_at))
    assert sent_at is not None
    with session_factory() as session, session.begin(), pytest.raises(InvalidInput) as raised:
        confirm(session, token, now=sent_at + timedelta(hours=48, seconds=1))
    assert raised.value.param == "token"
    assert "expired" in str(raised.value)
    page = client_of(settings).get(local(link))  # still within 48 hours of now
    assert page.status_code == 200


def test_the_smtp_server_down_is_retried_then_sent(
    settings: Settings, certificate: Certificate, session_factory
) -> None:
    with smtp_server(certificate) as server:
        port = server.port
    configured = notify_settings(settings, port)  # nobody listens there any more
    with session_factory() as session, session.begin():
        subscribe_email(session, ADDRESS)
    mailer = StatusMailer(ssl_context=certificate.client_context())
    first = notify.send_due(session_factory, configured, MemoryTransport(), mailer)
    assert first.retrying == 1
    assert "could not connect to SMTP server" in first.errors[0]
    with session_factory() as session:
        row_id = session.scalar(select(StatusNotification.id))
    assert row_id is not None
    row = notification(session_factory, row_id)
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error is not None and PUBLIC_URL not in row.last_error
    with session_factory() as session:
        due = session.scalar(select(StatusNotification.next_attempt_at))
    assert due is not None
    with smtp_server(certificate) as server:
        again = notify_settings(settings, server.port)
        assert notify.send_due(session_factory, again, MemoryTransport(), mailer).attempted == 0
        retried = notify.send_due(
            session_factory, again, MemoryTransport(), mailer, clock=lambda: due
        )
        assert retried.sent == 1
        assert len(server.mailbox.messages) == 1
