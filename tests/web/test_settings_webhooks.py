"""Settings: webhook endpoints of the selected shop, their secret, and the delivery log with
replay, through the pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pointage.core.statuses import Mode
from pointage.shop.service import shop_by_shop_id
from pointage.webhook.models import WebhookDeliveryAttempt, WebhookEndpoint
from pointage.webhook.service.endpoints import signing_secrets
from pointage.webhook.transport import Answer, MemoryTransport
from tests.factories import make_payment
from tests.web.backoffice_world import GIVEN, OTHER, World
from tests.web.settings_world import accountant, admin, send, world
from tests.webhook.builders import deliveries, register

__all__ = ["accountant", "admin", "world"]  # fixtures

PARIS = next(iter(GIVEN))
URL = "https://hooks.example.com/pointage"
LIST = "/settings/webhooks"


def _secret(html: str) -> str:
    found = re.search(r'<code id="secret-value"[^>]*>([^<]+)</code>', html)
    assert found, "no secret on the page"
    return found.group(1).strip()


def _endpoints(world: World) -> list[WebhookEndpoint]:
    with world.factory() as session:
        return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def _create(admin, mode: str = "PRODUCTION") -> WebhookEndpoint:
    data = {
        "mode": mode,
        "url": URL,
        "description": "ERP",
        "events": ["report.ready", "transaction.updated"],
    }
    answer = send(admin, LIST, data, LIST)
    assert answer.status_code == 200, answer.text
    return answer


def test_an_endpoint_is_created_with_its_secret_shown_once(admin, world):
    answer = _create(admin)
    secret = _secret(answer.text)
    assert secret.startswith("whsec_")
    (endpoint,) = _endpoints(world)
    assert (endpoint.url, endpoint.mode, endpoint.description) == (URL, "PRODUCTION", "ERP")
    assert signing_secrets(endpoint, world.settings.secret_key, endpoint.created_at) == [secret]
    listing = admin.get(LIST).text
    assert URL in listing and secret not in listing
    assert secret not in admin.get(f"{LIST}/{endpoint.id}").text
    assert URL not in admin.get(f"{LIST}?mode=TEST").text  # a production endpoint


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "http://hooks.example.com/x"}, "url"),
        ({"url": "https://user:pw@hooks.example.com/x"}, "url"),
        ({"url": "https://169.254.169.254/latest"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["everything"]}, "events"),
        ({"description": "x" * 501}, "description"),
    ],
)
def test_a_wrong_endpoint_is_named_on_its_field_and_nothing_is_made(admin, world, changes, field):
    data = {
        "mode": "PRODUCTION",
        "url": URL,
        "description": "",
        "events": ["report.ready"],
        **changes,
    }
    answer = send(admin, LIST, data, LIST)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.text
    assert _endpoints(world) == []


def test_an_endpoint_is_changed_its_secret_rotated_and_deleted_after_confirmation(admin, world):
    _create(admin)
    (endpoint,) = _endpoints(world)
    page = f"{LIST}/{endpoint.id}"
    data = {"url": "https://hooks.example.com/v2", "description": "", "events": ["report.ready"]}
    assert send(admin, page, data, page).status_code == 303
    (changed,) = _endpoints(world)
    assert (changed.url, changed.enabled) == ("https://hooks.example.com/v2", False)

    asked = send(admin, f"{page}/rotate", {}, page)
    assert asked.status_code == 200 and 'id="secret-value"' not in asked.text
    rotated = send(admin, f"{page}/rotate", {"confirm": "yes"}, page)
    secret = _secret(rotated.text)
    (after,) = _endpoints(world)
    assert signing_secrets(after, world.settings.secret_key, after.updated_at)[0] == secret

    asked = send(admin, f"{page}/delete", {}, page)
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text
    assert _endpoints(world)[0].deleted_at is None
    assert send(admin, f"{page}/delete", {"confirm": "yes"}, page).status_code == 303
    assert _endpoints(world)[0].deleted_at is not None
    assert admin.get(page).status_code == 404


def test_another_shops_endpoint_is_not_found(admin, world):
    with world.factory() as session:
        other = register(session, world.settings, shop_by_shop_id(session, OTHER[0]))
    page = f"{LIST}/{other.endpoint.id}"
    assert admin.get(page).status_code == 404
    assert send(admin, f"{page}/delete", {"confirm": "yes"}, LIST).status_code == 404
    assert _endpoints(world)[0].deleted_at is None


def _delivery(world: World) -> tuple[int, int]:
    with world.factory() as session:
        shop = shop_by_shop_id(session, PARIS)
        registered = register(session, world.settings, shop, mode=Mode.PRODUCTION)
        make_payment(session, shop)
        session.commit()
        (delivery,) = deliveries(session)
        return registered.endpoint.id, delivery.id


def test_the_log_shows_each_delivery_and_a_replay_sends_it_again(admin, world):
    endpoint_id, delivery_id = _delivery(world)
    page = f"{LIST}/{endpoint_id}"
    log = admin.get(page)
    assert log.status_code == 200
    assert re.search(r"evt_[0-9a-f]{32}", log.text)
    assert "Pending" in log.text or "En attente" in log.text
    transport = MemoryTransport(answer=lambda _request: Answer(503, "busy"))
    admin.app.state.webhook_transport = transport
    path = f"{page}/deliveries/{delivery_id}/replay"
    failed = send(admin, path, {}, page)
    assert failed.status_code == 200 and "503" in failed.text
    transport.answer = lambda _request: Answer(200, "")
    delivered = send(admin, path, {}, page)
    assert delivered.status_code == 200 and 'class="alert alert-success"' in delivered.text
    assert [request.url for request in transport.sent] == [URL, URL]
    with world.factory() as session:
        replays = session.scalars(
            select(WebhookDeliveryAttempt.replay).where(
                WebhookDeliveryAttempt.delivery_id == delivery_id
            )
        ).all()
        assert replays == [True, True]
        assert deliveries(session)[0].status == "delivered"


def test_a_wrong_state_filter_of_the_log_is_named(admin, world):
    endpoint_id, _delivery_id = _delivery(world)
    answer = admin.get(f"{LIST}/{endpoint_id}?status=lost")
    assert answer.status_code == 400 and 'id="status-error"' in answer.text
    assert admin.get(f"{LIST}/{endpoint_id}?status=pending").status_code == 200


def test_webhook_pages_are_refused_to_an_accountant(accountant, world):
    assert accountant.get(LIST).status_code == 403
    data = {"mode": "PRODUCTION", "url": URL, "description": "", "events": ["report.ready"]}
    assert send(accountant, LIST, data, "/dashboard").status_code == 403
    assert _endpoints(world) == []


def test_the_log_pages_by_twenty_older_then_newer(admin, world):
    with world.factory() as session:
        shop = shop_by_shop_id(session, PARIS)
        endpoint_id = register(session, world.settings, shop).endpoint.id
        for n in range(21):
            make_payment(session, shop, order_id=f"ORDER-{n}")
        session.commit()
    page = f"{LIST}/{endpoint_id}"
    first = admin.get(page).text
    assert first.count("/replay") == 20
    older = re.search(r'href="([^"]+after=\d+)" rel="next"', first)
    assert older and 'rel="prev"' not in first
    second = admin.get(older.group(1).replace("&amp;", "&")).text
    assert second.count("/replay") == 1
    newer = re.search(r'href="([^"]+before=\d+)" rel="prev"', second)
    assert newer and 'rel="next"' not in second
    back = admin.get(newer.group(1).replace("&amp;", "&")).text
    assert back.count("/replay") == 20
    assert 'rel="next"' in back and 'rel="prev"' not in back
