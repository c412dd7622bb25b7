"""Refusing guesses: failed authentications counted over a sliding window, per scope.

A scope is what a guesser cannot change for free: the client's address (`ip:…`), or the
identity the guess is about — the shop id of HTTP Basic (`shop:…`), the first characters of a
Bearer key (`key:…`, the prefix shown in key lists) or the e-mail address of a back-office
sign-in (`login:…`). When any scope of a request has reached the limit within the window, the
request is refused with `TooManyAttempts` before its credentials are even checked, so that
guessing stops rather than slows; it may try again once the oldest failure that counts leaves
the window.

Failures are rows in the database, so every web process sees the same counts. Each is
written in its own short transaction: the request that failed rolls its own back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.models import User
from pointage.auth.repository import AuthFailureRepository
from pointage.auth.service.users import authenticate_user
from pointage.core.errors import AuthenticationFailed, TooManyAttempts
from pointage.db.session import unit_of_work
from pointage.settings import Settings

T = TypeVar("T")

KEY_PREFIX_LENGTH = 25  # as stored in api_key.prefix: the mode, the shop id, three characters
# Old rows of the failing scopes go at every failure (through the (scope, at) index); every
# this-many rows, those of every scope go too, so that one-off addresses do not pile up.
_FULL_PRUNE_EVERY = 64


@dataclass(frozen=True)
class FailureLimit:
    max_failures: int = 10
    window: timedelta = timedelta(seconds=300)

    @classmethod
    def from_settings(cls, settings: Settings) -> FailureLimit:
        return cls(
            max_failures=settings.auth_max_failures,
            window=timedelta(seconds=settings.auth_failure_window_seconds),
        )


def ip_scope(address: str | None) -> str:
    return f"ip:{(address or 'unknown')[:64]}"


def basic_scope(shop_id: str) -> str:
    return f"shop:{shop_id[:64]}"


def bearer_scope(key: str) -> str:
    return f"key:{key[:KEY_PREFIX_LENGTH]}"


def login_scope(email: str) -> str:
    return f"login:{email.strip().lower()[:254]}"


def check(session: Session, scopes: Sequence[str], limit: FailureLimit, now: datetime) -> None:
    """Raise TooManyAttempts when a scope has had `max_failures` failures in the window."""
    repo = AuthFailureRepository(session)
    counts = repo.counts_since(scopes, now - limit.window)
    waits = []
    for scope, count in counts.items():
        if count >= limit.max_failures:
            # Below the limit again once the max_failures-th most recent failure is out.
            oldest_counted = repo.nth_newest(scope, limit.max_failures)
            if oldest_counted is not None:
                waits.append((oldest_counted + limit.window - now).total_seconds())
    if waits:
        seconds = max(1, math.ceil(max(waits)))
        raise TooManyAttempts(
            f"too many failed authentication attempts: try again in {seconds} seconds",
            retry_after_seconds=seconds,
        )


def record_failure(
    factory: sessionmaker[Session], scopes: Sequence[str], limit: FailureLimit, now: datetime
) -> None:
    """Count one failure in each scope, in a transaction of its own, and forget old ones."""
    with unit_of_work(factory) as session:
        repo = AuthFailureRepository(session)
        last_id = repo.add(scopes, now)
        cutoff = now - limit.window
        repo.prune(cutoff, scopes)
        if last_id % _FULL_PRUNE_EVERY < len(scopes):
            repo.prune(cutoff)


def guarded(
    session: Session,
    factory: sessionmaker[Session],
    scopes: Sequence[str],
    limit: FailureLimit,
    attempt: Callable[[], T],
    *,
    now: datetime | None = None,
) -> T:
    """Run `attempt` (an authentication) unless a scope is over the limit; count its failure.

    On failure the session's transaction is rolled back before the failure is written: the
    request is over anyway, and on SQLite its transaction holds the write lock the failure's
    own transaction needs."""
    at = now or datetime.now(UTC)
    check(session, scopes, limit, at)
    try:
        return attempt()
    except AuthenticationFailed:
        session.rollback()
        record_failure(factory, scopes, limit, at)
        raise


def sign_in(
    session: Session,
    factory: sessionmaker[Session],
    email: str,
    password: str,
    *,
    client_address: str | None,
    limit: FailureLimit,
    now: datetime | None = None,
) -> User:
    """A back-office sign-in, limited per client address and per e-mail address."""
    scopes = [ip_scope(client_address), login_scope(email)]
    return guarded(
        session,
        factory,
        scopes,
        limit,
        lambda: authenticate_user(session, email, password, now=now),
        now=now,
    )
