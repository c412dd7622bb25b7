"""Transaction/Get's quick way (pointage.payment.v4.route.quick_read): a plain request is
answered without FastAPI's solving of parameters; every other request takes FastAPI's way
and answers exactly as before."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import routing as fastapi_routing
from sqlalchemy import select

from pointage.auth.keys import hash_key
from pointage.auth.models import ApiKey
from tests.payment.v4.conftest import pay

VOLATILE = ("serverDate", "ticket")


@pytest.fixture
def solved(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The endpoints whose parameters FastAPI solved."""
    calls: list[str] = []
    original = fastapi_routing.solve_dependencies

    async def counting(*args: Any, **kwargs: Any) -> Any:
        call = kwargs["dependant"].call
        calls.append(getattr(call, "__name__", repr(call)))
        return await original(*args, **kwargs)

    monkeypatch.setattr(fastapi_routing, "solve_dependencies", counting)
    return calls


def _stable(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: _stable(v) for k, v in body.items() if k not in VOLATILE}
    return body


def _get(world: Any, content: bytes, content_type: str | None) -> Any:
    headers = {} if content_type is None else {"Content-Type": content_type}
    return world.production.client.post(
        "/api-payment/V4/Transaction/Get",
        content=content,
        headers=headers,
        auth=(world.production.shop_id, world.production.key),
    )


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
def test_a_plain_request_is_answered_without_solving_parameters(
    world, session, solved, content_type
):
    tx = pay(session, world.shop, amount=4_200)
    session.commit()
    response = _get(world, b'{"uuid": "%s"}' % tx.uuid.encode(), content_type)
    assert response.status_code == 200
    envelope = response.json()
    assert envelope["status"] == "SUCCESS"
    assert envelope["answer"]["uuid"] == tx.uuid
    assert envelope["answer"]["amount"] == 4_200
    assert "transaction_get" not in solved


@pytest.mark.parametrize(
    ("content", "content_type", "code", "solving"),
    [
        (b"", "application/json", "INT_001", True),  # no body: uuid missing
        (b'{"uuid": 42}', "application/json", "INT_001", True),  # refused by the model
        (b'{"uuid": "x", "extra": 1}', "application/json", "INT_900", True),  # unknown
        # FastAPI refuses these before it solves anything: not JSON, not UTF-8.
        (b"{uuid:", "application/json", "INT_001", False),
        (b"\xff\xfe", "application/json", "INT_001", False),
        (b"[" * 100_000, "application/json", "INT_001", False),  # deeper than the parser goes
        # Not declared JSON: FastAPI does not read it as JSON, so the uuid is missing.
        (b'{"uuid": "0123456789abcdef0123456789abcdef"}', "text/plain", "INT_001", True),
        (b'{"uuid": "0123456789abcdef0123456789abcdef"}', None, "INT_001", True),
        # JSON all the same for FastAPI: a uuid the shop does not have.
        (b'{"uuid": "0123456789abcdef0123456789abcdef"}', "application/x+json", "PSP_010", True),
    ],
)
def test_any_other_request_takes_fastapis_way_and_answers_as_it_does(
    world, solved, content, content_type, code, solving
):
    response = _get(world, content, content_type)
    assert ("transaction_get" in solved) is solving
    envelope = response.json()
    assert envelope["webService"] == "Transaction/Get"
    assert envelope["status"] == "ERROR"
    assert envelope["answer"]["errorCode"] == code


def test_both_ways_answer_the_same_for_the_same_transaction(world, session, solved):
    tx = pay(session, world.shop, amount=1_999, order_id="CMD-Q")
    session.commit()
    plain = _get(world, b'{"uuid": "%s"}' % tx.uuid.encode(), "application/json")
    # A JSON type FastAPI accepts and the quick way leaves to it: the same transaction.
    other = _get(world, b'{"uuid": "%s"}' % tx.uuid.encode(), "application/vnd.test+json")
    assert solved.count("transaction_get") == 1
    assert plain.status_code == other.status_code == 200
    assert plain.headers["content-type"] == other.headers["content-type"]
    assert _stable(plain.json()) == _stable(other.json())


def test_a_key_used_on_the_quick_way_has_its_last_use_recorded(world, session, settings):
    tx = pay(session, world.shop)
    session.commit()
    body = b'{"uuid": "%s"}' % tx.uuid.encode()
    key_hash = hash_key(world.production.key)
    assert session.scalar(select(ApiKey.last_used_at).where(ApiKey.key_hash == key_hash)) is None
    session.rollback()  # the test's transaction ended: the use can be written meanwhile
    assert _get(world, body, "application/json").status_code == 200
    session.expire_all()
    assert session.scalar(select(ApiKey.last_used_at).where(ApiKey.key_hash == key_hash))


def test_a_wrong_key_on_a_plain_request_is_an_authentication_failure(world, session, solved):
    tx = pay(session, world.shop)
    session.commit()
    response = world.production.client.post(
        "/api-payment/V4/Transaction/Get",
        content=b'{"uuid": "%s"}' % tx.uuid.encode(),
        headers={"Content-Type": "application/json"},
        auth=(world.production.shop_id, world.production.key + "x"),
    )
    assert response.status_code == 401
    assert response.json()["answer"]["errorCode"] == "INT_905"
    assert "transaction_get" not in solved
