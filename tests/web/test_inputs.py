"""A NUL character in a path parameter, a query parameter or a string of a JSON body is
refused as invalid input naming the parameter, before the route runs: PostgreSQL cannot
take it (these requests answered 500 there) and SQLite stored it. The suite runs on both."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pointage.auth.service.keys import issue_production_key
from pointage.webhook.models import WebhookEndpoint
from tests.factories import make_payment, make_shop

SHOP = "12345678"


@pytest.fixture
def key(session, settings) -> str:
    setup = make_shop(session, shop_id=SHOP)
    make_payment(session, setup.shop, order_id="ORDER-1")
    made = issue_production_key(session, setup.shop, settings.secret_key)
    session.commit()
    return made


def _refused(response, param: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["code"], body["param"]) == ("invalid_input", param)
    assert "NUL" in body["detail"]


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/v1/transactions?order_id=ORDER%00", "order_id"),
        ("/v1/transactions?starting_after=%00", "starting_after"),
        ("/v1/events?ending_before=%00", "ending_before"),
        ("/v1/transactions/ab%00cd", "uuid"),
        ("/v1/events/evt%00", "event_id"),
    ],
)
def test_a_nul_in_the_path_or_the_query_is_refused(client, key, url, param):
    _refused(client.get(url, headers={"Authorization": f"Bearer {key}"}), param)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (
            {"url": "https://hooks.example.com/", "events": ["report.ready"], "description": "a\0"},
            "description",
        ),
        ({"url": "https://hooks.example.com/", "events": ["report.ready", "x\0"]}, "events.1"),
    ],
)
def test_a_nul_in_a_string_of_the_body_is_refused_and_nothing_is_stored(
    client, session, key, body, param
):
    response = client.post(
        "/v1/webhook-endpoints", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    _refused(response, param)
    assert session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_an_escaped_backslash_before_u0000_is_text_like_any_other(client, key):
    body = {
        "url": "https://hooks.example.com/",
        "events": ["report.ready"],
        "description": "\\u0000",
    }
    response = client.post(
        "/v1/webhook-endpoints", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["description"] == "\\u0000"


def test_the_v4_services_refuse_it_in_their_own_shape(client, key):
    response = client.post(
        "/api-payment/V4/Order/Get", json={"orderId": "ORDER-1\0"}, auth=(SHOP, key)
    )
    assert response.status_code == 200, response.text
    envelope = response.json()
    assert envelope["status"] == "ERROR"
    assert envelope["answer"]["errorCode"] == "INT_013"  # the gateway's invalid orderId
