"""Who is asking the API. A shop's API key, either as a Bearer token (the resource API) or as
the password of HTTP Basic with the shop id as the user name (the gateway's own scheme, kept
for the gateway-compatible services and existing integrations).

`CurrentCaller` is the shop and the key's mode; `CurrentShop` is the shop of a production key,
for everything that is real money (remittances, bank statements, reconciliation, reports,
exports): a test-mode key sees only test-mode data, and there is no test-mode bank.

Repeated failures are refused with 429 for a while, per client address and per identity,
before the key is even looked at (pointage.auth.service.limits).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)

from pointage.auth.service import limits
from pointage.auth.service.keys import ApiCaller, authenticate_basic, authenticate_bearer
from pointage.core.errors import AuthenticationFailed, PermissionDenied
from pointage.core.statuses import Mode
from pointage.shop.models import Shop
from pointage.web.deps import AppSettings, DbSession

_basic = HTTPBasic(auto_error=False, description="shop id and API key")
_bearer = HTTPBearer(auto_error=False, description="API key")


class TestModeKey(PermissionDenied):
    code = "test_mode_key"


def _given(
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


def _current_caller(
    request: Request, session: DbSession, settings: AppSettings, given: GivenCredentials
) -> ApiCaller:
    # Failures count per client address and per identity; over the limit, the credentials
    # are not even checked (pointage.auth.service.limits).
    address = request.client.host if request.client else None
    attempt: Callable[[], ApiCaller]
    if isinstance(given, HTTPAuthorizationCredentials):
        key = given.credentials
        identity = limits.bearer_scope(key)
        attempt = functools.partial(authenticate_bearer, session, key)
    else:
        identity = limits.basic_scope(given.username)
        attempt = functools.partial(authenticate_basic, session, given.username, given.password)
    return limits.guarded(
        session,
        request.app.state.session_factory,
        [limits.ip_scope(address), identity],
        limits.FailureLimit.from_settings(settings),
        attempt,
    )


CurrentCaller = Annotated[ApiCaller, Depends(_current_caller)]


def _production_shop(caller: CurrentCaller) -> Shop:
    if caller.mode is not Mode.PRODUCTION:
        raise TestModeKey(
            "this resource holds production data (money on a bank account); a test-mode key "
            "sees only test-mode transactions: use a production key"
        )
    return caller.shop


CurrentShop = Annotated[Shop, Depends(_production_shop)]
