"""Merchant operations through the resource API (validate, cancel, modify, refund,
duplicate) and a transaction's operations log: the state machine decides, the log keeps the
API as the source, and a key acts only on its own shop's transactions of its mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from pointage.core.statuses import DetailedStatus, Mode
from pointage.payment.models import Operation, Transaction
from pointage.remittance.service import capture_contract
from tests.payment.api_builders import OTHER, add, shop_with_keys

NOW = datetime.now(UTC) - timedelta(minutes=5)
TODAY = NOW.astimezone(ZoneInfo("Europe/Paris")).date()


@pytest.fixture
def shop(session, settings):
    """Shop A with a payment in each state the operations care about, and another shop."""
    keys = shop_with_keys(session, settings.secret_key)
    setup = keys.setup
    captured = add(session, setup, created_at=NOW, order_id="CAPTURED", amount=5_000)
    test_captured = add(session, setup, created_at=NOW, order_id="TEST", mode=Mode.TEST)
    capture_contract(session, setup.contract.id, TODAY)
    made = {
        "captured": captured,
        "test_captured": test_captured,
        "authorised": add(
            session,
            setup,
            created_at=NOW,
            order_id="AUTH",
            amount=4_000,
            capture_date=TODAY + timedelta(days=2),
        ),
        "to_validate": add(
            session,
            setup,
            created_at=NOW,
            order_id="VAL",
            status=DetailedStatus.AUTHORISED_TO_VALIDATE,
            capture_date=TODAY + timedelta(days=2),
        ),
        "test_authorised": add(
            session,
            setup,
            created_at=NOW,
            order_id="TEST-AUTH",
            mode=Mode.TEST,
            capture_date=TODAY + timedelta(days=2),
        ),
    }
    keys.uuids = {name: tx.uuid for name, tx in made.items()}
    keys.other = shop_with_keys(session, settings.secret_key, shop_id=OTHER)
    session.commit()
    return keys


def post(client, shop, name, operation, body=None, headers=None):
    return client.post(
        f"/v1/transactions/{shop.uuids[name]}/{operation}",
        json=body,
        headers=shop.production if headers is None else headers,
    )


def log_of(session, uuid):
    tx = session.scalar(select(Transaction).where(Transaction.uuid == uuid))
    ops = session.scalars(
        select(Operation).where(Operation.transaction_pk == tx.id).order_by(Operation.id)
    ).all()
    session.rollback()  # release SQLite's lock for the next request
    return ops


def test_validate_authorises_and_logs_the_api_as_source(client, shop, session):
    response = post(client, shop, "to_validate", "validate", {"comment": "checked stock"})
    assert response.status_code == 200, response.text
    assert response.json()["detailed_status"] == "AUTHORISED"
    last = log_of(session, shop.uuids["to_validate"])[-1]
    assert (last.kind, last.source, last.actor, last.comment) == (
        "validate",
        "api",
        "api:12345678",
        "checked stock",
    )
    assert last.before["detailed_status"] == "AUTHORISED_TO_VALIDATE"


def test_validate_and_cancel_need_no_body(client, shop):
    assert post(client, shop, "to_validate", "validate").json()["status"] == "PAID"
    cancelled = post(client, shop, "authorised", "cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["detailed_status"] == "CANCELLED"


@pytest.mark.parametrize(
    ("name", "operation", "body"),
    [
        ("authorised", "validate", None),
        ("captured", "cancel", None),
        ("captured", "modify", {"amount": 100}),
        ("authorised", "modify", {"amount": 4_001}),  # an amount only goes down
        ("authorised", "refund", None),  # not captured: cancel it instead
        ("captured", "refund", {"amount": 5_001}),
        ("authorised", "duplicate", None),
    ],
)
def test_an_operation_the_state_forbids_is_a_conflict_that_changes_nothing(
    client, shop, session, name, operation, body
):
    before = len(log_of(session, shop.uuids[name]))
    response = post(client, shop, name, operation, body)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "operation_not_allowed"
    assert len(log_of(session, shop.uuids[name])) == before
    count = session.scalar(select(func.count()).select_from(Transaction))
    session.rollback()
    assert count == 5


def test_modify_lowers_the_amount_and_moves_the_capture_date(client, shop):
    later = TODAY + timedelta(days=3)
    response = post(
        client, shop, "authorised", "modify", {"amount": 3_500, "capture_date": later.isoformat()}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["amount"], body["original_amount"]) == (3_500, 4_000)
    assert body["expected_capture_date"] == later.isoformat()


@pytest.mark.parametrize(
    ("operation", "body", "param"),
    [
        ("modify", {}, "amount"),
        ("modify", {"amount": 0}, "amount"),
        ("modify", {"amount": "100"}, "amount"),
        ("modify", {"capture_date": "tomorrow"}, "capture_date"),
        ("modify", {"amount": 100, "colour": "red"}, "colour"),
        ("validate", {"comment": "x" * 1001}, "comment"),
        ("cancel", {"reason": "no"}, "reason"),
        ("refund", {"amount": -5}, "amount"),
        ("duplicate", {"manual_validation": "perhaps"}, "manual_validation"),
        ("duplicate", {"order_id": ""}, "order_id"),
    ],
)
def test_a_bad_body_is_refused_naming_the_field(client, shop, operation, body, param):
    response = post(client, shop, "authorised", operation, body)
    assert response.status_code == 422, response.text
    assert response.json()["param"] == param


def test_refunds_are_new_credit_transactions_up_to_the_captured_amount(client, shop, session):
    first = post(client, shop, "captured", "refund", {"amount": 2_000, "comment": "one item"})
    assert first.status_code == 201, first.text
    refund = first.json()
    assert (refund["operation_type"], refund["amount"], refund["mode"]) == (
        "CREDIT",
        2_000,
        "PRODUCTION",
    )
    assert refund["parent_uuid"] == shop.uuids["captured"]
    assert refund["detailed_status"] == "AUTHORISED"
    rest = post(client, shop, "captured", "refund")
    assert rest.status_code == 201 and rest.json()["amount"] == 3_000
    assert post(client, shop, "captured", "refund").status_code == 409
    created = log_of(session, refund["uuid"])
    assert [(op.kind, op.source, op.comment) for op in created] == [("refund", "api", "one item")]


def test_duplicate_copies_a_captured_payment_into_a_new_one(client, shop):
    response = post(
        client,
        shop,
        "captured",
        "duplicate",
        {"amount": 1_234, "order_id": "REORDER-1", "manual_validation": True},
    )
    assert response.status_code == 201, response.text
    copy = response.json()
    assert (copy["operation_type"], copy["amount"], copy["order_id"]) == (
        "DEBIT",
        1_234,
        "REORDER-1",
    )
    assert copy["detailed_status"] == "AUTHORISED_TO_VALIDATE"
    assert copy["contract_number"] == "C12345678"
    assert copy["uuid"] != shop.uuids["captured"]


def test_a_test_mode_key_operates_on_test_mode_transactions(client, shop):
    captured = client.get(f"/v1/transactions/{shop.uuids['test_captured']}", headers=shop.test)
    # The batch captured it in no remittance: no bank will ever credit a test payment.
    assert captured.json()["detailed_status"] == "CAPTURED"
    assert captured.json()["remittance_id"] is None
    response = post(client, shop, "test_captured", "refund", headers=shop.test)
    assert response.status_code == 201, response.text
    assert response.json()["mode"] == "TEST"
    assert post(client, shop, "test_authorised", "cancel", headers=shop.test).status_code == 200


ROUTES = [
    ("post", "validate"),
    ("post", "cancel"),
    ("post", "modify"),
    ("post", "refund"),
    ("post", "duplicate"),
    ("get", "operations"),
    ("get", ""),
]


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_another_shops_or_modes_transaction_is_not_found_on_every_route(
    client, shop, session, method, route
):
    cases = [
        ("captured", shop.other.production),  # another shop
        ("captured", shop.test),  # a production transaction, a test key
        ("test_authorised", shop.production),  # a test transaction, a production key
    ]
    for name, headers in cases:
        url = f"/v1/transactions/{shop.uuids[name]}" + (f"/{route}" if route else "")
        if method == "post":
            response = client.post(url, json={"comment": "probe"}, headers=headers)
        else:
            response = client.get(url, headers=headers)
        assert response.status_code == 404, (name, response.text)
        assert response.json()["code"] == "not_found"
    count = session.scalar(select(func.count()).select_from(Operation))
    session.rollback()
    assert count == 7  # one creation each, two captures: nothing more


def test_the_operations_log_pages_newest_first(client, shop):
    post(client, shop, "authorised", "modify", {"amount": 3_900, "comment": "first"})
    post(client, shop, "authorised", "modify", {"amount": 3_800, "comment": "second"})
    post(client, shop, "authorised", "cancel", {"comment": "third"})
    url = f"/v1/transactions/{shop.uuids['authorised']}/operations"
    first = client.get(f"{url}?limit=2", headers=shop.production).json()
    assert [op["comment"] for op in first["data"]] == ["third", "second"]
    assert first["has_more"] is True
    rest = client.get(
        f"{url}?limit=2&starting_after={first['data'][-1]['id']}", headers=shop.production
    ).json()
    assert [(op["kind"], op["comment"]) for op in rest["data"]] == [
        ("modify", "first"),
        ("create", None),
    ]
    assert rest["has_more"] is False
    create = rest["data"][-1]
    assert create["source"] == "api" and create["before"] is None
    assert create["after"]["amount_minor"] == 4_000
    assert first["data"][0]["before"]["amount_minor"] == 3_800


def test_the_log_refuses_a_cursor_of_another_transactions_log(client, shop):
    url = f"/v1/transactions/{shop.uuids['captured']}/operations"
    other = client.get(
        f"/v1/transactions/{shop.uuids['authorised']}/operations", headers=shop.production
    ).json()["data"][0]["id"]
    for cursor in (other, "abc", "٣"):
        response = client.get(f"{url}?starting_after={cursor}", headers=shop.production)
        assert response.status_code == 404
        assert response.json()["param"] == "starting_after"
