"""The idempotency records under concurrency, on the database itself: racing claims of one
key, and the answer's last bytes held back until the answer is kept."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import anyio
from sqlalchemy import select

from pointage.auth.models import IdempotencyKey
from pointage.auth.service.keys import issue_test_key
from pointage.payment.models import Transaction
from pointage.web import idempotency_store as store
from pointage.web.app import create_app
from tests.factories import make_shop

FINGERPRINT = store.Fingerprint("POST", "/v1/transactions", "0" * 64)


def _api_key(session, settings):
    shop = make_shop(session, shop_id="12345678").shop
    secret = issue_test_key(session, shop, settings.secret_key)
    session.commit()
    return secret


def test_racing_claims_of_one_key_let_exactly_one_request_run(session, session_factory, settings):
    secret = _api_key(session, settings)
    caller = store.caller_of(session_factory, secret, None)
    assert caller is not None
    racers = 4
    barrier = threading.Barrier(racers)

    def race(key):
        barrier.wait(timeout=30)
        return store.claim(
            session_factory,
            caller,
            key,
            FINGERPRINT,
            now=datetime.now(UTC),
            ttl=timedelta(hours=24),
        )

    with ThreadPoolExecutor(racers) as pool:
        for round_ in range(8):
            decisions = list(pool.map(race, [f"race-{round_}"] * racers))
            kinds = sorted(type(d).__name__ for d in decisions)
            assert kinds == ["Busy", "Busy", "Busy", "Run"], kinds
    session.rollback()
    assert len(session.scalars(select(IdempotencyKey)).all()) == 8


def test_the_caller_is_found_by_key_and_basic_shop_id(session, session_factory, settings):
    secret = _api_key(session, settings)
    found = store.caller_of(session_factory, secret, None)
    assert found is not None and found.api_key_id is not None
    assert store.caller_of(session_factory, secret, "12345678") == found
    assert store.caller_of(session_factory, secret, "87654321") is None
    assert store.caller_of(session_factory, secret + "x", None) is None


def test_the_last_bytes_of_an_answer_are_sent_once_it_is_kept(session, settings):
    secret = _api_key(session, settings)
    app = create_app(settings)
    factory = app.state.session_factory
    states_when_finished: list[list[str]] = []
    body = b'{"amount": 100, "currency": "EUR", "detailed_status": "AUTHORISED"}'

    async def scenario() -> None:
        sent = False

        async def receive():
            nonlocal sent
            if sent:
                await anyio.sleep_forever()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            if message["type"] == "http.response.body" and not message.get("more_body"):
                states_when_finished.append(await anyio.to_thread.run_sync(_states, factory))

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/v1/transactions",
            "raw_path": b"/v1/transactions",
            "query_string": b"",
            "root_path": "",
            "server": ("test", 80),
            "client": ("127.0.0.1", 1234),
            "headers": [
                (b"host", b"test"),
                (b"content-type", b"application/json"),
                (b"authorization", f"Bearer {secret}".encode()),
                (b"idempotency-key", b"k-order"),
            ],
        }
        await app(scope, receive, send)

    anyio.run(scenario)
    # The answer is kept, and the transaction it reports is committed: a client holding the
    # whole answer can read the transaction, or retry and get the answer again.
    assert states_when_finished == [(["done"], 1)]


def _states(factory):
    with factory() as s:
        states = list(s.scalars(select(IdempotencyKey.state)))
        return states, len(s.scalars(select(Transaction.id)).all())
