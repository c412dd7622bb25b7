"""Every error under /api-payment/V4/ answers in the gateway's shape: authentication,
request validation, unknown services and unexpected failures, never problem+json nor a
traceback; a failed call leaves nothing behind."""

from __future__ import annotations

import asyncio
import base64
import json
import logging

import pytest
from fastapi.testclient import TestClient

from pointage import __version__
from pointage.core.statuses import DetailedStatus
from pointage.payment.models import Operation, Transaction
from pointage.payment.v4 import present
from pointage.web.app import create_app
from tests.payment.v4.conftest import count, operations_of, pay, reload

UNKNOWN = "f" * 32


def _envelope(response):
    assert response.headers["content-type"] == "application/json"
    envelope = response.json()
    assert set(envelope) == {
        "webService",
        "version",
        "applicationVersion",
        "status",
        "answer",
        "ticket",
        "serverDate",
        "applicationProvider",
        "metadata",
        "mode",
        "serverUrl",
        "_type",
    }
    assert envelope["status"] == "ERROR"
    assert (envelope["version"], envelope["applicationVersion"]) == ("V4", __version__)
    assert envelope["_type"] == "V4/WebService/Response"
    answer = envelope["answer"]
    assert set(answer) == {
        "errorCode",
        "errorMessage",
        "detailedErrorCode",
        "detailedErrorMessage",
        "ticket",
        "shopId",
        "_type",
    }
    assert answer["_type"] == "V4/WebService/WebServiceError"
    assert len(answer["ticket"]) == 32
    assert envelope["ticket"] == answer["ticket"]
    return envelope


@pytest.mark.parametrize(
    "auth",
    [
        None,
        ("12345678", "prodpassword_12345678_wrong"),
        ("87654321", "the right key of another shop"),
        ("99999999", "whatever"),
    ],
)
def test_authentication_failures_answer_int_905_with_http_401(world, session, client, auth):
    if auth is not None and auth[1] == "the right key of another shop":
        auth = ("87654321", world.production.key)
    tx = pay(session, world.shop)
    response = client.post("/api-payment/V4/Transaction/Get", json={"uuid": tx.uuid}, auth=auth)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="pointage"'
    envelope = _envelope(response)
    assert (envelope["webService"], envelope["mode"]) == ("Transaction/Get", None)
    answer = envelope["answer"]
    assert answer["errorCode"] == "INT_905"
    assert answer["errorMessage"] == "wrong shop id or key"
    assert answer["detailedErrorCode"] == "authentication_failed"
    assert answer["shopId"] is None
    assert tx.uuid not in response.text


def test_a_malformed_authorization_header_is_an_authentication_failure(world, client):
    response = client.post(
        "/api-payment/V4/Transaction/Get",
        json={"uuid": UNKNOWN},
        headers={"Authorization": "Basic not-base64!"},
    )
    assert response.status_code == 401
    assert _envelope(response)["answer"]["errorCode"] == "INT_905"


def test_authentication_is_checked_before_the_body(client):
    response = client.post("/api-payment/V4/Transaction/Update", json={"nonsense": True})
    assert response.status_code == 401
    assert _envelope(response)["answer"]["errorCode"] == "INT_905"


def test_repeated_failures_are_refused_for_a_while_with_429(settings):
    limited = settings.model_copy(update={"auth_max_failures": 2})
    with TestClient(create_app(limited), raise_server_exceptions=False) as client:
        wrong = ("12345678", "prodpassword_12345678_wrong")
        for _ in range(2):
            response = client.post("/api-payment/V4/Transaction/Get", json={}, auth=wrong)
            assert response.status_code == 401
        response = client.post("/api-payment/V4/Transaction/Get", json={}, auth=wrong)

    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    answer = _envelope(response)["answer"]
    assert (answer["errorCode"], answer["detailedErrorCode"]) == ("PSP_106", "too_many_attempts")


@pytest.mark.parametrize(
    ("service", "body", "code", "message"),
    [
        ("Transaction/Get", {}, "INT_001", "uuid: Field required"),
        ("Transaction/Get", {"uuid": UNKNOWN, "formAction": "x"}, "INT_900", None),
        ("Order/Get", {"orderId": "A", "operationType": "SALE"}, "INT_001", None),
        ("Transaction/CancelOrRefund", {"uuid": UNKNOWN, "amount": 10.5}, "INT_009", None),
        ("Transaction/CancelOrRefund", {"uuid": UNKNOWN, "amount": "100"}, "INT_009", None),
        ("Transaction/CancelOrRefund", {"uuid": UNKNOWN, "amount": 0}, "INT_009", None),
        ("Transaction/CancelOrRefund", {"uuid": UNKNOWN, "currency": "eur"}, "INT_010", None),
        ("Transaction/CancelOrRefund", {"uuid": UNKNOWN, "comment": "x" * 256}, "INT_898", None),
        (
            "Transaction/Update",
            {"uuid": UNKNOWN, "cardUpdate": {"amount": 100}},
            "INT_010",
            "cardUpdate.currency: Field required",
        ),
        (
            "Transaction/Update",
            {
                "uuid": UNKNOWN,
                "cardUpdate": {
                    "amount": 100,
                    "currency": "EUR",
                    "expectedCaptureDate": "2026-03-10T10:00:00",
                },
            },
            "INT_006",
            None,
        ),
        (
            "Transaction/Update",
            {"uuid": UNKNOWN, "cardUpdate": {"amount": 1, "currency": "EUR", "x": 1}},
            "INT_900",
            "cardUpdate.x: not a parameter of this web service",
        ),
        (
            "Transaction/Duplicate",
            {
                "uuid": UNKNOWN,
                "amount": 1,
                "currency": "EUR",
                "cardDuplicate": {"captureDelay": -1},
            },
            "INT_006",
            None,
        ),
        (
            "Transaction/Duplicate",
            {"uuid": UNKNOWN, "amount": 1, "currency": "EUR", "metadata": {"a": "b"}},
            "INT_900",
            "metadata: not a parameter of this web service",
        ),
    ],
)
def test_invalid_requests_name_the_parameter(world, service, body, code, message):
    response = world.production.post(service, body)
    assert response.status_code == 200
    envelope = _envelope(response)
    assert (envelope["webService"], envelope["mode"]) == (service, "PRODUCTION")
    answer = envelope["answer"]
    assert answer["errorCode"] == code
    assert answer["detailedErrorCode"] == "invalid_input"
    assert answer["shopId"] == "12345678"
    if message is not None:
        assert answer["detailedErrorMessage"] == message


