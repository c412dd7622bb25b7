"""The webhook routes of the resource API: endpoints registered, listed, changed, deleted,
their secret rotated; events and the delivery log; a replay. Everything belongs to the key's
shop and mode: another shop's objects, or the other mode's, answer 404."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from pointage.auth.service.keys import issue_key
from pointage.core.statuses import Mode
from pointage.web.app import create_app
from pointage.webhook.service.sending import deliver_due
from pointage.webhook.signature import parse_header, verify
from pointage.webhook.transport import MemoryTransport
from tests.factories import IBAN_BANK_B, make_payment, make_shop
from tests.webhook.builders import deliveries, events

URL = "https://hooks.example.com/pointage"


@dataclass
class Keys:
    live: dict[str, str]
    test: dict[str, str]
    other_live: dict[str, str]


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def shops(session, settings):
    mine = make_shop(session, shop_id="12345678")
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    keys = Keys(
        live=_bearer(issue_key(session, mine.shop, Mode.PRODUCTION, settings.secret_key).secret),
        test=_bearer(issue_key(session, mine.shop, Mode.TEST, settings.secret_key).secret),
        other_live=_bearer(
            issue_key(session, other.shop, Mode.PRODUCTION, settings.secret_key).secret
        ),
    )
    session.commit()
    return mine, keys


@pytest.fixture
def api(settings, transport) -> Iterator[TestClient]:
    app = create_app(settings)
    app.state.webhook_transport = transport
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _create(api, headers, url=URL, events=("transaction.updated",), **extra):
    body = {"url": url, "events": list(events), **extra}
    response = api.post("/v1/webhook-endpoints", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_an_endpoint_is_registered_with_a_secret_shown_once(api, shops):
    _shop, keys = shops
    created = _create(
        api, keys.live, events=["report.ready", "transaction.updated"], description="ERP"
    )
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["events"] == ["report.ready", "transaction.updated"]
    assert (created["mode"], created["enabled"], created["description"]) == (
        "PRODUCTION",
        True,
        "ERP",
    )
    shown = api.get(f"/v1/webhook-endpoints/{created['id']}", headers=keys.live).json()
    assert "secret" not in shown
    assert shown["url"] == URL
    listed = api.get("/v1/webhook-endpoints", headers=keys.live).json()
    assert [e["id"] for e in listed["data"]] == [created["id"]]
    assert listed["has_more"] is False


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"url": "http://hooks.example.com/x", "events": ["report.ready"]}, "url"),
        ({"url": "ftp://hooks.example.com/x", "events": ["report.ready"]}, "url"),
        ({"url": "https://user:pw@hooks.example.com/x", "events": ["report.ready"]}, "url"),
        ({"url": "https://169.254.169.254/latest", "events": ["report.ready"]}, "url"),
        ({"url": "https://[::]/x", "events": ["report.ready"]}, "url"),
        ({"url": "https://hooks.example.com/a b", "events": ["report.ready"]}, "url"),
        ({"url": "https://[::1/x", "events": ["report.ready"]}, "url"),
        ({"url": "https://hooks.example.com:99999/x", "events": ["report.ready"]}, "url"),
        ({"url": "https://hooks.example.com/x#top", "events": ["report.ready"]}, "url"),
        ({"url": URL, "events": ["payment.created"]}, "events[0]"),
        ({"url": URL, "events": ["report.ready", "nope"]}, "events[1]"),
    ],
)
def test_a_bad_endpoint_is_refused_naming_the_field(api, shops, body, param):
    _shop, keys = shops
    response = api.post("/v1/webhook-endpoints", json=body, headers=keys.live)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["param"] == param


def test_loopback_endpoints_need_the_development_setting(settings, shops):
    _shop, keys = shops
    strict = settings.model_copy(update={"webhook_allow_http_loopback": False})
    with TestClient(create_app(strict), raise_server_exceptions=False) as client:
        for url in ("https://127.0.0.1:8443/hooks", "http://localhost:8000/hooks"):
            response = client.post(
                "/v1/webhook-endpoints",
                json={"url": url, "events": ["report.ready"]},
                headers=keys.live,
            )
            assert response.status_code == 422
            assert response.json()["param"] == "url"


def test_http_is_accepted_only_to_a_loopback_address_in_development(api, shops):
    _shop, keys = shops
    assert _create(api, keys.live, url="http://127.0.0.1:9000/hooks")["url"].startswith("http:")
    response = api.post(
        "/v1/webhook-endpoints",
        json={"url": "http://10.1.2.3/hooks", "events": ["report.ready"]},
        headers=keys.live,
    )
    assert response.status_code == 422


def test_another_shop_or_the_other_mode_sees_nothing(api, shops, session):
    shop, keys = shops
    created = _create(api, keys.live)
    make_payment(session, shop.shop)
    session.commit()
    delivery_id = deliveries(session)[0].id
    event_id = events(session)[0].public_id
    session.rollback()  # on SQLite, an open transaction holds the write lock
    endpoint = f"/v1/webhook-endpoints/{created['id']}"
    for headers in (keys.other_live, keys.test):
        assert api.get(endpoint, headers=headers).status_code == 404
        assert api.patch(endpoint, json={"enabled": False}, headers=headers).status_code == 404
        assert api.delete(endpoint, headers=headers).status_code == 404
        assert api.post(f"{endpoint}/rotate-secret", headers=headers).status_code == 404
        assert api.get(f"/v1/events/{event_id}", headers=headers).status_code == 404
        path = f"/v1/webhook-deliveries/{delivery_id}"
        assert api.get(path, headers=headers).status_code == 404
        assert api.post(f"{path}/replay", headers=headers).status_code == 404
        for listing in ("/v1/webhook-endpoints", "/v1/events", "/v1/webhook-deliveries"):
            assert api.get(listing, headers=headers).json()["data"] == []
    assert api.get(endpoint).status_code == 401
    assert api.get(endpoint, headers=_bearer("prodpassword_12345678_wrong")).status_code == 401


def test_a_test_key_manages_test_mode_endpoints(api, shops):
    _shop, keys = shops
    created = _create(api, keys.test)
    assert created["mode"] == "TEST"
    assert api.get("/v1/webhook-endpoints", headers=keys.live).json()["data"] == []


def test_disabling_fails_the_pending_deliveries_and_deleting_hides_the_endpoint(
    api, shops, session
):
    shop, keys = shops
    created = _create(api, keys.live)
    make_payment(session, shop.shop)
    session.commit()
    endpoint = f"/v1/webhook-endpoints/{created['id']}"

    changed = api.patch(
        endpoint, json={"enabled": False, "events": ["report.ready"]}, headers=keys.live
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["enabled"], changed.json()["events"]) == (False, ["report.ready"])
    assert changed.json()["disabled_at"] is not None
    [delivery] = deliveries(session)
    assert (delivery.status, delivery.last_error) == ("failed", "the endpoint was disabled")
    delivery_id = delivery.id
    session.rollback()

    assert api.delete(endpoint, headers=keys.live).status_code == 204
    assert api.get(endpoint, headers=keys.live).status_code == 404
    assert api.get("/v1/webhook-endpoints", headers=keys.live).json()["data"] == []
    # The log stays.
    log = api.get("/v1/webhook-deliveries", headers=keys.live).json()["data"]
    assert [d["id"] for d in log] == [delivery_id]


def test_a_rotated_secret_signs_along_with_the_previous_one(
    api, shops, session, session_factory, settings
):
    shop, keys = shops
    created = _create(api, keys.live)
    rotated = api.post(
        f"/v1/webhook-endpoints/{created['id']}/rotate-secret",
        json={"previous_secret_valid_hours": 2},
        headers=keys.live,
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != created["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
    make_payment(session, shop.shop)
    session.commit()
    memory = MemoryTransport()

    deliver_due(session_factory, settings, memory)

    [sent] = memory.sent
    header = sent.headers["Pointage-Signature"]
    assert len(parse_header(header)[1]) == 2
    verify(new_secret, sent.body, header)
    verify(created["secret"], sent.body, header)


def test_events_and_the_delivery_log(api, shops, session, session_factory, settings):
    shop, keys = shops
    created = _create(api, keys.live, events=["transaction.updated", "report.ready"])
    first = make_payment(session, shop.shop, order_id="A")
    session.commit()
    make_payment(session, shop.shop, order_id="B")
    session.commit()
    memory = MemoryTransport()
    deliver_due(session_factory, settings, memory)

    listed = api.get("/v1/events", params={"limit": 1}, headers=keys.live).json()
    assert listed["has_more"] is True
    [newest] = listed["data"]
    assert newest["data"]["object"]["order_id"] == "B"
    older = api.get("/v1/events", params={"starting_after": newest["id"]}, headers=keys.live).json()
    assert [e["data"]["object"]["uuid"] for e in older["data"]] == [first.uuid]
    shown = api.get(f"/v1/events/{newest['id']}", headers=keys.live)
    sent_bodies = {s.body for s in memory.sent}
    assert shown.content in sent_bodies
    assert (
        api.get("/v1/events", params={"type": "report.ready"}, headers=keys.live).json()["data"]
        == []
    )
    assert api.get("/v1/events", params={"type": "nope"}, headers=keys.live).status_code == 422

    log = api.get(
        "/v1/webhook-deliveries",
        params={"status": "delivered", "endpoint_id": created["id"]},
        headers=keys.live,
    ).json()["data"]
    assert len(log) == 2
    assert {d["event_type"] for d in log} == {"transaction.updated"}
    assert [a["response_status"] for a in log[0]["attempts"]] == [200]
    assert (
        api.get("/v1/webhook-deliveries", params={"status": "failed"}, headers=keys.live).json()[
            "data"
        ]
        == []
    )


def test_a_replay_sends_again_now_and_joins_the_log(
    api, shops, session, session_factory, settings, https_receiver, transport
):
    shop, keys = shops
    created = _create(api, keys.live, url=https_receiver.url)
    https_receiver.secrets = [created["secret"]]
    https_receiver.answer_with(500)
    make_payment(session, shop.shop)
    session.commit()
    deliver_due(session_factory, settings, transport)
    [delivery] = deliveries(session)
    delivery_id, status = delivery.id, delivery.status
    session.rollback()
    assert status == "pending"

    replayed = api.post(f"/v1/webhook-deliveries/{delivery_id}/replay", headers=keys.live)

    assert replayed.status_code == 200, replayed.text
    out = replayed.json()
    assert out["status"] == "delivered" and out["attempt_count"] == 2
    assert [(a["response_status"], a["replay"]) for a in out["attempts"]] == [
        (500, False),
        (200, True),
    ]
    assert [r.signature_error for r in https_receiver.received] == [None, None]
    assert https_receiver.received[0].body == https_receiver.received[1].body


def test_a_replay_to_a_disabled_endpoint_is_refused(api, shops, session):
    shop, keys = shops
    created = _create(api, keys.live)
    make_payment(session, shop.shop)
    session.commit()
    delivery_id = deliveries(session)[0].id
    session.rollback()
    api.patch(f"/v1/webhook-endpoints/{created['id']}", json={"enabled": False}, headers=keys.live)

    replayed = api.post(f"/v1/webhook-deliveries/{delivery_id}/replay", headers=keys.live)

    assert replayed.status_code == 409
    assert "enable it first" in replayed.json()["detail"]
