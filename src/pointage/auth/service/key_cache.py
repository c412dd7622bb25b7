"""What a web process remembers of recent authentications, for a few seconds, so that most
API calls are authenticated without a query to the database.

Kept for at most `TTL_SECONDS` after it was read from the database, per process:
- an API key found valid (keyed by its SHA-256, never the key): its id, mode, shop and the
  time its use was last recorded;
- a rate-limit scope (pointage.auth.service.limits) found under its limit.

Nothing here is needed by another process: a cache miss asks the database, as every call did
before. What it costs, with several processes:
- a revoked key keeps working for at most `TTL_SECONDS` in the processes that had just
  used it (a revocation empties the cache of the process that makes it);
- a failure this process counts drops its scopes from the cache at once; one another process
  counts is seen here within `TTL_SECONDS`. A scope over its limit therefore lets at most one
  more guess per process through, every `TTL_SECONDS`, and each is counted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached

from pointage.core.statuses import Mode
from pointage.shop.models import Shop

TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000  # of each kind; past it, the stale ones go (all of them if none is)

V = TypeVar("V")

_revocations = 0


def key_revoked() -> None:
    """A key was revoked in this process: forget every key remembered before now."""
    global _revocations
    _revocations += 1


@dataclass(slots=True)
class KnownKey:
    api_key_id: int
    mode: Mode
    shop: Shop  # a detached copy: merge it into the session that uses it
    last_used_at: datetime | None
    expires: float
    generation: int


def detached_copy(shop: Shop) -> Shop:
    """A copy of the shop as it was read, attached to no session, sharing nothing with it."""
    values = {attr.key: getattr(shop, attr.key) for attr in inspect(Shop).column_attrs}
    copy = Shop(**values)
    make_transient_to_detached(copy)
    return copy


class AuthCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        # Read on the event loop, filled from worker threads.
        self._lock = threading.Lock()
        self._keys: dict[str, KnownKey] = {}
        self._clear: dict[str, float] = {}  # scope -> until when it is taken as clear

    def key(self, key_hash: str) -> KnownKey | None:
        known = self._keys.get(key_hash)
        if known is None:
            return None
        if known.expires <= self._clock() or known.generation != _revocations:
            with self._lock:
                self._keys.pop(key_hash, None)
            return None
        return known

    def remember_key(
        self,
        key_hash: str,
        api_key_id: int,
        mode: Mode,
        shop: Shop,
        last_used_at: datetime | None,
        generation: int,
    ) -> None:
        """Remember a key just found valid; `generation` is `generation()` as it was before
        the key was read, so that a revocation made meanwhile is not forgotten."""
        if generation != _revocations:
            return
        known = KnownKey(
            api_key_id, mode, detached_copy(shop), last_used_at, self._clock() + TTL_SECONDS,
            generation,
        )  # fmt: skip
        with self._lock:
            _prune(self._keys, self._clock(), lambda known: known.expires)
            self._keys[key_hash] = known

    def scopes_clear(self, scopes: Sequence[str]) -> bool:
        now = self._clock()
        return all(self._clear.get(scope, 0.0) > now for scope in scopes)

    def remember_clear(self, scopes: Sequence[str]) -> None:
        now = self._clock()
        with self._lock:
            _prune(self._clear, now, lambda until: until)
            for scope in scopes:
                self._clear[scope] = now + TTL_SECONDS

    def forget_scopes(self, scopes: Sequence[str]) -> None:
        with self._lock:
            for scope in scopes:
                self._clear.pop(scope, None)


def generation() -> int:
    """How many revocations this process has made: taken before a key is read."""
    return _revocations


def _prune(entries: dict[str, V], now: float, expiry: Callable[[V], float]) -> None:
    if len(entries) < MAX_ENTRIES:
        return
    for name in [name for name, value in entries.items() if expiry(value) <= now]:
        del entries[name]
    if len(entries) >= MAX_ENTRIES:
        entries.clear()
