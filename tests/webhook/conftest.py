"""Fixtures of the webhook tests: a test certificate authority, a merchant's HTTPS endpoint
that checks signatures, settings that accept endpoints on 127.0.0.1, and a transport that
trusts the test authority."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import trustme

from pointage.settings import Settings
from pointage.webhook.transport import HttpxTransport
from tests.webhook.receiver import HttpsReceiver, Receiver, client_context


@pytest.fixture(scope="session")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https_receiver(authority: trustme.CA) -> Iterator[Receiver]:
    server = HttpsReceiver(authority)
    yield server.state
    server.close()


@pytest.fixture
def transport(authority: trustme.CA) -> Iterator[HttpxTransport]:
    made = HttpxTransport(verify=client_context(authority))
    yield made
    made.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        secret_key="test-secret-key-0123456789abcdef0123456789",
        scheduler_enabled=False,
        webhook_allow_http_loopback=True,
        webhook_timeout_seconds=5,
    )
