"""The V4 answers are plain dicts encoded once: byte for byte what the Pydantic models of
payment.v4.answers dumped (tests/payment/v4/pydantic_reference.py), for every kind of
transaction, order and error, and through HTTP for every service's envelope."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic_core import to_json
from sqlalchemy.orm import Session

from pointage.core.statuses import DetailedStatus, Mode, OperationType
from pointage.payment.repository import TransactionRow
from pointage.payment.v4 import present
from pointage.payment.v4.repository import TransactionView, V4Repository
from tests.payment.v4 import pydantic_reference as reference
from tests.payment.v4.conftest import captured, pay

ROW = TransactionRow(
    id=1,
    uuid="0f3c2a9b8d7e4f6a1b2c3d4e5f607182",
    shop_id=1,
    transaction_id="000123",
    transaction_date=date(2026, 3, 2),
    order_id="CMD-1",
    operation_type="DEBIT",
    amount_minor=12_345,
    original_amount_minor=15_000,
    currency="EUR",
    detailed_status="CAPTURED",
    status="PAID",
    card_brand="CB",
    card_masked="497010XXXXXX0055",
    authorisation_number="3fc116",
    customer_reference=None,
    created_at=datetime(2026, 3, 2, 9, 15, 30, 999_999, tzinfo=UTC),
    expected_capture_date=date(2026, 3, 5),
    captured_at=datetime(2026, 3, 5, 1, 0, 0, 1, tzinfo=UTC),
    contract_id=1,
    remittance_id=1,
    parent_id=None,
    reconciliation_status="reconciled",
    dispute_flag="no",
    mode="PRODUCTION",
    updated_at=datetime(2026, 3, 5, tzinfo=UTC),
)
VIEW = TransactionView(ROW, "1234567", 42, date(2026, 3, 5), date(2026, 3, 7), None, 2_500)
PARIS = SimpleNamespace(shop_id="12345678", timezone="Europe/Paris")
# Text a merchant may put in an order id: quotes, backslashes, controls, accents, emoji.
ODD = 'a"b\\c\n\t\r\x01\x1f\x7f é € 😀 \u2028 </script>'


def _view(view: TransactionView = VIEW, **row: Any) -> TransactionView:
    return replace(view, tx=replace(view.tx, **row))


VIEWS = {
    "captured payment": VIEW,
    "authorised, nothing captured": replace(
        _view(detailed_status="AUTHORISED", status="RUNNING", captured_at=None),
        contract_number=None,
        remittance_number=None,
        remittance_date=None,
        expected_credit_date=None,
        refunded_minor=0,
    ),
    "waiting for validation": _view(detailed_status="AUTHORISED_TO_VALIDATE", status="RUNNING"),
    "waiting authorisation to validate": _view(
        detailed_status="WAITING_AUTHORISATION_TO_VALIDATE", status="RUNNING"
    ),
    "refund": replace(
        _view(operation_type="CREDIT", parent_id=7), parent_uuid="ab" * 16, refunded_minor=0
    ),
    "duplicate": replace(_view(parent_id=7), parent_uuid="cd" * 16),
    "verification": _view(operation_type="VERIFICATION", amount_minor=0, original_amount_minor=0),
    "test mode": _view(mode="TEST"),
    "nulls": _view(order_id=None, card_brand=None, card_masked=None, authorisation_number=None),
    "odd text": _view(order_id=ODD, card_brand="VISA é", authorisation_number='"\\'),
    "chargeback": _view(reconciliation_status="to_review", dispute_flag="yes"),
    "big amounts": _view(amount_minor=10**13, original_amount_minor=10**13, currency="JPY"),
    "instants not in UTC": _view(
        created_at=datetime(2026, 10, 25, 2, 30, 59, 500_000, tzinfo=timezone(timedelta(hours=5))),
        captured_at=datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=9))),
    ),
    "capture on a change of time": _view(expected_capture_date=date(2026, 3, 29)),
}
SHOPS = {
    "Paris": PARIS,
    "Kolkata": SimpleNamespace(shop_id="00000001", timezone="Asia/Kolkata"),
    "Chatham": SimpleNamespace(shop_id="99999999", timezone="Pacific/Chatham"),
    "New York": SimpleNamespace(shop_id="1", timezone="America/New_York"),
}


@pytest.mark.parametrize("shop", SHOPS.values(), ids=SHOPS.keys())
@pytest.mark.parametrize("view", VIEWS.values(), ids=VIEWS.keys())
def test_a_transaction_is_what_the_models_dumped(view, shop):
    assert to_json(present.transaction(view, shop)) == (
        reference.transaction(view, shop).model_dump_json().encode()
    )


def test_the_odd_text_is_written_as_the_models_wrote_it():
    # Non-ASCII characters unescaped, controls escaped: what a client of the gateway parses.
    answer = to_json(present.transaction(VIEWS["odd text"], PARIS))
    assert "é € 😀".encode() in answer
    assert json.loads(answer)["orderDetails"]["orderId"] == ODD


@pytest.mark.parametrize(
    "names",
    [
        ["captured payment"],
        ["refund", "captured payment", "duplicate"],
        ["refund"],
        ["authorised, nothing captured", "waiting for validation"],
        ["verification", "test mode", "odd text"],
    ],
)
def test_an_order_is_what_the_models_dumped(names):
    views = [VIEWS[name] for name in names]
    now = datetime(2026, 3, 5, 12, 0, 0, 123_456, tzinfo=UTC)
    assert to_json(present.order(views, ODD, PARIS, now)) == (
        reference.order(views, ODD, PARIS, now).model_dump_json().encode()
    )


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 2, 9, 15, 30, 999_999, tzinfo=UTC),
        datetime(2026, 3, 2, 0, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
        datetime(1, 1, 1, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 59, 59, 1, tzinfo=UTC),
    ],
)
def test_an_instant_is_written_to_the_second_in_utc(moment):
    assert present.instant(moment) == reference.instant(moment)


# --- Through HTTP: each envelope, byte for byte ------------------------------------------


def _check(response: Any, answer: Any) -> None:
    """The body is the models' dump of the answer in the envelope answered."""
    assert response.headers["content-type"] == "application/json"
    assert response.content == reference.envelope(response.json(), answer)