def test_a_body_that_is_not_json_is_refused(world):
    response = world.production.post(
        "Transaction/Get", None, content=b"{uuid:", headers={"Content-Type": "application/json"}
    )
    answer = _envelope(response)["answer"]
    assert (answer["errorCode"], answer["detailedErrorMessage"]) == (
        "INT_001",
        "body: not valid JSON",
    )


def test_an_input_value_is_never_echoed(world):
    secret = "4970101234560044"
    response = world.production.post(
        "Transaction/CancelOrRefund", {"uuid": UNKNOWN, "amount": secret}
    )
    assert _envelope(response)["answer"]["errorCode"] == "INT_009"
    assert secret not in response.text


@pytest.mark.parametrize(
    ("method", "path", "detail"),
    [
        ("POST", "Charge/CreatePayment", "Pointage offers no such web service"),
        ("POST", "Transaction/Refund", "Pointage offers no such web service"),
        ("GET", "Transaction/Get", "Transaction/Get is called with POST, not GET"),
    ],
)
def test_an_unknown_web_service_answers_int_901(client, method, path, detail):
    response = client.request(method, f"/api-payment/V4/{path}")
    assert response.status_code == 200
    envelope = _envelope(response)
    assert envelope["webService"] == path
    answer = envelope["answer"]
    assert answer["errorCode"] == "INT_901"
    assert answer["detailedErrorCode"] == "unknown_web_service"
    assert answer["detailedErrorMessage"].startswith(detail)


def test_the_v4_services_are_documented_and_the_catch_all_is_not(client):
    paths = client.get("/openapi.json").json()["paths"]
    v4 = sorted(p for p in paths if p.startswith("/api-payment/V4/"))
    assert v4 == [
        "/api-payment/V4/Order/Get",
        "/api-payment/V4/Transaction/Cancel",
        "/api-payment/V4/Transaction/CancelOrRefund",
        "/api-payment/V4/Transaction/Duplicate",
        "/api-payment/V4/Transaction/Get",
        "/api-payment/V4/Transaction/Update",
        "/api-payment/V4/Transaction/Validate",
    ]
    responses = paths["/api-payment/V4/Transaction/Get"]["post"]["responses"]
    assert set(responses) == {"200", "default"}


def test_an_unexpected_error_answers_500_rolls_back_and_shows_no_detail(
    world, session, monkeypatch, caplog
):
    tx = pay(session, world.shop)
    transactions, operations = count(session, Transaction), count(session, Operation)

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom: internal detail")

    # The cancel itself succeeds; building its answer fails.
    monkeypatch.setattr(present, "transaction", broken)
    with caplog.at_level(logging.ERROR):
        response = world.production.post("Transaction/Cancel", {"uuid": tx.uuid})

    assert response.status_code == 500
    envelope = _envelope(response)
    answer = envelope["answer"]
    assert (answer["errorCode"], answer["errorMessage"]) == ("PSP_999", "technical error")
    assert answer["detailedErrorCode"] == "internal_error"
    assert "boom" not in response.text
    assert "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name == "pointage.payment.v4.route" and r.exc_info]
    assert [str(r.exc_info[1]) for r in logged] == ["boom: internal detail"]
    assert reload(session, tx.uuid).detailed_status == DetailedStatus.AUTHORISED.value
    assert (count(session, Transaction), count(session, Operation)) == (transactions, operations)


def test_a_successful_operation_is_committed_before_its_answer_leaves(world, session, client):
    """What the database holds at the instant the answer starts: already the cancel."""
    tx = pay(session, world.shop)
    seen: list[str] = []
    body = json.dumps({"uuid": tx.uuid}).encode()
    token = base64.b64encode(f"12345678:{world.production.key}".encode()).decode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "server": ("testserver", 80),
        "path": "/api-payment/V4/Transaction/Cancel",
        "raw_path": b"/api-payment/V4/Transaction/Cancel",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"authorization", f"Basic {token}".encode()),
        ],
    }

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            seen.append(reload(session, tx.uuid).detailed_status)

    asyncio.run(client.app(scope, receive, send))
    assert seen == ["CANCELLED"]
    assert [op.kind for op in operations_of(session, tx.uuid)] == ["create", "cancel"]


def test_other_routes_still_answer_problem_json(client):
    response = client.get("/v1/transactions/" + UNKNOWN)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
