"""Back-office users: who they are, how they prove it, which shops they see, what they may do.

Passwords are hashed with argon2id (the library's current recommended parameters); a hash
made with older parameters is replaced at the next successful sign-in. A user sees the shops
they are given and no other, whatever their role: an admin of two shops does not see a third.
Every sign-in failure says the same thing, so that nobody learns whether an address has an
account.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.auth.models import User
from pointage.auth.repository import UserRepository
from pointage.core.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from pointage.core.statuses import Role
from pointage.shop.models import Shop
from pointage.shop.repository import ShopRepository

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # hashing a megabyte on every attempt would be an easy denial
_SIGN_IN_FAILED = "wrong e-mail address or password"
# The local part's characters of RFC 5322's dot-atom, without quoted strings or comments;
# a domain of letters, digits and hyphens with an alphabetic top-level label.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_hasher = PasswordHasher()  # argon2id, RFC 9106's low-memory profile


class Action(StrEnum):
    """What a person may try on a shop they are given; `can` says which role may."""

    VIEW = "view"  # transactions, remittances, statements, reconciliation, reports
    EXPORT = "export"  # journals and Excel exports downloaded
    OPERATE = "operate"  # merchant operations: validate, cancel, modify, refund, duplicate
    RECONCILE = "reconcile"  # statement imports, runs, confirmations, manual matches
    MANAGE_REPORTS = "manage_reports"  # report settings, generation, re-sends
    MANAGE_USERS = "manage_users"
    MANAGE_KEYS = "manage_keys"
    MANAGE_WEBHOOKS = "manage_webhooks"
    MANAGE_SHOPS = "manage_shops"  # shops, bank accounts, contracts


_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.ACCOUNTANT: frozenset(
        {
            Action.VIEW,
            Action.EXPORT,
            Action.OPERATE,
            Action.RECONCILE,
            Action.MANAGE_REPORTS,
        }
    ),
    Role.READ_ONLY: frozenset({Action.VIEW, Action.EXPORT}),
}


@dataclass(frozen=True)
class CreatedUser:
    """A user just made; `password` is set only when it was generated, the one time it is
    seen in clear."""

    user: User
    password: str | None


def normalise_email(value: str) -> str:
    """The address as stored: trimmed and lower-case, once checked."""
    email = value.strip().lower()
    local, _, _domain = email.partition("@")
    if len(email) > 254 or len(local) > 64 or not _EMAIL.fullmatch(email):
        raise InvalidInput("email must be an address like name@example.com", param="email")
    return email


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower().replace("-", "_"))
    except ValueError:
        roles = ", ".join(role.value for role in Role)
        raise InvalidInput(f"role must be one of {roles}", param="role") from None


def generate_password() -> str:
    """24 random URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(18)


