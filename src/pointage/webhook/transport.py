"""How a delivery leaves Pointage: one POST to the endpoint's URL.

`WebhookTransport` is the interface; `HttpxTransport` sends for real (TLS verified, no
redirects followed, at most a short excerpt of the answer read), `MemoryTransport` keeps
what it is given and answers what a test tells it to. Either answers the status code and
the start of the body, or raises `TransportError` with a sentence saying why nothing came
back (refused, timed out, TLS failure…).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from pointage import __version__

EXCERPT_BYTES = 500
USER_AGENT = f"Pointage-Webhooks/{__version__}"


class TransportError(Exception):
    """No answer from the endpoint; `reason` is kept in the delivery log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    excerpt: str  # the first characters of the body, for the delivery log


class WebhookTransport(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Answer: ...

    def close(self) -> None: ...


class HttpxTransport:
    """A pooled HTTP/1.1 client shared by the dispatcher's threads. `verify`: True (the
    system's certificate authorities) or an SSL context (a test authority)."""

    def __init__(self, verify: bool | ssl.SSLContext = True) -> None:
        self._client = httpx.Client(
            verify=verify,
            follow_redirects=False,  # a redirect is an answer, not the endpoint's
            trust_env=False,  # never through a proxy the environment happens to name
            headers={"User-Agent": USER_AGENT},
        )

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Answer:
        try:
            with self._client.stream(
                "POST", url, content=body, headers=dict(headers), timeout=timeout
            ) as response:
                return Answer(response.status_code, _excerpt(response))
        except httpx.TimeoutException:
            raise TransportError(f"no answer within {timeout:g} s") from None
        except httpx.ConnectError as exc:
            raise TransportError(f"could not connect: {_reason(exc)}") from None
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {_reason(exc)}") from None

    def close(self) -> None:
        self._client.close()


def _excerpt(response: httpx.Response) -> str:
    received = b""
    for chunk in response.iter_bytes():
        received += chunk
        if len(received) >= EXCERPT_BYTES:
            break
    return received[:EXCERPT_BYTES].decode("utf-8", "replace")


def _reason(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:300]


@dataclass(frozen=True)
class SentRequest:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass
class MemoryTransport:
    """Keeps every request; answers `answer(request)` (default 200), which may raise
    TransportError to stand for an endpoint that does not answer."""

    answer: Callable[[SentRequest], Answer] = lambda _request: Answer(200, "")
    sent: list[SentRequest] = field(default_factory=list)

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Answer:
        request = SentRequest(url, body, {"User-Agent": USER_AGENT, **headers})
        self.sent.append(request)
        return self.answer(request)

    def close(self) -> None:
        return None
