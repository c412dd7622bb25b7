"""End to end, as a merchant lives it: the application serving on a real port with its
dispatcher running, the merchant's HTTPS endpoint registered, a payment cancelled through
the API; the cancellation reaches the endpoint, signed, within seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn

from pointage.auth.service.keys import issue_production_key
from pointage.core.statuses import Mode
from pointage.db.session import unit_of_work
from pointage.shop import service as shop_service
from pointage.web.app import create_app
from pointage.webhook.service.endpoints import Owner, create_endpoint
from tests.factories import make_payment
from tests.report.delivery.servers import free_port

DEADLINE_SECONDS = 20  # a bound for a loaded machine, not a speed expectation


@pytest.fixture
def served(settings, transport) -> Iterator[str]:
    """The application on 127.0.0.1 with its scheduler, hence its dispatcher, running (one
    poll a second, the default)."""
    live = settings.model_copy(update={"scheduler_enabled": True})
    app = create_app(live)
    app.state.webhook_transport = transport
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=DEADLINE_SECONDS)


@dataclass(frozen=True)
class Merchant:
    key: str
    payment_uuid: str


@pytest.fixture
def merchant(session_factory, settings, https_receiver) -> Merchant:
    """A shop without a contract (the capture scheduler leaves its payments alone), its
    production key, its endpoint (the HTTPS receiver) and an authorised payment."""
    with unit_of_work(session_factory) as session:
        owner = shop_service.create_merchant(session, "Merchant")
        shop = shop_service.create_shop(session, owner, shop_id="12345678", name="Shop")
        key = issue_production_key(session, shop, settings.secret_key)
        made = create_endpoint(
            session,
            Owner(shop, Mode.PRODUCTION, "test"),
            url=https_receiver.url,
            event_types=["transaction.updated"],
            description=None,
            enabled=True,
            secret_key=settings.secret_key,
            allow_loopback=True,
        )
        payment = make_payment(session, shop, created_at=datetime.now(UTC))
    https_receiver.secrets = [made.secret]
    return Merchant(key, payment.uuid)


def test_a_cancellation_through_the_api_reaches_the_endpoint_within_seconds(
    served, merchant, https_receiver
):
    headers = {"Authorization": f"Bearer {merchant.key}"}
    with httpx.Client(base_url=served, headers=headers, timeout=10) as api:
        cancelled = api.post(
            f"/v1/transactions/{merchant.payment_uuid}/cancel", json={"comment": "out of stock"}
        )
        assert cancelled.status_code == 200, cancelled.text

    def cancellation_arrived(received):
        return any(r.event["data"]["object"]["detailed_status"] == "CANCELLED" for r in received)

    assert https_receiver.wait_for(cancellation_arrived, DEADLINE_SECONDS)
    [told] = [r for r in https_receiver.received if cancellation_arrived([r])]
    assert told.signature_error is None
    assert told.event["type"] == "transaction.updated"
    assert told.event["data"]["object"]["uuid"] == merchant.payment_uuid
    assert told.event["data"]["previous_attributes"]["detailed_status"] == "AUTHORISED"