def check_password(password: str, email: str) -> None:
    """The rules a new password must follow; raises InvalidInput naming the first broken."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", param="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password has at most {MAX_PASSWORD_LENGTH} characters", param="password"
        )
    if password.strip().lower() == email.lower():
        raise InvalidInput("a password cannot be the e-mail address", param="password")


def user_by_email(session: Session, email: str) -> User:
    user = UserRepository(session).by_email(normalise_email(email))
    if user is None:
        raise NotFound(f"no user has the address {email.strip().lower()}", param="email")
    return user


def list_users(session: Session) -> list[tuple[User, Sequence[Shop]]]:
    repo = UserRepository(session)
    return [(user, repo.shops_of(user.id)) for user in repo.all()]


def _shops(session: Session, shop_ids: Sequence[str]) -> list[Shop]:
    if not shop_ids:
        raise InvalidInput("a user needs at least one shop", param="shop")
    repo = ShopRepository(session)
    shops = []
    for shop_id in dict.fromkeys(s.strip() for s in shop_ids):
        shop = repo.shop_by_shop_id(shop_id)
        if shop is None:
            raise NotFound(f"shop {shop_id} not found", param="shop")
        shops.append(shop)
    return shops


def create_user(
    session: Session,
    email: str,
    role: Role,
    shop_ids: Sequence[str],
    *,
    password: str | None = None,
    actor: str = "system",
) -> CreatedUser:
    """A new user of `role` given these shops, with this password or a generated one."""
    address = normalise_email(email)
    repo = UserRepository(session)
    if repo.by_email(address) is not None:
        raise Conflict(f"a user with the address {address} already exists", param="email")
    shops = _shops(session, shop_ids)
    generated = generate_password() if password is None else None
    secret = generated or password or ""
    check_password(secret, address)
    user = repo.add(User(email=address, password_hash=_hasher.hash(secret), role=role.value))
    repo.set_shops(user.id, [shop.id for shop in shops])
    detail = {"email": address, "role": role.value, "shops": [s.shop_id for s in shops]}
    record(session, actor, "user.created", "user", user.id, detail=detail)
    return CreatedUser(user, generated)


def _verify(user: User | None, password: str) -> bool:
    if user is None:
        # Spend the time a real user's check takes, so that timing tells nothing either.
        _verify_hash(_dummy_hash(), password)
        return False
    return _verify_hash(user.password_hash, password)


def _verify_hash(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(18))


def authenticate_user(
    session: Session, email: str, password: str, *, now: datetime | None = None
) -> User:
    """The user these credentials are of; records the sign-in time. Unknown address, wrong
    password and disabled account are one and the same failure to the caller."""
    try:
        address = normalise_email(email)
    except InvalidInput:
        address = None
    user = UserRepository(session).by_email(address) if address else None
    if len(password) > MAX_PASSWORD_LENGTH or not _verify(user, password):
        raise AuthenticationFailed(_SIGN_IN_FAILED)
    assert user is not None  # _verify is False without a user
    if user.disabled_at is not None:
        raise AuthenticationFailed(_SIGN_IN_FAILED)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now or datetime.now(UTC)
    session.flush()
    return user


def change_password(
    session: Session,
    user: User,
    old_password: str,
    new_password: str,
    *,
    now: datetime | None = None,
) -> None:
    """The user's own change: the current password first, then the new one's rules."""
    if not _verify(user, old_password):
        raise InvalidInput("the current password is wrong", param="old_password")
    _store_password(session, user, new_password, actor=user.email, now=now)


def set_password(
    session: Session, user: User, password: str | None, *, actor: str, now: datetime | None = None
) -> str | None:
    """An administrator's reset: this password, or a generated one, returned in clear."""
    generated = generate_password() if password is None else None
    _store_password(session, user, generated or password or "", actor=actor, now=now)
    return generated


def _store_password(
    session: Session, user: User, password: str, *, actor: str, now: datetime | None
) -> None:
    check_password(password, user.email)
    user.password_hash = _hasher.hash(password)
    user.password_changed_at = now or datetime.now(UTC)
    session.flush()
    record(session, actor, "user.password_changed", "user", user.id)


def set_user_shops(session: Session, user: User, shop_ids: Sequence[str], *, actor: str) -> None:
    """Give the user exactly these shops (at least one)."""
    shops = _shops(session, shop_ids)
    UserRepository(session).set_shops(user.id, [shop.id for shop in shops])
    detail = {"shops": [shop.shop_id for shop in shops]}
    record(session, actor, "user.shops_set", "user", user.id, detail=detail)


def set_role(session: Session, user: User, role: Role, *, actor: str) -> None:
    """Change what the user may do on their shops."""
    user.role = role.value
    session.flush()
    record(session, actor, "user.role_set", "user", user.id, detail={"role": role.value})


def disable_user(session: Session, user: User, *, actor: str, now: datetime | None = None) -> User:
    """The user can no longer sign in; their history stays. Disabling twice is harmless."""
    if user.disabled_at is None:
        user.disabled_at = now or datetime.now(UTC)
        session.flush()
        record(session, actor, "user.disabled", "user", user.id)
    return user


def shops_visible_to(session: Session, user: User) -> Sequence[Shop]:
    """The shops the user was given, by shop id; none once the user is disabled."""
    if user.disabled_at is not None:
        return []
    return UserRepository(session).shops_of(user.id)


def visible_shop(session: Session, user: User, shop_id: str) -> Shop:
    """One of the user's shops; another shop is not found, exactly like an unknown one."""
    for shop in shops_visible_to(session, user):
        if shop.shop_id == shop_id:
            return shop
    raise NotFound(f"shop {shop_id} not found", param="shop_id")


def can(user: User, action: Action) -> bool:
    """Whether the user's role allows `action` (on the shops they are given)."""
    if user.disabled_at is not None:
        return False
    try:
        role = Role(user.role)
    except ValueError:
        return False
    return action in _ALLOWED[role]


def require(user: User, action: Action) -> None:
    if not can(user, action):
        raise PermissionDenied(f"a {user.role} user may not {action.value.replace('_', ' ')}")
