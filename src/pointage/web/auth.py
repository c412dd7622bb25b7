"""Who is asking. For now: a shop authenticates with HTTP Basic, its shop id and key
(as the gateway's own REST API does). Every route that touches shop data depends on it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from pointage.core.errors import AuthenticationFailed
from pointage.shop.models import Shop
from pointage.shop.service import authenticate_shop
from pointage.web.deps import DbSession

_basic = HTTPBasic(auto_error=False, description="shop id and shop key")


def _credentials(
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> HTTPBasicCredentials:
    if credentials is None:
        raise AuthenticationFailed("authentication required: HTTP Basic with shop id and key")
    return credentials


# Credentials given, not yet checked: lets a route refuse an anonymous request before it
# reads a large body, without opening a database transaction for the check.
BasicCredentials = Annotated[HTTPBasicCredentials, Depends(_credentials)]


def _current_shop(session: DbSession, credentials: BasicCredentials) -> Shop:
    return authenticate_shop(session, credentials.username, credentials.password)


CurrentShop = Annotated[Shop, Depends(_current_shop)]
