"""The envelope of every V4 answer (V4/WebService/Response), success or error.

As the gateway, refusals and invalid requests answer HTTP 200: the envelope's `status`
(SUCCESS or ERROR) says how the call went. A missing or wrong key answers 401, too many
failed authentications 429, an unexpected error of Pointage itself 500 (payment.v4.errors):
each still in the envelope, never with any detail of its cause.

The envelope and its answer are plain dicts encoded once (payment.v4.present says why);
answers.V4Response and the models it holds document them and are the tests' reference.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Literal

from fastapi import Request, Response
from pydantic_core import to_json
from sqlalchemy.orm import Session

from pointage import __version__
from pointage.auth.service.keys import ApiCaller
from pointage.core.statuses import Mode
from pointage.payment.v4.errors import GatewayError
from pointage.payment.v4.present import Json, instant

PREFIX = "/api-payment/V4"

log = logging.getLogger(__name__)


def remember_caller(request: Request, caller: ApiCaller, session: Session | None) -> None:
    """Keep who called, for the shop id and mode of an error answered later, and the
    request's session, which V4Route commits or rolls back (a quick read has none)."""
    request.state.v4_caller = caller
    request.state.v4_session = session


def _caller(request: Request) -> ApiCaller | None:
    caller = getattr(request.state, "v4_caller", None)
    return caller if isinstance(caller, ApiCaller) else None


def web_service(request: Request) -> str:
    """The service a request calls, as the gateway names it: Transaction/Get."""
    # The path of `request.url`, without parsing the whole URL for it.
    path: str = request.scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    return path.removeprefix(PREFIX).strip("/")


_server_urls: dict[tuple[object, ...], str] = {}


def server_url(request: Request) -> str:
    """`request.base_url` without its last slash, as every answer shows it: remembered per
    scheme, server, Host header and root path, which are all it is made of (building it took
    a tenth of a Transaction/Get's time)."""
    scope = request.scope
    host = next((value for key, value in scope["headers"] if key == b"host"), None)
    root = scope.get("app_root_path", scope.get("root_path", ""))
    server = scope.get("server")
    key = (scope.get("scheme", "http"), None if server is None else tuple(server), host, root)
    found = _server_urls.get(key)
    if found is None:
        if len(_server_urls) >= 256:  # Host headers are the client's: keep a few only
            _server_urls.clear()
        found = _server_urls[key] = str(request.base_url).rstrip("/")
    return found


def _mode(caller: ApiCaller | None) -> Literal["TEST", "PRODUCTION"] | None:
    if caller is None:
        return None
    return "TEST" if caller.mode is Mode.TEST else "PRODUCTION"


def _render(
    request: Request,
    answer: Json,
    *,
    ticket: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    # answers.V4Response's fields, in its order: the dict is what the model would dump.
    envelope = {
        "webService": web_service(request),
        "version": "V4",
        "applicationVersion": __version__,
        "status": "SUCCESS" if ticket is None else "ERROR",
        "answer": answer,
        "ticket": ticket,
        "serverDate": instant(datetime.now(UTC)),
        "applicationProvider": "POINTAGE",
        "metadata": None,
        "mode": _mode(_caller(request)),
        "serverUrl": server_url(request),
        "_type": "V4/WebService/Response",
    }
    return Response(
        # pydantic's own JSON encoder, as the models would use it: compact, UTF-8 unescaped.
        content=to_json(envelope),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


def success(request: Request, answer: Json) -> Response:
    return _render(request, answer)


def failure(request: Request, error: GatewayError) -> Response:
    """An ERROR envelope; its ticket is logged with the error so that support finds it."""
    caller = _caller(request)
    shop_id = None if caller is None else caller.shop.shop_id
    ticket = uuid.uuid4().hex
    log.info(
        "V4 %s answered %s (%s) to shop %s, ticket %s",
        web_service(request),
        error.code,
        error.detailed_code,
        shop_id,
        ticket,
    )
    answer = {  # answers.WebServiceError
        "errorCode": error.code,
        "errorMessage": error.message,
        "detailedErrorCode": error.detailed_code,
        "detailedErrorMessage": error.detailed_message,
        "ticket": ticket,
        "shopId": shop_id,
        "_type": "V4/WebService/WebServiceError",
    }
    return _render(request, answer, ticket=ticket, status_code=error.status, headers=error.headers)
