"""POST /v1/transactions and GET /v1/transactions/{uuid}: authentication, validation,
idempotence, and one shop never seeing another's data."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from pointage.auth.service.keys import issue_test_key
from pointage.payment.models import Operation, Transaction
from tests.factories import IBAN_BANK_B, make_shop

UUID = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def shop_key(session, settings):
    setup = make_shop(session, shop_id="12345678")
    key = issue_test_key(session, setup.shop, settings.secret_key)
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    other_key = issue_test_key(session, other.shop, settings.secret_key)
    session.commit()
    return {"12345678": key, "87654321": other_key}


def _body(**overrides):
    body = {
        "uuid": UUID,
        "transaction_id": "900147",
        "order_id": "CMD-1",
        "amount": 12345,
        "currency": "EUR",
        "detailed_status": "AUTHORISED",
        "card_brand": "CB",
        "card_masked": "497010XXXXXX0055",
        "authorisation_number": "3fe034",
        "created_at": "2026-03-02T10:15:00+01:00",
    }
    body.update(overrides)
    return body


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_posting_a_payment_stores_it_and_logs_its_creation(client, shop_key, session):
    response = client.post(
        "/v1/transactions", json=_body(), auth=("12345678", shop_key["12345678"])
    )
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["uuid"] == UUID
    assert data["amount"] == 12345
    assert data["status"] == "PAID"
    assert data["transaction_date"] == "2026-03-02"
    assert data["expected_capture_date"] == "2026-03-02"
    assert _count(session, Transaction) == 1
    op = session.scalars(select(Operation)).one()
    assert (op.kind, op.source, op.actor) == ("create", "api", "api:12345678")


def test_posting_the_same_payment_again_changes_nothing(client, shop_key, session):
    auth = ("12345678", shop_key["12345678"])
    assert client.post("/v1/transactions", json=_body(), auth=auth).status_code == 201
    again = client.post("/v1/transactions", json=_body(), auth=auth)
    assert again.status_code == 200
    assert _count(session, Transaction) == 1
    assert _count(session, Operation) == 1


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        (None, 401),
        (("12345678", "wrong-key"), 401),
        (("99999999", "whatever"), 401),
    ],
)
def test_unauthenticated_posts_are_refused_and_store_nothing(
    client, shop_key, session, auth, expected
):
    response = client.post("/v1/transactions", json=_body(), auth=auth)
    assert response.status_code == expected
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "authentication_failed"
    assert _count(session, Transaction) == 0


@pytest.mark.parametrize(
    ("override", "param"),
    [
        ({"amount": "12.34"}, "amount"),
        ({"amount": 12.34}, "amount"),
        ({"amount": 0}, "amount"),
        # Past what the database stores: SQLite could not write it, the post answered 500.
        ({"original_amount": 2**63}, "original_amount"),
        ({"currency": "XXX"}, "currency"),
        ({"detailed_status": "PAID_MAYBE"}, "detailed_status"),
        ({"uuid": "not-a-uuid"}, "uuid"),
        ({"transaction_id": "12"}, "transaction_id"),
        ({"card_masked": "4970101234"}, "card_masked"),
        ({"created_at": "2026-03-02T10:15:00"}, "created_at"),
        ({"unexpected": 1}, "unexpected"),
        ({"operation_type": "CREDIT"}, "parent_uuid"),
    ],
)
def test_invalid_bodies_are_refused_with_the_field_named(
    client, shop_key, session, override, param
):
    response = client.post(
        "/v1/transactions", json=_body(**override), auth=("12345678", shop_key["12345678"])
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["param"] == param
    assert problem["status"] == 422
    assert _count(session, Transaction) == 0


def test_a_full_card_number_is_refused_and_never_echoed(client, shop_key, session):
    pan = "4970101234560055"
    response = client.post(
        "/v1/transactions", json=_body(card_masked=pan), auth=("12345678", shop_key["12345678"])
    )
    assert response.status_code == 422
    assert pan not in response.text
    assert _count(session, Transaction) == 0


def test_a_shop_cannot_read_another_shops_transaction(client, shop_key):
    client.post("/v1/transactions", json=_body(), auth=("12345678", shop_key["12345678"]))
    own = client.get(f"/v1/transactions/{UUID}", auth=("12345678", shop_key["12345678"]))
    assert own.status_code == 200
    assert own.json()["shop_id"] == "12345678"
    other = client.get(f"/v1/transactions/{UUID}", auth=("87654321", shop_key["87654321"]))
    assert other.status_code == 404


def test_a_shop_cannot_overwrite_another_shops_uuid(client, shop_key, session):
    client.post("/v1/transactions", json=_body(), auth=("12345678", shop_key["12345678"]))
    response = client.post(
        "/v1/transactions",
        json=_body(transaction_id="111111", detailed_status="CANCELLED"),
        auth=("87654321", shop_key["87654321"]),
    )
    assert response.status_code == 409
    tx = session.scalars(select(Transaction)).one()
    assert tx.detailed_status == "AUTHORISED"


def test_health_and_openapi_are_served(client):
    assert client.get("/health").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/v1/transactions" in spec["paths"]
    assert "/ipn" in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200


def test_the_api_documentation_page_needs_no_outside_server(client):
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "cdn." not in html and "https://" not in html.replace("https://pointage", "")
        scripts = re.findall(r'src="([^"]+\.js)"', html)
        assert scripts, page
        for script in scripts:
            served = client.get(script)
            assert served.status_code == 200
            assert len(served.content) > 10_000


def test_the_openapi_document_describes_errors_as_problem_details(client):
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/v1/transactions"]["post"]["responses"]
    for status in ("401", "409", "422"):
        content = post[status]["content"]
        assert list(content) == ["application/problem+json"]
        assert {"code", "param", "detail"} <= set(
            content["application/problem+json"]["schema"]["properties"]
        )
