"""The subscription pages: bad input refused with the field named and nothing recorded, the
CSRF token required on the form but not on the one-click unsubscribe, requests limited per
client address, unknown links answered 404, the webhook's secret shown once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pointage.core.errors import InvalidInput
from pointage.settings import Settings
from pointage.status.models import StatusNotification, StatusSubscriber
from pointage.status.subscriptions import (
    REQUESTS_PER_CLIENT,
    normalise_email,
    subscribe_email,
    unsubscribe_token,
    webhook_secret,
)
from tests.status.notify_world import (
    client_of,
    form_token,
    notify_settings,
    subscribe,
    subscriber_of,
)


@pytest.fixture
def configured(settings: Settings) -> Settings:
    return notify_settings(settings)


def _counts(factory) -> tuple[int, int]:
    with factory() as session:
        return (
            session.scalar(select(func.count()).select_from(StatusSubscriber)) or 0,
            session.scalar(select(func.count()).select_from(StatusNotification)) or 0,
        )


def test_the_form_page_is_accessible_markup(configured) -> None:
    page = client_of(configured).get("/status/subscribe")
    assert page.status_code == 200
    assert '<label for="subscribe-email">' in page.text
    assert '<label for="subscribe-url">' in page.text
    assert page.text.count('action="/status/subscribe"') == 2


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"email": "not-an-address"}, "subscribe-email-error", "Enter a valid e-mail address"),
        ({"email": "a@b"}, "subscribe-email-error", "Enter a valid e-mail address"),
        ({"email": "ana@exa mple.com"}, "subscribe-email-error", "Enter a valid e-mail address"),
        ({"email": "", "url": ""}, "subscribe-email-error", "Enter an e-mail address"),
        ({"url": "http://hooks.example.com/x"}, "subscribe-url-error", "url must use https"),
        ({"url": "https://10.1.2.3/x"}, "subscribe-url-error", "private network"),
        ({"url": "https://user:pw@hooks.example.com/"}, "subscribe-url-error", "user name"),
        ({"url": "ftp://hooks.example.com/"}, "subscribe-url-error", "https://"),
    ],
)
def test_bad_input_is_refused_and_nothing_recorded(
    configured, session_factory, fields, field_id, message
) -> None:
    answer = subscribe(client_of(configured), **fields)
    assert answer.status_code == 422
    assert f'id="{field_id}"' in answer.text
    assert message in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert _counts(session_factory) == (0, 0)


def test_loopback_webhooks_only_when_allowed(configured, session_factory) -> None:
    refused = configured.model_copy(update={"webhook_allow_http_loopback": False})
    answer = subscribe(client_of(refused), url="https://127.0.0.1:8443/hooks")
    assert answer.status_code == 422
    assert "loopback" in answer.text
    assert _counts(session_factory) == (0, 0)


def test_the_form_needs_its_csrf_token(configured, session_factory) -> None:
    client = client_of(configured)
    client.get("/status/subscribe")
    answer = client.post("/status/subscribe", data={"email": "ana@example.com"})
    assert answer.status_code == 403
    assert _counts(session_factory) == (0, 0)


def test_subscription_requests_are_limited_per_client(configured, session_factory) -> None:
    client = client_of(configured)
    for index in range(REQUESTS_PER_CLIENT):
        assert subscribe(client, email=f"person{index}@example.com").status_code == 200
    refused = subscribe(client, email="one-more@example.com")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many subscription requests" in refused.text
    assert _counts(session_factory) == (REQUESTS_PER_CLIENT, REQUESTS_PER_CLIENT)


def test_a_webhook_gets_its_secret_once(configured, session_factory) -> None:
    client = client_of(configured)
    answer = subscribe(client, url="https://hooks.example.com/status")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    subscriber = subscriber_of(session_factory, "https://hooks.example.com/status")
    assert subscriber.confirmed_at is not None
    secret = webhook_secret(subscriber, configured.secret_key)
    assert secret in answer.text
    assert secret not in subscriber.token_hash
    token = unsubscribe_token(subscriber, configured.secret_key)
    assert f"/status/subscriptions/unsubscribe?token={token}" in answer.text


def test_unsubscribe_page_asks_then_the_button_does_it(configured, session_factory) -> None:
    with session_factory() as session, session.begin():
        subscribe_email(session, "ana@example.com")
    subscriber = subscriber_of(session_factory, "ana@example.com")
    token = unsubscribe_token(subscriber, configured.secret_key)
    client = client_of(configured)
    page = client.get(f"/status/subscriptions/unsubscribe?token={token}")
    assert page.status_code == 200
    assert "ana@example.com" in page.text
    assert f'action="/status/subscriptions/unsubscribe?token={token}"' in page.text
    assert subscriber_of(session_factory, "ana@example.com").unsubscribed_at is None
    done = client.post(f"/status/subscriptions/unsubscribe?token={token}")
    assert done.status_code == 200
    assert subscriber_of(session_factory, "ana@example.com").unsubscribed_at is not None
    # The queued confirmation is dropped with it.
    with session_factory() as session:
        assert session.scalar(select(StatusNotification.status)) == "failed"


@pytest.mark.parametrize(
    "path",
    [
        "/status/subscriptions/unsubscribe?token=1.forged",
        "/status/subscriptions/unsubscribe?token=garbage",
        "/status/subscriptions/unsubscribe",
        "/status/subscriptions/confirm?token=unknown-token",
        "/status/subscriptions/confirm",
    ],
)
def test_unknown_links_are_not_found(configured, session_factory, path) -> None:
    with session_factory() as session, session.begin():
        subscribe_email(session, "ana@example.com")
    client = client_of(configured)
    answer = client.get(path)
    assert answer.status_code == 404
    assert "This link is not valid" in answer.text
    if "unsubscribe" in path:
        assert client.post(path).status_code == 404
    assert subscriber_of(session_factory, "ana@example.com").unsubscribed_at is None
    assert subscriber_of(session_factory, "ana@example.com").confirmed_at is None


def test_a_token_of_another_secret_key_does_not_unsubscribe(configured, session_factory) -> None:
    with session_factory() as session, session.begin():
        subscribe_email(session, "ana@example.com")
    subscriber = subscriber_of(session_factory, "ana@example.com")
    forged = unsubscribe_token(subscriber, "another-secret-key-0123456789abcdef0123")
    answer = client_of(configured).post(f"/status/subscriptions/unsubscribe?token={forged}")
    assert answer.status_code == 404
    assert subscriber_of(session_factory, "ana@example.com").unsubscribed_at is None


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("  Ana@Example.COM ", "ana@example.com"),
        ("a.b+tag@sub.example.fr", "a.b+tag@sub.example.fr"),
    ],
)
def test_addresses_are_normalised(given, kept) -> None:
    assert normalise_email(given) == kept


@pytest.mark.parametrize(
    "given", ["", "ana", "ana@", "@example.com", "ana..b@example.com", "ana@example", "a@-x.com"]
)
def test_bad_addresses_name_the_field(given) -> None:
    with pytest.raises(InvalidInput) as raised:
        normalise_email(given)
    assert raised.value.param == "email"


def test_form_token_helper_reads_the_page(configured) -> None:
    assert form_token(client_of(configured))
