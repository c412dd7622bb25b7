"""Back-office sessions in a signed cookie.

The cookie holds a small JSON object (the user's id, the stamp of their last password change,
the CSRF token, the selected shop, a language chosen before signing in), signed with HMAC-
SHA256 under the deployment's secret key and timestamped: the server keeps no session state,
so any web process can serve any request. The cookie is readable by its holder but cannot be
forged or altered; it holds nothing secret.

A session ends after `session_max_age_seconds` without a request: the signature's timestamp is
renewed (the cookie sent again) at most once a minute while it is used, and a cookie older
than the maximum age is ignored on read, whatever the browser does with its Max-Age.
The cookie is HttpOnly, SameSite=Lax, and Secure when the request came in over HTTPS or when
`secure_cookies` is set (behind a proxy that terminates TLS).

Who is signed in is decided by pointage.web.backoffice, which checks the stamp against the
user's password change time, so that a password change or a disabled account ends every
other session.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import MutableMapping
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pointage.settings import Settings

# Keys of the session object.
USER_ID = "uid"
PASSWORD_STAMP = "pwd"  # noqa: S105 — the key under which the stamp is kept, not a secret
CSRF_TOKEN = "csrf"  # noqa: S105 — a key name, not a token
SHOP = "shop"
LOCALE = "lang"
FLASH = "flash"

_REFRESH_AFTER_SECONDS = 60
_SALT = "pointage.backoffice.session"


def serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        secret_key, salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256}
    )


class SessionMiddleware:
    """Puts the cookie's session object in `scope["session"]` (Starlette's `request.session`)
    and writes it back when it changed, or when its signature is over a minute old."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.cookie_name = settings.session_cookie_name
        self.max_age = settings.session_max_age_seconds
        self.always_secure = settings.secure_cookies
        self.serializer = serializer(settings.secret_key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = HTTPConnection(scope).cookies.get(self.cookie_name)
        data, signed_at = self._load(cookie)
        scope["session"] = data
        # Most API calls come without a session: nothing to compare their answer's against.
        before = _canonical(data) if data else None

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                session = scope["session"]
                changed = bool(session) and (before is None or _canonical(session) != before)
                stale = signed_at is not None and time.time() - signed_at > _REFRESH_AFTER_SECONDS
                headers = MutableHeaders(scope=message)
                if session and (changed or stale):
                    headers.append("Set-Cookie", self._cookie(scope, session))
                elif not session and cookie is not None:
                    headers.append("Set-Cookie", self._cookie(scope, None))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _load(self, cookie: str | None) -> tuple[dict[str, Any], float | None]:
        if not cookie:
            return {}, None
        try:
            data, signed = self.serializer.loads(
                cookie, max_age=self.max_age, return_timestamp=True
            )
        except BadSignature:  # altered, signed under another key, or expired
            return {}, None
        if not isinstance(data, dict):
            return {}, None
        return data, signed.timestamp()

    def _cookie(self, scope: Scope, session: MutableMapping[str, Any] | None) -> str:
        secure = self.always_secure or scope.get("scheme") == "https"
        value = self.serializer.dumps(dict(session)) if session else ""
        max_age = self.max_age if session else 0
        parts = [
            f"{self.cookie_name}={value}",
            "Path=/",
            f"Max-Age={max_age}",
            "HttpOnly",
            "SameSite=Lax",
        ]
        if secure:
            parts.append("Secure")
        return "; ".join(parts)


def _canonical(data: MutableMapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def flash(request: Request, message: str) -> None:
    """A message shown once, on the next page rendered for this session."""
    request.session[FLASH] = [*request.session.get(FLASH, []), message]


def take_flashes(request: Request) -> list[str]:
    messages = request.session.pop(FLASH, [])
    return [str(m) for m in messages] if isinstance(messages, list) else []
