"""`Idempotency-Key` on every POST of the resource API (`/v1/`).

A client that sends `Idempotency-Key: <1 to 255 printable ASCII characters>` with a POST may
send the same request again (after a timeout, a lost connection) without doing it twice:

- the first request claims the key (committed before it runs) and its answer is kept, unless
  it is a 5xx or a 429 (worth retrying: the claim is dropped and the key may be used again);
- the same request again (same method, path with query, body) gets the kept answer byte for
  byte, with `Idempotent-Replayed: true`; while the first still runs, `409
  idempotency_in_progress`;
- the same key with a different request answers `409 idempotency_key_reused`;
- an answer larger than `MAX_STORED_ANSWER` is sent as usual, but only its status is kept:
  a repeat answers `409 idempotency_answer_not_stored` rather than run the request twice.

Keys belong to the API key that sent them and are kept `POINTAGE_IDEMPOTENCY_TTL_HOURS`. A
request without credentials, or with a key that is not an active API key, goes on untouched
and its route refuses it (401). The last bytes of an answer are sent once the request's
unit of work has committed and its answer is kept: a client holding a whole answer may trust
that it is stored, and that a retry replays it.

It is a pure ASGI middleware: answers stream through as they are produced. The request body
is read first (its SHA-256 is part of the fingerprint) into a file spooled to disk past 1 MiB,
then replayed to the route in chunks, so a large statement upload is never held in memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from tempfile import SpooledTemporaryFile
from typing import Any

import anyio
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pointage.statement.api import FORM_ALLOWANCE
from pointage.web import idempotency_store as store
from pointage.web.errors import problem

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_STORED_ANSWER = 1024 * 1024
_IN_MEMORY = 1024 * 1024  # a request body past this size is spooled to a temporary file
_CHUNK = 64 * 1024
_PRUNE_EVERY = timedelta(minutes=10)
_VALID_KEY = re.compile(r"[\x20-\x7e]{1,255}")
_NOT_KEPT = {429}  # with every 5xx: the client should retry, with the same key


def install(app: FastAPI) -> None:
    """Wire the idempotency layer into the application."""
    app.add_middleware(IdempotencyMiddleware)


def _presented_key(authorization: str | None) -> tuple[str, str | None] | None:
    """The API key of a Bearer or HTTP Basic `Authorization` header, and the Basic shop id."""
    scheme, _, value = (authorization or "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value, None
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    shop_id, colon, secret = decoded.partition(":")
    return (secret, shop_id) if colon and secret else None


class _TooLarge(Exception):
    pass


class _Body:
    """A request body read whole into a spooled file, and its SHA-256."""

    def __init__(self) -> None:
        self.file: Any = SpooledTemporaryFile(max_size=_IN_MEMORY)  # noqa: SIM115
        self.digest = hashlib.sha256()
        self.size = 0

    @classmethod
    async def read(cls, receive: Receive, cap: int) -> _Body | None:
        """The body, None if the client went away; _TooLarge past `cap` bytes."""
        body = cls()
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    body.close()
                    return None
                chunk = message.get("body", b"")
                body.size += len(chunk)
                if body.size > cap:
                    raise _TooLarge
                body.digest.update(chunk)
                body.file.write(chunk)
                if not message.get("more_body", False):
                    break
        except BaseException:
            body.close()
            raise
        body.file.seek(0)
        return body

    def replay(self, receive: Receive) -> Receive:
        """A `receive` that gives the body again, then waits on the client as usual."""
        sent = False

        async def replaying() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            chunk = self.file.read(_CHUNK)
            sent = self.file.tell() >= self.size
            return {"type": "http.request", "body": chunk, "more_body": not sent}

        return replaying

    def close(self) -> None:
        self.file.close()


class _Recorder:
    """Passes the answer on as it comes, keeping a copy up to MAX_STORED_ANSWER bytes; the
    last message is held back until `flush`, once the answer is kept."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 0
        self.content_type: str | None = None
        self.parts: list[bytes] | None = []
        self.size = 0
        self.last: Message | None = None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.content_type = Headers(raw=message.get("headers", [])).get("content-type")
        elif message["type"] == "http.response.body":
            self._keep(message.get("body", b""))
            if not message.get("more_body", False):
                self.last = message
                return
        await self.send(message)

    def _keep(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.parts is None or self.size > MAX_STORED_ANSWER:
            self.parts = None
            return
        self.parts.append(chunk)

    def answer(self) -> store.Answer | None:
        """What to keep: None when the answer must not be kept (failed, unfinished)."""
        failed = self.status >= 500 or self.status in _NOT_KEPT
        if self.last is None or failed:
            return None
        body = None if self.parts is None else b"".join(self.parts)
        content_type = self.content_type if body is not None else None
        return store.Answer(self.status, content_type, body)

    async def flush(self) -> None:
        if self.last is not None:
            await self.send(self.last)


def _path(scope: Scope) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{scope['path']}?{query}" if query else str(scope["path"])


def _refusal(decision: store.Refusal, key: str) -> Callable[..., Awaitable[None]]:
    """The answer to a request that must not run."""
    if isinstance(decision, store.Replay) and decision.answer.body is not None:
        answer = decision.answer
        return _raw(answer.status, answer.content_type, answer.body or b"")
    if isinstance(decision, store.Replay):
        detail = (
            f"a request with the Idempotency-Key {key!r} was answered with status "
            f"{decision.answer.status}, but its answer was too large to keep; read the "
            "result with a GET, or send a new key to run the request again"
        )
        return problem(
            409, "Answer not stored", detail, code="idempotency_answer_not_stored", param=HEADER
        )
    if isinstance(decision, store.Busy):
        detail = (
            f"a request with the Idempotency-Key {key!r} is still running; retry once it "
            "has answered"
        )
        return problem(
            409,
            "Request in progress",
            detail,
            code="idempotency_in_progress",
            param=HEADER,
            headers={"Retry-After": "1"},
        )
    detail = (
        f"the Idempotency-Key {key!r} was already used for another request "
        f"({decision.first_method} {decision.first_path}, or another body); a new request "
        "needs a new key"
    )
    return problem(
        409, "Idempotency key reused", detail, code="idempotency_key_reused", param=HEADER
    )


def _raw(status: int, content_type: str | None, body: bytes) -> Callable[..., Awaitable[None]]:
    async def answer(_scope: Scope, _receive: Receive, send: Send) -> None:
        headers = [(b"content-length", str(len(body)).encode())]
        if content_type:
            headers.append((b"content-type", content_type.encode("latin-1")))
        headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return answer


def _invalid_key() -> Callable[..., Awaitable[None]]:
    return problem(
        422,
        "Invalid input",
        f"{HEADER} must be one value of 1 to 255 printable ASCII characters",
        code="invalid_input",
        param=HEADER,
    )


def _too_large(cap: int) -> Callable[..., Awaitable[None]]:
    return problem(
        413, "Request too large", f"the request body exceeds {cap} bytes", code="request_too_large"
    )


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._next_prune = datetime.min.replace(tzinfo=UTC)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        concerned = (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and str(scope["path"]).startswith("/v1/")
        )
        if not concerned:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        keys = headers.getlist(HEADER)
        presented = _presented_key(headers.get("authorization")) if keys else None
        caller = None
        if presented is not None:
            factory = scope["app"].state.session_factory
            caller = await run_in_threadpool(store.caller_of, factory, *presented)
        if caller is None:
            # No key, or no known caller: the route answers as usual (401 for the latter).
            await self.app(scope, receive, send)
            return
        if len(keys) != 1 or not _VALID_KEY.fullmatch(keys[0]):
            await _invalid_key()(scope, receive, send)
            return
        body = await self._body(scope, receive, send)
        if body is None:
            return
        try:
            await self._handle(scope, receive, send, caller, keys[0], body)
        finally:
            body.close()

    async def _body(self, scope: Scope, receive: Receive, send: Send) -> _Body | None:
        """The request's body; None when it was refused as too large or the client left."""
        cap = scope["app"].state.settings.statement_max_bytes + FORM_ALLOWANCE
        declared = Headers(scope=scope).get("content-length", "")
        try:
            if declared.isdigit() and int(declared) > cap:
                raise _TooLarge
            return await _Body.read(receive, cap)
        except _TooLarge:
            await _too_large(cap)(scope, receive, send)
            return None

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        caller: store.Caller,
        key: str,
        body: _Body,
    ) -> None:
        state = scope["app"].state
        now = datetime.now(UTC)
        ttl = timedelta(hours=state.settings.idempotency_ttl_hours)
        fingerprint = store.Fingerprint(scope["method"], _path(scope), body.digest.hexdigest())
        decision = await run_in_threadpool(
            lambda: store.claim(state.session_factory, caller, key, fingerprint, now=now, ttl=ttl)
        )
        if not isinstance(decision, store.Run):
            await _refusal(decision, key)(scope, receive, send)
            return
        recorder = _Recorder(send)
        try:
            await self.app(scope, body.replay(receive), recorder)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._forget(state.session_factory, decision.record_id)
            raise
        await self._keep(state.session_factory, decision.record_id, recorder.answer())
        await recorder.flush()
        await self._prune(state.session_factory, now - ttl)

    async def _keep(self, factory: Any, record_id: int, answer: store.Answer | None) -> None:
        if answer is None:
            await self._forget(factory, record_id)
            return
        try:
            now = datetime.now(UTC)
            await run_in_threadpool(store.complete, factory, record_id, answer, now)
        except Exception:
            log.exception("could not keep the answer of idempotency record %s", record_id)
            await self._forget(factory, record_id)

    async def _forget(self, factory: Any, record_id: int) -> None:
        try:
            await run_in_threadpool(store.release, factory, record_id)
        except Exception:
            # The claim stays until it counts as abandoned (store.ABANDONED_AFTER).
            log.exception("could not release idempotency record %s", record_id)

    async def _prune(self, factory: Any, cutoff: datetime) -> None:
        """Delete expired records, at most every few minutes per process."""
        now = datetime.now(UTC)
        if now < self._next_prune:
            return
        self._next_prune = now + _PRUNE_EVERY
        try:
            await run_in_threadpool(store.prune, factory, cutoff)
        except Exception:
            log.exception("could not delete expired idempotency records")
