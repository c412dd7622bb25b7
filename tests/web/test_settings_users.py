"""Settings: users and API keys, as an administrator manages them through the pages."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from pointage.auth.models import ApiKey, User
from pointage.auth.repository import UserRepository
from pointage.auth.service.keys import issue_key
from pointage.auth.service.users import create_user, user_by_email
from pointage.core.statuses import Mode, Role
from pointage.shop.service import shop_by_shop_id
from tests.web.backoffice_world import EMAIL, GIVEN, OTHER, PASSWORD, World, sign_in
from tests.web.settings_world import ADMIN, accountant, admin, send, world

__all__ = ["accountant", "admin", "world"]  # fixtures

PARIS, LYON = list(GIVEN)
NICE = OTHER[0]


def _secret(html: str) -> str:
    found = re.search(r'<code id="secret-value"[^>]*>([^<]+)</code>', html)
    assert found, "no secret on the page"
    return found.group(1).strip()


def _user(world: World, email: str) -> User:
    with world.factory() as session:
        user = user_by_email(session, email)
        session.expunge(user)
        return user


def _shops_of(world: World, email: str) -> set[str]:
    with world.factory() as session:
        user = user_by_email(session, email)
        return {shop.shop_id for shop in UserRepository(session).shops_of(user.id)}


def _make(world: World, email: str, role: Role, shops: list[str]) -> int:
    with world.factory() as session, session.begin():
        return create_user(session, email, role, shops, password=PASSWORD).user.id


# -- users ---------------------------------------------------------------------------------


def test_the_list_shows_only_users_sharing_a_shop_and_only_shared_shops(admin, world):
    _make(world, "nice@example.com", Role.ACCOUNTANT, [NICE])
    _make(world, "both@example.com", Role.READ_ONLY, [LYON, NICE])
    page = admin.get("/settings/users")
    assert page.status_code == 200
    assert "nice@example.com" not in page.text
    assert "both@example.com" in page.text and EMAIL in page.text
    assert OTHER[1] not in page.text  # Boutique Nice is never named


def test_a_user_of_no_shared_shop_is_not_found(admin, world):
    user_id = _make(world, "nice@example.com", Role.ACCOUNTANT, [NICE])
    assert admin.get(f"/settings/users/{user_id}").status_code == 404
    assert admin.get("/settings/users/999999").status_code == 404


def test_a_new_user_gets_a_password_shown_once_that_signs_in(admin, world):
    data = {"email": " New@Example.com ", "role": "read_only", "shops": [PARIS, LYON]}
    answer = send(admin, "/settings/users", data, "/settings/users")
    assert answer.status_code == 200
    password = _secret(answer.text)
    assert _user(world, "new@example.com").role == "read_only"
    assert _shops_of(world, "new@example.com") == {PARIS, LYON}
    assert password not in admin.get("/settings/users").text
    with world.client() as other:
        assert sign_in(other, "new@example.com", password).status_code == 303


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not an address", "role": "accountant", "shops": [PARIS]}, "email"),
        ({"email": EMAIL, "role": "accountant", "shops": [PARIS]}, "email"),
        ({"email": "x@example.com", "role": "boss", "shops": [PARIS]}, "role"),
        ({"email": "x@example.com", "role": "accountant", "shops": []}, "shops"),
        ({"email": "x@example.com", "role": "accountant", "shops": [NICE]}, "shops"),
    ],
)
def test_a_wrong_new_user_is_named_on_its_field_and_nobody_is_created(admin, world, data, field):
    answer = send(admin, "/settings/users", data, "/settings/users")
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.text
    with world.factory() as session:
        emails = set(session.scalars(select(User.email)))
    assert emails == {EMAIL, ADMIN}


def test_role_and_shops_change_and_shops_the_admin_lacks_stay(admin, world):
    user_id = _make(world, "helper@example.com", Role.READ_ONLY, [PARIS])
    page = f"/settings/users/{user_id}"
    answer = send(admin, page, {"role": "accountant", "shops": [LYON]}, page)
    assert answer.status_code == 303
    assert _user(world, "helper@example.com").role == "accountant"
    assert _shops_of(world, "helper@example.com") == {LYON}

    both = _make(world, "both@example.com", Role.READ_ONLY, [PARIS, NICE])
    page = f"/settings/users/{both}"
    answer = send(admin, page, {"role": "admin", "shops": [LYON]}, page)
    assert answer.status_code == 303
    assert _shops_of(world, "both@example.com") == {LYON, NICE}
    assert _user(world, "both@example.com").role == "read_only"  # managed elsewhere


def test_a_shop_the_admin_does_not_have_cannot_be_given(admin, world):
    user_id = _make(world, "helper@example.com", Role.READ_ONLY, [PARIS])
    page = f"/settings/users/{user_id}"
    answer = send(admin, page, {"role": "read_only", "shops": [PARIS, NICE]}, page)
    assert answer.status_code == 422 and 'id="shops-error"' in answer.text
    assert _shops_of(world, "helper@example.com") == {PARIS}


def test_disabling_asks_first_then_disables(admin, world):
    user_id = _make(world, "helper@example.com", Role.READ_ONLY, [PARIS])
    page = f"/settings/users/{user_id}"
    asked = send(admin, f"{page}/disable", {}, page)
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text
    assert _user(world, "helper@example.com").disabled_at is None
    done = send(admin, f"{page}/disable", {"confirm": "yes"}, page)
    assert done.status_code == 303
    assert _user(world, "helper@example.com").disabled_at is not None


def test_an_admin_cannot_disable_themselves_nor_change_their_own_role(admin, world):
    me = _user(world, ADMIN).id
    page = f"/settings/users/{me}"
    assert send(admin, f"{page}/disable", {"confirm": "yes"}, page).status_code == 403
    assert send(admin, page, {"role": "read_only", "shops": [PARIS]}, page).status_code == 403
    after = _user(world, ADMIN)
    assert after.disabled_at is None and after.role == "admin"


def test_a_user_with_other_shops_cannot_be_disabled_or_reset_here(admin, world):
    both = _make(world, "both@example.com", Role.READ_ONLY, [PARIS, NICE])
    page = f"/settings/users/{both}"
    assert send(admin, f"{page}/disable", {"confirm": "yes"}, page).status_code == 403
    assert send(admin, f"{page}/password", {"confirm": "yes"}, page).status_code == 403
    assert _user(world, "both@example.com").disabled_at is None


def test_a_password_reset_asks_first_then_shows_the_new_password_once(admin, world):
    user_id = _make(world, "helper@example.com", Role.READ_ONLY, [PARIS])
    page = f"/settings/users/{user_id}"
    asked = send(admin, f"{page}/password", {}, page)
    assert asked.status_code == 200 and "_secret" not in asked.text
    assert 'id="secret-value"' not in asked.text
    done = send(admin, f"{page}/password", {"confirm": "yes"}, page)
    password = _secret(done.text)
    with world.client() as other:
        assert sign_in(other, "helper@example.com", PASSWORD).status_code == 401
        assert sign_in(other, "helper@example.com", password).status_code == 303


def test_users_pages_are_refused_to_an_accountant(accountant, world):
    assert accountant.get("/settings/users").status_code == 403
    user_id = _user(world, EMAIL).id
    page = "/dashboard"
    answer = send(accountant, f"/settings/users/{user_id}/disable", {"confirm": "yes"}, page)
    assert answer.status_code == 403
    assert _user(world, EMAIL).disabled_at is None


# -- API keys ------------------------------------------------------------------------------


def test_a_key_is_created_shown_once_then_is_revoked_after_confirmation(admin, world):
    answer = send(
        admin, "/settings/api-keys", {"mode": "TEST", "label": "Shop"}, "/settings/api-keys"
    )
    assert answer.status_code == 200
    secret = _secret(answer.text)
    assert secret.startswith(f"testpassword_{PARIS}_")
    listing = admin.get("/settings/api-keys").text
    assert secret not in listing and secret[:25] in listing
    with world.factory() as session:
        key = session.scalars(select(ApiKey)).one()
        assert (key.mode, key.label, key.created_by) == ("TEST", "Shop", f"user:{ADMIN}")
    path = f"/settings/api-keys/{key.id}/revoke"
    asked = send(admin, path, {}, "/settings/api-keys")
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text
    with world.factory() as session:
        assert session.get(ApiKey, key.id).revoked_at is None
    assert send(admin, path, {"confirm": "yes"}, "/settings/api-keys").status_code == 303
    with world.factory() as session:
        assert session.get(ApiKey, key.id).revoked_at is not None


def test_another_shops_key_is_not_found(admin, world):
    with world.factory() as session, session.begin():
        other = issue_key(
            session, shop_by_shop_id(session, NICE), Mode.TEST, world.settings.secret_key
        )
        key_id = other.api_key.id
    path = f"/settings/api-keys/{key_id}/revoke"
    assert send(admin, path, {"confirm": "yes"}, "/settings/api-keys").status_code == 404
    with world.factory() as session:
        assert session.get(ApiKey, key_id).revoked_at is None
    assert other.api_key.prefix not in admin.get("/settings/api-keys").text


def test_a_wrong_mode_is_named_and_no_key_is_made(admin, world):
    answer = send(admin, "/settings/api-keys", {"mode": "LIVE", "label": ""}, "/settings/api-keys")
    assert answer.status_code == 422 and 'id="mode-error"' in answer.text
    with world.factory() as session:
        assert session.scalars(select(ApiKey)).all() == []


def test_the_secrets_shown_once_are_not_logged(admin, world, caplog):
    caplog.set_level(logging.DEBUG)
    key = _secret(
        send(admin, "/settings/api-keys", {"mode": "PRODUCTION"}, "/settings/api-keys").text
    )
    data = {"email": "new@example.com", "role": "accountant", "shops": [PARIS]}
    password = _secret(send(admin, "/settings/users", data, "/settings/users").text)
    assert caplog.records  # the requests were logged at all
    assert key not in caplog.text and password not in caplog.text
