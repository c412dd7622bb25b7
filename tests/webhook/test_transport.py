"""Every transport keeps the same contract: an answer is its status and the start of its
body, whatever the status; no answer at all is a TransportError with a reason. Run against
the real HTTPS client (to the test endpoint, and to a port nobody listens on) and the
in-memory one the other tests use, scripted to answer as the test endpoint does."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from pointage.webhook.signature import HEADER, header_value
from pointage.webhook.transport import (
    Answer,
    HttpxTransport,
    MemoryTransport,
    SentRequest,
    TransportError,
    WebhookTransport,
)
from tests.report.delivery.servers import free_port
from tests.webhook.receiver import Receiver, client_context

SECRET = "whsec_transport"
BODY = b'{"id":"evt_1"}'
ACCEPTED = '{"received": true}'
REFUSED = '{"error": "try later"}'


class Endpoint:
    """An endpoint that answers `status` next (None: nobody answers), reached through
    either transport."""

    def __init__(self, kind: str, receiver: Receiver, authority: object) -> None:
        self.kind = kind
        self.receiver = receiver
        self.status: int | None = 200
        if kind == "httpx":
            self.transport: WebhookTransport = HttpxTransport(verify=client_context(authority))
        else:
            self.transport = MemoryTransport(self._answer)

    def _answer(self, request: SentRequest) -> Answer:
        if self.status is None:
            raise TransportError("could not connect: [Errno 111] Connection refused")
        return Answer(self.status, ACCEPTED if self.status < 300 else REFUSED)

    def post(self) -> Answer:
        url = self.receiver.url
        if self.kind == "httpx":
            if self.status is None:
                url = f"https://127.0.0.1:{free_port()}/hooks"
            else:
                self.receiver.answer_with(self.status)
        headers = {
            "Content-Type": "application/json",
            HEADER: header_value([SECRET], BODY, int(time.time())),
        }
        return self.transport.post(url, BODY, headers, timeout=5)


@pytest.fixture(params=["httpx", "memory"])
def endpoint(request, https_receiver, authority) -> Iterator[Endpoint]:
    https_receiver.secrets = [SECRET]
    made = Endpoint(request.param, https_receiver, authority)
    yield made
    made.transport.close()


@pytest.mark.parametrize(
    ("status", "excerpt"), [(200, ACCEPTED), (202, ACCEPTED), (500, REFUSED), (503, REFUSED)]
)
def test_an_answer_is_its_status_and_the_start_of_its_body(endpoint, status, excerpt):
    endpoint.status = status
    assert endpoint.post() == Answer(status, excerpt)


def test_no_answer_is_a_transport_error_with_a_reason(endpoint):
    endpoint.status = None
    with pytest.raises(TransportError) as raised:
        endpoint.post()
    assert raised.value.reason.startswith("could not connect")
