"""Per-shop API keys: issued in test or production mode, shown once, stored hashed,
revocable, with the time of their last use.

A key authenticates either as a Bearer token (the resource API) or as the password of HTTP
Basic with the shop id as the user name (the gateway-compatible API, like the gateway's own).
Every failure gives the same message, so that a caller learns nothing about which part was
wrong.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.auth import keys
from pointage.auth.models import ApiKey
from pointage.auth.repository import ApiKeyRepository
from pointage.auth.service import key_cache
from pointage.core.errors import AuthenticationFailed, InvalidInput, NotFound
from pointage.core.statuses import Mode
from pointage.shop.models import Shop

# How stale `last_used_at` may get: one write a minute per key at most.
_LAST_USED_RESOLUTION = timedelta(minutes=1)
_PREFIX_LENGTH = 25  # "prodpassword_12345678_" and three random characters


@dataclass(frozen=True)
class IssuedKey:
    """A key just made: `secret` is the only time the key is seen in clear."""

    api_key: ApiKey
    secret: str


@dataclass(frozen=True)
class ApiCaller:
    """Who is calling the API: a shop, through one of its keys, in that key's mode."""

    shop: Shop
    mode: Mode
    api_key_id: int


def parse_mode(value: str) -> Mode:
    try:
        return Mode(value.strip().upper())
    except ValueError:
        raise InvalidInput(
            f"mode must be test or production, got {value!r}", param="mode"
        ) from None


def issue_key(
    session: Session,
    shop: Shop,
    mode: Mode,
    secret_key: str,
    *,
    actor: str = "system",
    label: str | None = None,
) -> IssuedKey:
    """Give the shop a new key in `mode`. Older keys stay valid until revoked."""
    if label is not None and len(label) > 100:
        raise InvalidInput("a key's label is at most 100 characters", param="label")
    secret = keys.generate_key(shop.shop_id, mode.value)
    api_key = ApiKeyRepository(session).add(
        ApiKey(
            shop_id=shop.id,
            mode=mode.value,
            prefix=secret[:_PREFIX_LENGTH],
            key_hash=keys.hash_key(secret),
            key_encrypted=keys.encrypt_key(secret, secret_key),
            label=label,
            created_by=actor,
        )
    )
    record(
        session,
        actor,
        "api_key.issued",
        "api_key",
        str(api_key.id),
        shop_pk=shop.id,
        detail={"mode": mode.value, "prefix": api_key.prefix},
    )
    return IssuedKey(api_key, secret)


def issue_test_key(session: Session, shop: Shop, secret_key: str, *, actor: str = "system") -> str:
    """A new test-mode key for the shop, in clear."""
    return issue_key(session, shop, Mode.TEST, secret_key, actor=actor).secret


def issue_production_key(
    session: Session, shop: Shop, secret_key: str, *, actor: str = "system"
) -> str:
    """A new production-mode key for the shop, in clear."""
    return issue_key(session, shop, Mode.PRODUCTION, secret_key, actor=actor).secret


def keys_of_shop(session: Session, shop: Shop) -> Sequence[ApiKey]:
    """The shop's keys, revoked ones included, oldest first."""
    return ApiKeyRepository(session).of_shop(shop.id)


def key_of_shop(session: Session, shop: Shop, key_id: int) -> ApiKey:
    """One of the shop's keys; another shop's is not found, like an unknown one."""
    api_key = ApiKeyRepository(session).by_id(key_id)
    if api_key is None or api_key.shop_id != shop.id:
        raise NotFound(f"API key {key_id} not found", param="key_id")
    return api_key


def revoke_key(session: Session, shop: Shop, key_id: int, *, actor: str) -> ApiKey:
    """Revoke one of the shop's keys; it stops working at once in this process, and within
    `key_cache.TTL_SECONDS` in the others. Revoking twice is harmless."""
    api_key = key_of_shop(session, shop, key_id)
    if api_key.revoked_at is None:
        api_key.revoked_at = datetime.now(UTC)
        api_key.revoked_by = actor
        session.flush()
        # This process forgets the keys it had verified, now and once the revocation is
        # committed (a call verified meanwhile read the key before it); the others within
        # key_cache.TTL_SECONDS.
        key_cache.key_revoked()
        event.listen(session, "after_commit", lambda _session: key_cache.key_revoked(), once=True)
        record(session, actor, "api_key.revoked", "api_key", str(key_id), shop_pk=shop.id)
    return api_key


RecordUse = Callable[[int, datetime], None]
"""Records that key `id` was used at an instant (`touch_key` in some unit of work)."""


def use_is_stale(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use at `now` is worth recording: none was in the last minute."""
    return last_used_at is None or last_used_at < now - _LAST_USED_RESOLUTION


def touch_key(session: Session, key_id: int, now: datetime) -> None:
    """Record a use of the key, unless one was recorded less than a minute before `now`
    (checked again in the database: another process may have just written it)."""
    ApiKeyRepository(session).touch(key_id, now, now - _LAST_USED_RESOLUTION)


@dataclass(frozen=True)
class VerifiedKey:
    """A key found valid: who calls with it, and when its use was last recorded (now, if
    this call recorded it)."""

    caller: ApiCaller
    last_used_at: datetime | None


def verify_key(
    session: Session, secret: str, shop_id: str | None, *, record_use: RecordUse | None = None
) -> VerifiedKey:
    """The caller whose key this is, of the shop `shop_id` when given (HTTP Basic). Its use
    is recorded in `session`, or by `record_use` when given (a read-only unit of work hands
    it on)."""
    found = ApiKeyRepository(session).with_shop_by_hash(keys.hash_key(secret))
    if found is None or found[0].revoked_at is not None:
        raise AuthenticationFailed("unknown shop or wrong key")
    api_key, shop = found
    if shop_id is not None and shop.shop_id != shop_id:
        raise AuthenticationFailed("unknown shop or wrong key")
    now = datetime.now(UTC)
    last_used_at = api_key.last_used_at
    # Most calls find the key used within the minute: nothing to write.
    if use_is_stale(last_used_at, now):
        (record_use or functools.partial(touch_key, session))(api_key.id, now)
        last_used_at = now
    return VerifiedKey(ApiCaller(shop, Mode(api_key.mode), api_key.id), last_used_at)


def authenticate_bearer(
    session: Session, secret: str, *, record_use: RecordUse | None = None
) -> ApiCaller:
    """The caller whose key this is (`Authorization: Bearer <key>`)."""
    return verify_key(session, secret, None, record_use=record_use).caller


def authenticate_basic(
    session: Session, shop_id: str, secret: str, *, record_use: RecordUse | None = None
) -> ApiCaller:
    """The caller whose shop id and key these are (HTTP Basic, as the gateway's API)."""
    return verify_key(session, secret, shop_id, record_use=record_use).caller


def signing_keys(session: Session, shop: Shop, mode: Mode, secret_key: str) -> list[str]:
    """The shop's active keys of `mode` in clear, newest first: a notification signed with
    any of them is the shop's (a key being rotated stays valid until it is revoked)."""
    found = []
    for api_key in ApiKeyRepository(session).active_of_shop(shop.id, mode.value):
        secret = keys.decrypt_key(api_key.key_encrypted, secret_key)
        if secret is not None:
            found.append(secret)
    return found
