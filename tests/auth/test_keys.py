"""API keys: issued per shop and mode, stored hashed and encrypted, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.auth.models import ApiKey
from pointage.auth.service.keys import (
    authenticate_basic,
    authenticate_bearer,
    issue_key,
    issue_production_key,
    issue_test_key,
    parse_mode,
    revoke_key,
    signing_keys,
)
from pointage.core.errors import AuthenticationFailed, InvalidInput, NotFound
from pointage.core.statuses import Mode
from tests.factories import IBAN_BANK_B, make_shop

SECRET = "test-secret-key-0123456789abcdef0123456789"


def test_a_key_authenticates_its_shop_only_and_is_stored_hashed(session: Session) -> None:
    shop = make_shop(session).shop
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B).shop
    key = issue_test_key(session, shop, SECRET)
    issue_test_key(session, other, SECRET)

    assert key.startswith("testpassword_12345678_")
    stored = session.scalars(select(ApiKey).where(ApiKey.shop_id == shop.id)).one()
    assert key not in stored.key_hash and key not in stored.key_encrypted
    assert stored.prefix == key[:25] and stored.mode == "TEST"
    caller = authenticate_basic(session, "12345678", key)
    assert caller.shop is shop and caller.mode is Mode.TEST and caller.api_key_id == stored.id
    assert authenticate_bearer(session, key).shop is shop
    failures = [("12345678", key + "x"), ("12345678", ""), ("87654321", key), ("99999999", key)]
    for shop_id, wrong_key in failures:
        with pytest.raises(AuthenticationFailed) as caught:
            authenticate_basic(session, shop_id, wrong_key)
        assert caught.value.message == "unknown shop or wrong key"


def test_production_keys_say_their_mode(session: Session) -> None:
    shop = make_shop(session).shop
    key = issue_production_key(session, shop, SECRET)
    assert key.startswith("prodpassword_12345678_")
    assert authenticate_bearer(session, key).mode is Mode.PRODUCTION


def test_use_is_recorded(session: Session) -> None:
    shop = make_shop(session).shop
    issued = issue_key(session, shop, Mode.TEST, SECRET, label="shop site")
    assert issued.api_key.last_used_at is None
    authenticate_bearer(session, issued.secret)
    session.refresh(issued.api_key)
    assert issued.api_key.last_used_at is not None


def test_a_revoked_key_stops_working_and_older_keys_stay_valid(session: Session) -> None:
    shop = make_shop(session).shop
    old = issue_key(session, shop, Mode.TEST, SECRET)
    new = issue_key(session, shop, Mode.TEST, SECRET)
    assert authenticate_bearer(session, old.secret).shop is shop
    revoke_key(session, shop, old.api_key.id, actor="admin@example.com")
    assert old.api_key.revoked_by == "admin@example.com"
    with pytest.raises(AuthenticationFailed):
        authenticate_bearer(session, old.secret)
    assert authenticate_bearer(session, new.secret).shop is shop


def test_a_shop_cannot_revoke_another_shops_key(session: Session) -> None:
    shop = make_shop(session).shop
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B).shop
    theirs = issue_key(session, other, Mode.TEST, SECRET)
    with pytest.raises(NotFound):
        revoke_key(session, shop, theirs.api_key.id, actor="x")
    assert theirs.api_key.revoked_at is None


def test_signing_keys_need_the_same_secret_and_the_mode(session: Session) -> None:
    shop = make_shop(session).shop
    assert signing_keys(session, shop, Mode.TEST, SECRET) == []
    key = issue_test_key(session, shop, SECRET)
    assert signing_keys(session, shop, Mode.TEST, SECRET) == [key]
    assert signing_keys(session, shop, Mode.PRODUCTION, SECRET) == []
    assert signing_keys(session, shop, Mode.TEST, SECRET + "-rotated") == []


@pytest.mark.parametrize(
    ("given", "expected"), [("test", Mode.TEST), ("PRODUCTION", Mode.PRODUCTION)]
)
def test_parse_mode(given: str, expected: Mode) -> None:
    assert parse_mode(given) is expected


def test_parse_mode_refuses_anything_else() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_mode("live")
    assert caught.value.param == "mode"
