"""Who is asking the API. A shop's API key, either as a Bearer token (the resource API) or as
the password of HTTP Basic with the shop id as the user name (the gateway's own scheme, kept
for the gateway-compatible services and existing integrations).

`CurrentCaller` is the shop and the key's mode; `CurrentShop` is the shop of a production key,
for everything that is real money (remittances, bank statements, reconciliation, reports,
exports): a test-mode key sees only test-mode data, and there is no test-mode bank.

Repeated failures are refused with 429 for a while, per client address and per identity,
before the key is even looked at (pointage.auth.service.limits).

A key verified within the last few seconds is taken from the process's cache
(pointage.auth.service.key_cache, which states what that costs a revocation) without a query
or a hop to a worker thread; the time of a key's last use is written after the answer, at
most once a minute.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Request
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from pointage.auth.keys import hash_key
from pointage.auth.service import key_cache, limits
from pointage.auth.service.key_cache import AuthCache
from pointage.auth.service.keys import ApiCaller, touch_key, use_is_stale, verify_key
from pointage.core.errors import AuthenticationFailed, PermissionDenied, TooManyAttempts
from pointage.core.statuses import Mode
from pointage.db.session import is_read_only, unit_of_work
from pointage.settings import Settings
from pointage.shop.models import Shop
from pointage.web.deps import AppSettings, DbSession

log = logging.getLogger(__name__)

_basic = HTTPBasic(auto_error=False, description="shop id and API key")
_bearer = HTTPBearer(auto_error=False, description="API key")


class TestModeKey(PermissionDenied):
    code = "test_mode_key"


async def _given(
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> HTTPBasicCredentials | HTTPAuthorizationCredentials:
    if bearer is not None:
        return bearer
    if basic is not None:
        return basic
    raise AuthenticationFailed(
        "authentication required: an API key as a Bearer token, or HTTP Basic with the shop "
        "id and the key"
    )


# Credentials given, not yet checked: lets a route refuse an anonymous request before it
# reads a large body, without opening a database transaction for the check.
GivenCredentials = Annotated[HTTPBasicCredentials | HTTPAuthorizationCredentials, Depends(_given)]


def _record_use_later(
    factory: sessionmaker[Session], background: BackgroundTasks
) -> Callable[[int, datetime], None]:
    """Record a key's use (at most once a minute) after the answer, in a unit of work of its
    own: the caller never waits for the database's write lock."""

    def record_use(key_id: int, now: datetime) -> None:
        background.add_task(_touch, factory, key_id, now)

    return record_use


def _touch(factory: sessionmaker[Session], key_id: int, now: datetime) -> None:
    try:
        with unit_of_work(factory) as session:
            touch_key(session, key_id, now)
    except SQLAlchemyError:
        # The time of last use is a hint for people; the request itself has succeeded.
        log.warning("could not record the use of API key %s", key_id, exc_info=True)


@dataclass(frozen=True)
class _Attempt:
    secret: str
    shop_id: str | None  # HTTP Basic's user name
    scopes: list[str]

    @classmethod
    def of(
        cls, request: Request, given: HTTPBasicCredentials | HTTPAuthorizationCredentials
    ) -> _Attempt:
        address = limits.ip_scope(request.client.host if request.client else None)
        if isinstance(given, HTTPAuthorizationCredentials):
            key = given.credentials
            return cls(key, None, [address, limits.bearer_scope(key)])
        return cls(given.password, given.username, [address, limits.basic_scope(given.username)])


def _auth_cache(request: Request) -> AuthCache:
    state = request.app.state
    cache = getattr(state, "auth_cache", None)
    if cache is None:
        cache = state.auth_cache = AuthCache()
    return cache


def _cached_caller(
    request: Request, attempt: _Attempt, key_hash: str, background: BackgroundTasks
) -> ApiCaller | None:
    # A key verified within the last seconds, from scopes under their failure limit, is
    # taken from this process's cache (pointage.auth.service.key_cache) without leaving the
    # event loop. Its shop is the cache's detached copy: the caller merges it into its
    # session before it uses it there, and changes nothing of it.
    cache = _auth_cache(request)
    known = cache.key(key_hash) if cache.scopes_clear(attempt.scopes) else None
    if known is None or attempt.shop_id not in (None, known.shop.shop_id):
        return None
    now = datetime.now(UTC)
    if use_is_stale(known.last_used_at, now):
        known.last_used_at = now
        _record_use_later(request.app.state.session_factory, background)(known.api_key_id, now)
    return ApiCaller(known.shop, known.mode, known.api_key_id)


