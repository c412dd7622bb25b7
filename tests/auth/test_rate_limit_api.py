"""Repeated authentication failures through the application: 429 problem+json, Retry-After,
per client address and per identity, the right key refused too while over the limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from pointage.auth.models import AuthFailure
from pointage.auth.service.keys import issue_production_key, issue_test_key
from pointage.settings import Settings
from pointage.web.app import create_app
from tests.factories import IBAN_BANK_B, make_shop

ROUTE = "/v1/transactions/0123456789abcdef0123456789abcdef"
WRONG = "prodpassword_12345678_not-the-key-at-all-xxxxxxx"


@pytest.fixture
def app(settings: Settings):
    limited = settings.model_copy(
        update={"auth_max_failures": 3, "auth_failure_window_seconds": 600}
    )
    return create_app(limited)


def client_from(app, address: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(address, 50000))


@pytest.fixture
def one(app) -> Iterator[TestClient]:
    with client_from(app, "192.0.2.1") as client:
        yield client


@pytest.fixture
def keys(session, settings) -> dict[str, str]:
    shop = make_shop(session).shop
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B).shop
    found = {
        "12345678": issue_production_key(session, shop, settings.secret_key),
        "87654321": issue_production_key(session, other, settings.secret_key),
        "test": issue_test_key(session, shop, settings.secret_key),
    }
    session.commit()
    return found


def failures(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(AuthFailure)) or 0


def test_over_the_limit_even_the_right_key_gets_429_with_retry_after(one, keys, session_factory):
    for _ in range(3):
        assert one.get(ROUTE, auth=("12345678", WRONG)).status_code == 401
    refused = one.get(ROUTE, auth=("12345678", keys["12345678"]))
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 590 <= int(refused.headers["retry-after"]) <= 600
    body = refused.json()
    assert body["code"] == "too_many_attempts"
    assert body["status"] == 429
    assert body["type"].endswith("/too_many_attempts")
    assert "try again in" in body["detail"]
    # Refusals are not failures: three rows per scope, two scopes.
    assert failures(session_factory) == 6


def test_the_address_is_limited_whatever_the_shop_or_the_scheme(app, one, keys):
    for _ in range(3):
        assert one.get(ROUTE, auth=("12345678", WRONG)).status_code == 401
    bearer = {"Authorization": f"Bearer {keys['87654321']}"}
    assert one.get(ROUTE, headers=bearer).status_code == 429
    assert one.get(ROUTE, auth=("87654321", keys["87654321"])).status_code == 429
    with client_from(app, "192.0.2.2") as elsewhere:
        # Another address, another shop: untouched.
        assert elsewhere.get(ROUTE, headers=bearer).status_code == 404


def test_a_shop_id_guessed_from_several_addresses_is_limited(app, keys):
    for n in range(3):
        with client_from(app, f"198.51.100.{n}") as client:
            assert client.get(ROUTE, auth=("12345678", WRONG)).status_code == 401
    with client_from(app, "203.0.113.9") as client:
        assert client.get(ROUTE, auth=("12345678", keys["12345678"])).status_code == 429
        assert client.get(ROUTE, auth=("87654321", keys["87654321"])).status_code == 404


def test_bearer_failures_count_per_key_prefix(app, keys):
    prefix_guess = keys["test"][:25] + "guessed-the-rest-wrongly"
    for n in range(3):
        with client_from(app, f"198.51.100.{n}") as client:
            bad = client.get(ROUTE, headers={"Authorization": f"Bearer {prefix_guess}"})
            assert bad.status_code == 401
    with client_from(app, "203.0.113.9") as client:
        # Same first characters: refused. Another key of the shop: fine.
        same_prefix = client.get(ROUTE, headers={"Authorization": f"Bearer {keys['test'][:25]}x"})
        assert same_prefix.status_code == 429
        other = client.get(ROUTE, headers={"Authorization": f"Bearer {keys['12345678']}"})
        assert other.status_code == 404


def test_successes_and_missing_credentials_are_not_failures(one, keys, session_factory):
    for _ in range(5):
        assert one.get(ROUTE, auth=("12345678", keys["12345678"])).status_code == 404
        assert one.get(ROUTE).status_code == 401
    assert failures(session_factory) == 0
    assert one.get(ROUTE, auth=("12345678", keys["12345678"])).status_code == 404