def _view_of(session: Session, shop: Any, uuid: str, mode: Mode = Mode.PRODUCTION) -> Any:
    with Session(session.get_bind()) as reader:
        view = V4Repository(reader).view(shop.id, mode, uuid)
    assert view is not None
    return view


def _transaction_check(world, session, caller, uuid, mode=Mode.PRODUCTION):
    response = caller.post("Transaction/Get", {"uuid": uuid})
    assert response.status_code == 200
    assert response.json()["status"] == "SUCCESS"
    view = _view_of(session, world.shop.shop, uuid, mode)
    _check(response, reference.transaction(view, world.shop.shop))


def test_transaction_get_is_what_the_models_dumped(world, session):
    payment = captured(session, world.shop, amount=10_000, order_id=ODD)
    refund = pay(
        session,
        world.shop,
        operation_type=OperationType.CREDIT,
        amount=700,
        parent_uuid=payment.uuid,
    )
    waiting = pay(session, world.shop, status=DetailedStatus.AUTHORISED_TO_VALIDATE)
    test = pay(session, world.shop, mode=Mode.TEST, currency="USD")

    for tx in (payment, refund, waiting):
        _transaction_check(world, session, world.production, tx.uuid)
    _transaction_check(world, session, world.test, test.uuid, Mode.TEST)


def test_order_get_and_the_operations_are_what_the_models_dumped(world, session):
    payment = captured(session, world.shop, amount=3_000, order_id="CMD-9")
    pay(
        session, world.shop, operation_type=OperationType.CREDIT, amount=5, parent_uuid=payment.uuid
    )
    response = world.production.post("Order/Get", {"orderId": "CMD-9"})
    answered = response.json()
    with Session(session.get_bind()) as reader:
        views = V4Repository(reader).order(world.shop.shop.id, Mode.PRODUCTION, "CMD-9", None, 31)
    now = datetime.fromisoformat(answered["answer"]["serverDate"])
    _check(response, reference.order(views, "CMD-9", world.shop.shop, now))

    body = {"uuid": payment.uuid, "amount": 100, "currency": "EUR"}
    response = world.production.post("Transaction/CancelOrRefund", body)
    refund_uuid = response.json()["answer"]["uuid"]
    _check(
        response,
        reference.transaction(_view_of(session, world.shop.shop, refund_uuid), world.shop.shop),
    )

    waiting = pay(session, world.shop, status=DetailedStatus.AUTHORISED_TO_VALIDATE)
    response = world.production.post("Transaction/Validate", {"uuid": waiting.uuid})
    _check(
        response,
        reference.transaction(_view_of(session, world.shop.shop, waiting.uuid), world.shop.shop),
    )


@pytest.mark.parametrize(
    ("service", "body", "key", "status"),
    [
        ("Transaction/Get", {"uuid": "f" * 32}, "production", 200),  # not found
        ("Transaction/Get", "other shop", "production", 200),  # another shop's: not found
        ("Transaction/Get", "production", "test", 200),  # the other mode's: not found
        ("Transaction/Get", {"uuid": "x", "amount": 1}, "production", 200),  # unknown field
        ("Transaction/Get", {"uuid": ""}, "production", 200),  # invalid field
        ("Transaction/Get", {"uuid": "x"}, "wrong", 401),  # wrong key
        ("Order/Get", {"orderId": ODD}, "production", 200),  # not found, odd text
        ("Transaction/Nothing", {}, "production", 200),  # unknown service
    ],
)
def test_errors_are_what_the_models_dumped(world, session, service, body, key, status):
    other = pay(session, world.other)
    own = pay(session, world.shop)
    if isinstance(body, str):  # a transaction of this test's
        body = {"uuid": {"other shop": other.uuid, "production": own.uuid}[body]}
    callers = {"production": world.production, "test": world.test}
    caller = callers.get(key) or replace(world.production, key="not-the-key")
    response = caller.post(service, body)

    assert response.status_code == status
    answered = response.json()
    assert answered["status"] == "ERROR"
    _check(response, reference.error(answered["answer"]))