async def _current_caller(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    given: GivenCredentials,
    background: BackgroundTasks,
) -> ApiCaller:
    # Anything the cache does not answer is checked against the database in a worker thread.
    attempt = _Attempt.of(request, given)
    key_hash = hash_key(attempt.secret)
    known = _cached_caller(request, attempt, key_hash, background)
    if known is not None:
        return ApiCaller(session.merge(known.shop, load=False), known.mode, known.api_key_id)
    return await run_in_threadpool(
        _verified_caller, request, session, settings, attempt, background, key_hash
    )


async def quick_caller(request: Request, background: BackgroundTasks) -> ApiCaller:
    """As `CurrentCaller`, for a quick read, which has no session of the request: a key the
    cache does not answer is checked in a read-only unit of work of its own. The credentials
    are read here, not by dependencies of their own: FastAPI's solving of each dependency
    cost a status read a tenth of its time (docs/benchmarks.md); the route declares them in
    its OpenAPI operation with `QUICK_SECURITY`."""
    given = await _given(await _basic(request), await _bearer(request))
    attempt = _Attempt.of(request, given)
    key_hash = hash_key(attempt.secret)
    known = _cached_caller(request, attempt, key_hash, background)
    if known is not None:
        return known
    return await run_in_threadpool(_verified_in_own_unit, request, attempt, background, key_hash)


def _verified_in_own_unit(
    request: Request, attempt: _Attempt, background: BackgroundTasks, key_hash: str
) -> ApiCaller:
    settings: Settings = request.app.state.settings
    with unit_of_work(request.app.state.session_factory, read_only=True) as session:
        return _verified_caller(request, session, settings, attempt, background, key_hash)


def _verified_caller(
    request: Request,
    session: Session,
    settings: Settings,
    attempt: _Attempt,
    background: BackgroundTasks,
    key_hash: str,
) -> ApiCaller:
    # Failures count per client address and per identity; over the limit, the credentials
    # are not even checked (pointage.auth.service.limits).
    factory = request.app.state.session_factory
    cache = _auth_cache(request)
    record_use = _record_use_later(factory, background) if is_read_only(session) else None
    generation = key_cache.generation()
    try:
        verified = limits.guarded(
            session,
            factory,
            attempt.scopes,
            limits.FailureLimit.from_settings(settings),
            functools.partial(
                verify_key, session, attempt.secret, attempt.shop_id, record_use=record_use
            ),
        )
    except (AuthenticationFailed, TooManyAttempts):
        cache.forget_scopes(attempt.scopes)
        raise
    caller = verified.caller
    if is_read_only(session):
        # Nothing to keep between here and the route: the connection goes back to the pool
        # rather than wait, taken, for the route's worker thread.
        session.commit()
    cache.remember_clear(attempt.scopes)
    cache.remember_key(
        key_hash, caller.api_key_id, caller.mode, caller.shop, verified.last_used_at, generation
    )
    return caller


CurrentCaller = Annotated[ApiCaller, Depends(_current_caller)]
# The same, for a quick read that takes no session of the request (pointage.web.deps
# .read_rows): the shop is a detached copy, to read only. Its route declares its schemes with
# `openapi_extra=QUICK_SECURITY`.
QuickCaller = Annotated[ApiCaller, Depends(quick_caller)]


def quick_security(*schemes: HTTPBasic | HTTPBearer) -> dict[str, Any]:
    """The OpenAPI `security` of a route that authenticates with `quick_caller`: these
    schemes, in this order, as FastAPI writes those of its security dependencies."""
    return {"security": [{scheme.scheme_name: []} for scheme in schemes]}


BASIC, BEARER = _basic, _bearer


async def _production_shop(caller: CurrentCaller) -> Shop:
    if caller.mode is not Mode.PRODUCTION:
        raise TestModeKey(
            "this resource holds production data (money on a bank account); a test-mode key "
            "sees only test-mode transactions: use a production key"
        )
    return caller.shop


CurrentShop = Annotated[Shop, Depends(_production_shop)]
