"""Back-office users: addresses, argon2id passwords, sign-in, shops given, what each role may."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.audit.models import AuditEvent
from pointage.auth.models import User
from pointage.auth.service.users import (
    Action,
    authenticate_user,
    can,
    change_password,
    create_user,
    disable_user,
    list_users,
    normalise_email,
    parse_role,
    require,
    set_password,
    set_user_shops,
    shops_visible_to,
    user_by_email,
    visible_shop,
)
from pointage.core.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from pointage.core.statuses import Role
from pointage.shop import service as shop_service
from tests.factories import IBAN_BANK_B, make_shop

PASSWORD = "correct horse battery"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def shops(session: Session) -> list[str]:
    make_shop(session)
    make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    return ["12345678", "87654321"]


def test_a_user_is_stored_with_a_lower_case_address_and_an_argon2id_hash(session, shops):
    created = create_user(
        session, "  Alice@Example.COM ", Role.ACCOUNTANT, ["12345678"], password=PASSWORD
    )
    user = created.user
    assert created.password is None  # given, not generated: nothing to show
    assert user.email == "alice@example.com"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert [shop.shop_id for shop in shops_visible_to(session, user)] == ["12345678"]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.created")).one()
    assert event.detail == {
        "email": "alice@example.com",
        "role": "accountant",
        "shops": ["12345678"],
    }


def test_a_generated_password_is_returned_once_and_works(session, shops):
    created = create_user(session, "bob@example.com", Role.ADMIN, shops)
    assert created.password is not None and len(created.password) >= 20
    assert authenticate_user(session, "BOB@example.com", created.password) is created.user


@pytest.mark.parametrize(
    "email",
    [
        "",
        "alice",
        "alice@",
        "@example.com",
        "alice@example",
        "alice@@example.com",
        "al ice@example.com",
        "alice@exa_mple.com",
        "alice@-example.com",
        "alice..b@example.com",
        ".alice@example.com",
        "alice@example.c0m",
        "a" * 65 + "@example.com",
        "alice@" + "a" * 250 + ".com",
    ],
)
def test_an_address_that_is_not_one_is_refused_naming_the_field(email):
    with pytest.raises(InvalidInput) as caught:
        normalise_email(email)
    assert caught.value.param == "email"


@pytest.mark.parametrize(
    "email", ["a@b.co", "first.last+tag@sub.example.org", "o'hara@example.fr", "x-y@a-b.example"]
)
def test_ordinary_addresses_are_accepted(email):
    assert normalise_email(email) == email


def test_the_same_address_twice_is_a_conflict_whatever_its_case(session, shops):
    create_user(session, "alice@example.com", Role.READ_ONLY, ["12345678"])
    with pytest.raises(Conflict) as caught:
        create_user(session, "ALICE@example.com", Role.ADMIN, ["12345678"])
    assert caught.value.param == "email"


@pytest.mark.parametrize(
    ("shop_ids", "error", "message"),
    [
        ([], InvalidInput, "at least one shop"),
        (["12345678", "99999999"], NotFound, "shop 99999999 not found"),
    ],
)
def test_a_user_needs_known_shops(session, shops, shop_ids, error, message):
    with pytest.raises(error, match=message):
        create_user(session, "alice@example.com", Role.ADMIN, shop_ids)
    assert session.scalars(select(User)).all() == []


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass1", "at least 12 characters"),
        ("alice@example.com", "cannot be the e-mail address"),
        ("ALICE@EXAMPLE.COM", "cannot be the e-mail address"),
        ("x" * 1025, "at most 1024"),
    ],
)
def test_weak_passwords_are_refused(session, shops, password, message):
    with pytest.raises(InvalidInput, match=message) as caught:
        create_user(session, "alice@example.com", Role.ADMIN, ["12345678"], password=password)
    assert caught.value.param == "password"


def test_roles_are_parsed_in_any_case_and_unknown_ones_refused():
    assert parse_role("Read-Only") is Role.READ_ONLY
    assert parse_role("ADMIN") is Role.ADMIN
    with pytest.raises(InvalidInput, match="admin, accountant, read_only"):
        parse_role("owner")


def test_sign_in_records_its_time_and_every_failure_says_the_same(session, shops):
    user = create_user(session, "alice@example.com", Role.ADMIN, shops, password=PASSWORD).user
    assert user.last_login_at is None
    assert authenticate_user(session, "alice@example.com", PASSWORD, now=NOW) is user
    assert user.last_login_at == NOW
    messages = set()
    for email, password in [
        ("alice@example.com", PASSWORD + "!"),
        ("nobody@example.com", PASSWORD),
        ("not an address", PASSWORD),
        ("alice@example.com", ""),
    ]:
        with pytest.raises(AuthenticationFailed) as caught:
            authenticate_user(session, email, password)
        messages.add(caught.value.message)
    assert messages == {"wrong e-mail address or password"}


def test_a_disabled_user_cannot_sign_in_nor_see_anything(session, shops):
    user = create_user(session, "alice@example.com", Role.ADMIN, shops, password=PASSWORD).user
    disable_user(session, user, actor="cli", now=NOW)
    disable_user(session, user, actor="cli")  # twice is harmless, and keeps the first time
    assert user.disabled_at == NOW
    with pytest.raises(AuthenticationFailed, match="wrong e-mail address or password"):
        authenticate_user(session, "alice@example.com", PASSWORD)
    assert shops_visible_to(session, user) == []
    assert not any(can(user, action) for action in Action)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "user"))
    assert list(actions).count("user.disabled") == 1


def test_a_hash_made_with_older_parameters_is_replaced_at_sign_in(session, shops):
    user = create_user(session, "alice@example.com", Role.ADMIN, shops, password=PASSWORD).user
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    user.password_hash = weak.hash(PASSWORD)
    old_hash = user.password_hash
    authenticate_user(session, "alice@example.com", PASSWORD)
    assert user.password_hash != old_hash
    assert not PasswordHasher().check_needs_rehash(user.password_hash)
    authenticate_user(session, "alice@example.com", PASSWORD)  # the new hash works


def test_changing_ones_password_needs_the_current_one_and_follows_the_rules(session, shops):
    user = create_user(session, "alice@example.com", Role.ADMIN, shops, password=PASSWORD).user
    with pytest.raises(InvalidInput, match="current password is wrong") as caught:
        change_password(session, user, "not it at all", "a brand new password")
    assert caught.value.param == "old_password"
    with pytest.raises(InvalidInput, match="at least 12"):
        change_password(session, user, PASSWORD, "too short")
    with pytest.raises(InvalidInput, match="e-mail address"):
        change_password(session, user, PASSWORD, "Alice@Example.com")
    change_password(session, user, PASSWORD, "a brand new password", now=NOW)
    assert user.password_changed_at == NOW
    with pytest.raises(AuthenticationFailed):
        authenticate_user(session, "alice@example.com", PASSWORD)
    assert authenticate_user(session, "alice@example.com", "a brand new password") is user


def test_an_administrator_may_reset_a_password_or_have_one_generated(session, shops):
    user = create_user(session, "alice@example.com", Role.ADMIN, shops, password=PASSWORD).user
    assert set_password(session, user, "chosen by the admin", actor="cli") is None
    assert authenticate_user(session, "alice@example.com", "chosen by the admin") is user
    generated = set_password(session, user, None, actor="cli")
    assert generated is not None
    assert authenticate_user(session, "alice@example.com", generated) is user


def test_a_user_sees_exactly_the_shops_given_admins_included(session, shops):
    merchant = shop_service.create_merchant(session, "Another merchant")
    shop_service.create_shop(session, merchant, shop_id="11111111", name="Elsewhere")
    admin = create_user(session, "admin@example.com", Role.ADMIN, ["87654321", "12345678"]).user
    accountant = create_user(session, "compta@example.com", Role.ACCOUNTANT, ["12345678"]).user
    assert [s.shop_id for s in shops_visible_to(session, admin)] == ["12345678", "87654321"]
    assert [s.shop_id for s in shops_visible_to(session, accountant)] == ["12345678"]
    assert visible_shop(session, accountant, "12345678").shop_id == "12345678"
    for user, shop_id in [(accountant, "87654321"), (admin, "11111111"), (admin, "00000000")]:
        with pytest.raises(NotFound, match=f"shop {shop_id} not found"):
            visible_shop(session, user, shop_id)
    set_user_shops(session, accountant, ["87654321", "11111111"], actor="cli")
    assert [s.shop_id for s in shops_visible_to(session, accountant)] == ["11111111", "87654321"]
    with pytest.raises(InvalidInput, match="at least one shop"):
        set_user_shops(session, accountant, [], actor="cli")


def test_users_are_listed_by_address_with_their_shops(session, shops):
    create_user(session, "zoe@example.com", Role.READ_ONLY, ["87654321"])
    create_user(session, "alice@example.com", Role.ADMIN, shops)
    listed = [(u.email, [s.shop_id for s in given]) for u, given in list_users(session)]
    assert listed == [
        ("alice@example.com", ["12345678", "87654321"]),
        ("zoe@example.com", ["87654321"]),
    ]
    assert user_by_email(session, " ZOE@example.com").email == "zoe@example.com"
    with pytest.raises(NotFound, match=r"no user has the address nobody@example\.com"):
        user_by_email(session, "nobody@example.com")


ALLOWED = {
    Role.ADMIN: set(Action),
    Role.ACCOUNTANT: {
        Action.VIEW,
        Action.EXPORT,
        Action.OPERATE,
        Action.RECONCILE,
        Action.MANAGE_REPORTS,
    },
    Role.READ_ONLY: {Action.VIEW, Action.EXPORT},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_what_each_role_may_do(role, action):
    user = User(email="x@example.com", password_hash="-", role=role.value)
    assert can(user, action) is (action in ALLOWED[role])
    if action in ALLOWED[role]:
        require(user, action)
    else:
        with pytest.raises(PermissionDenied):
            require(user, action)


def test_no_role_but_admin_manages_users_keys_or_webhooks():
    for role in (Role.ACCOUNTANT, Role.READ_ONLY):
        user = User(email="x@example.com", password_hash="-", role=role.value)
        for action in (Action.MANAGE_USERS, Action.MANAGE_KEYS, Action.MANAGE_WEBHOOKS):
            assert not can(user, action)
    unknown = User(email="x@example.com", password_hash="-", role="owner")
    assert not can(unknown, Action.VIEW)
