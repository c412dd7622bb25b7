"""Keys verified within the last seconds are taken from the process's cache: what that may and
may not change. A revocation made in this process counts at once, one made elsewhere within
the cache's time; a failure counted here is seen at once; another shop's id is no shortcut;
the time of last use is still written, once a minute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from pointage.auth.keys import hash_key
from pointage.auth.models import ApiKey
from pointage.auth.service.key_cache import TTL_SECONDS, AuthCache
from pointage.auth.service.keys import issue_key, revoke_key
from pointage.core.statuses import Mode
from pointage.settings import Settings
from pointage.web.app import create_app
from tests.factories import IBAN_BANK_B, make_shop

ROUTE = "/v1/transactions/0123456789abcdef0123456789abcdef"  # none: 404 once authenticated
LIST = "/v1/transactions"  # 200: an answer whose key's use is recorded
WRONG = "prodpassword_12345678_not-the-key-at-all-xxxxxxx"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(settings: Settings, clock: Clock):
    limited = settings.model_copy(update={"auth_max_failures": 3})
    app = create_app(limited)
    app.state.auth_cache = AuthCache(clock=clock)
    return app


@pytest.fixture
def api(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False, client=("192.0.2.1", 50000)) as client:
        yield client


@pytest.fixture
def shops(session):
    first = make_shop(session).shop
    second = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B).shop
    session.commit()
    return first, second


@pytest.fixture
def issued(session, settings, shops):
    issued = issue_key(session, shops[0], Mode.PRODUCTION, settings.secret_key)
    session.commit()
    return issued


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_key_revoked_in_this_process_stops_at_once(api, session, shops, issued):
    assert api.get(ROUTE, headers=_bearer(issued.secret)).status_code == 404
    revoke_key(session, shops[0], issued.api_key.id, actor="admin@example.com")
    session.commit()
    assert api.get(ROUTE, headers=_bearer(issued.secret)).status_code == 401


def test_a_key_revoked_elsewhere_stops_within_the_cache_time(api, session, clock, issued):
    assert api.get(ROUTE, headers=_bearer(issued.secret)).status_code == 404
    # Another process revokes it: this one learns it when its cached entry expires.
    session.execute(update(ApiKey).values(revoked_at=datetime.now(UTC)))
    session.commit()
    clock.now += TTL_SECONDS - 0.5
    assert api.get(ROUTE, headers=_bearer(issued.secret)).status_code == 404
    clock.now += 0.5
    assert api.get(ROUTE, headers=_bearer(issued.secret)).status_code == 401


def test_failures_counted_here_refuse_a_cached_key_at_once(api, issued):
    basic = ("12345678", issued.secret)
    assert api.get(ROUTE, auth=basic).status_code == 404
    for _ in range(3):
        assert api.get(ROUTE, auth=("12345678", WRONG)).status_code == 401
    assert api.get(ROUTE, auth=basic).status_code == 429


def test_a_cached_key_given_with_another_shop_id_is_refused(api, issued):
    assert api.get(ROUTE, auth=("12345678", issued.secret)).status_code == 404
    assert api.get(ROUTE, auth=("87654321", issued.secret)).status_code == 401
    assert api.get(ROUTE, auth=("12345678", issued.secret)).status_code == 404


def test_a_cached_key_still_records_its_use_once_a_minute(app, api, session, issued):
    def last_used() -> datetime | None:
        session.expire_all()
        return session.scalar(select(ApiKey.last_used_at).where(ApiKey.id == issued.api_key.id))

    assert api.get(LIST, headers=_bearer(issued.secret)).status_code == 200
    first = last_used()
    assert first is not None
    # Within the minute: answered from the cache, nothing written.
    assert api.get(LIST, headers=_bearer(issued.secret)).status_code == 200
    assert last_used() == first
    # A minute later (as the cache sees it), the next call writes the time of its use.
    long_ago = datetime.now(UTC) - timedelta(minutes=2)
    session.execute(update(ApiKey).values(last_used_at=long_ago))
    session.commit()
    known = app.state.auth_cache.key(hash_key(issued.secret))
    assert known is not None
    known.last_used_at = long_ago
    assert api.get(LIST, headers=_bearer(issued.secret)).status_code == 200
    recorded = last_used()
    assert recorded is not None
    assert recorded > long_ago + timedelta(minutes=1)
