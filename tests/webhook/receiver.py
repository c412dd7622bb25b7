"""A merchant's webhook endpoint for the tests: a real HTTPS server on 127.0.0.1 with a
certificate from a test authority (trustme), in a thread of its own. It checks every
delivery's signature with `pointage.webhook.signature.verify`, as a merchant would, keeps
what it received, and answers the statuses a test scripts (200 once the script is over)."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import trustme

from pointage.webhook import signature


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_error: str | None  # None: the signature checked out
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


@dataclass
class Receiver:
    """The server's state: the secret to check with, the script, what came in."""

    port: int = 0
    secrets: list[str] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    now: Callable[[], float] = time.time  # the clock the signature's timestamp is checked on
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.arrived = threading.Condition(self.lock)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/hooks"

    def answer_with(self, *statuses: int) -> None:
        with self.lock:
            self.statuses.extend(statuses)

    def wait_for(self, predicate: Callable[[list[Received]], bool], seconds: float) -> bool:
        """Wait until what was received satisfies `predicate`, or the deadline passes."""
        deadline = time.monotonic() + seconds
        with self.arrived:
            while not predicate(self.received):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.arrived.wait(left)
            return True

    def _check(self, body: bytes, header: str | None) -> str | None:
        errors = []
        for secret in self.secrets or [""]:
            try:
                signature.verify(secret, body, header, now=self.now())
                return None
            except signature.SignatureError as exc:
                errors.append(str(exc))
        return errors[0]

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        error = self._check(body, headers.get(signature.HEADER))
        with self.lock:
            status = self.statuses.popleft() if self.statuses else 200
            if error is not None:
                status = 400  # what a merchant's endpoint does with a forged delivery
            self.received.append(Received(path, headers, body, error, status))
            self.arrived.notify_all()
        return status


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            status = receiver.handle(self.path, dict(self.headers.items()), body)
            answer = b'{"received": true}' if status < 300 else b'{"error": "try later"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


class HttpsReceiver:
    """Serves a Receiver over HTTPS until closed."""

    def __init__(self, authority: trustme.CA) -> None:
        self.state = Receiver()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.state.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def client_context(authority: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts the test authority only."""
    context = ssl.create_default_context()
    authority.configure_trust(context)
    return context
