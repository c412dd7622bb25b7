"""POST /ipn: the gateway's signed notifications."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from pointage.auth.keys import sign
from pointage.auth.service.keys import issue_test_key
from pointage.payment.models import Operation, Transaction
from tests.factories import IBAN_BANK_B, make_shop

UUID = "971b6b3b9e364e87bfbe9886b3a75df4"


@pytest.fixture
def keys(session, settings):
    setup = make_shop(session, shop_id="69876357")
    key = issue_test_key(session, setup.shop, settings.secret_key)
    other = make_shop(session, shop_id="11112222", iban=IBAN_BANK_B)
    other_key = issue_test_key(session, other.shop, settings.secret_key)
    session.commit()
    return {"own": key, "other": other_key}


def _answer(detailed_status="AUTHORISED", amount=990, shop_id="69876357", **tx_overrides):
    transaction = {
        "shopId": shop_id,
        "uuid": UUID,
        "amount": amount,
        "currency": "EUR",
        "paymentMethodType": "CARD",
        "status": "PAID",
        "detailedStatus": detailed_status,
        "operationType": "DEBIT",
        "creationDate": "2026-03-02T08:35:09+00:00",
        "transactionDetails": {
            "cardDetails": {
                "manualValidation": "NO",
                "expectedCaptureDate": "2026-03-02T08:35:09+00:00",
                "effectiveBrand": "CB",
                "pan": "497010XXXXXX0055",
                "legacyTransId": "900147",
                "authorizationResponse": {"authorizationNumber": "3fe034"},
            },
            "parentTransactionUuid": None,
            "mid": None,
        },
    }
    transaction.update(tx_overrides)
    return json.dumps(
        {
            "shopId": shop_id,
            "orderCycle": "CLOSED",
            "orderStatus": "PAID",
            "orderDetails": {
                "orderTotalAmount": amount,
                "orderCurrency": "EUR",
                "orderId": "myOrderId-187033",
            },
            "customer": {"reference": "CUST-9", "email": "sample@example.com"},
            "transactions": [transaction],
            "_type": "V4/Payment",
        }
    )


def _form(answer, key, **extra):
    form = {
        "kr-answer": answer,
        "kr-hash": sign(answer.encode(), key),
        "kr-hash-algorithm": "sha256_hmac",
        "kr-hash-key": "password",
        "kr-answer-type": "V4/Payment",
    }
    form.update(extra)
    return {k: v for k, v in form.items() if v is not None}


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_a_signed_notification_stores_the_transaction(client, keys, session):
    response = client.post("/ipn", data=_form(_answer(), keys["own"]))
    assert response.status_code == 200, response.text
    assert response.json()["transactions"] == [{"uuid": UUID, "created": True, "changed": True}]
    tx = session.scalars(select(Transaction)).one()
    assert tx.transaction_id == "900147"
    assert tx.order_id == "myOrderId-187033"
    assert tx.customer_reference == "CUST-9"
    assert tx.card_masked == "497010XXXXXX0055"
    assert tx.authorisation_number == "3fe034"
    op = session.scalars(select(Operation)).one()
    assert (op.source, op.kind) == ("ipn", "create")


def test_a_replayed_notification_is_idempotent(client, keys, session):
    form = _form(_answer(), keys["own"])
    client.post("/ipn", data=form)
    again = client.post("/ipn", data=form)
    assert again.status_code == 200
    assert again.json()["transactions"] == [{"uuid": UUID, "created": False, "changed": False}]
    assert _count(session, Transaction) == 1
    assert _count(session, Operation) == 1


def test_a_later_notification_moves_the_status_forward(client, keys, session):
    client.post("/ipn", data=_form(_answer("WAITING_AUTHORISATION"), keys["own"]))
    client.post("/ipn", data=_form(_answer("AUTHORISED"), keys["own"]))
    tx = session.scalars(select(Transaction)).one()
    assert tx.detailed_status == "AUTHORISED"
    kinds = [op.kind for op in session.scalars(select(Operation).order_by(Operation.id))]
    assert kinds == ["create", "update"]


def test_manual_validation_means_authorised_to_validate(client, keys, session):
    answer = json.loads(_answer())
    answer["transactions"][0]["transactionDetails"]["cardDetails"]["manualValidation"] = "YES"
    text = json.dumps(answer)
    assert client.post("/ipn", data=_form(text, keys["own"])).status_code == 200
    assert session.scalars(select(Transaction)).one().detailed_status == "AUTHORISED_TO_VALIDATE"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda f: f.pop("kr-hash"), id="missing signature"),
        pytest.param(lambda f: f.update({"kr-hash": "0" * 64}), id="wrong signature"),
        pytest.param(lambda f: f.update({"kr-hash": "zz"}), id="garbage signature"),
        pytest.param(
            lambda f: f.update(
                {
                    "kr-answer": f["kr-answer"].replace("990", "1"),
                }
            ),
            id="answer changed after signing",
        ),
        pytest.param(lambda f: f.update({"kr-hash-algorithm": "md5"}), id="other algorithm"),
        pytest.param(lambda f: f.update({"kr-hash-key": "sha256_hmac"}), id="browser key"),
    ],
)
def test_a_bad_or_missing_signature_is_refused_and_stores_nothing(client, keys, session, tamper):
    form = _form(_answer(), keys["own"])
    tamper(form)
    response = client.post("/ipn", data=form)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert _count(session, Transaction) == 0


def test_a_notification_signed_with_another_shops_key_is_refused(client, keys, session):
    response = client.post("/ipn", data=_form(_answer(), keys["other"]))
    assert response.status_code == 401
    assert _count(session, Transaction) == 0


def test_an_unknown_shop_gets_the_same_answer_as_a_bad_signature(client, keys):
    unknown = client.post("/ipn", data=_form(_answer(shop_id="55555555"), "anything"))
    bad = client.post("/ipn", data=_form(_answer(), "anything"))
    assert unknown.status_code == bad.status_code == 401
    assert unknown.json()["detail"] == bad.json()["detail"]


@pytest.mark.parametrize(
    ("override", "param"),
    [
        ({"amount": "990"}, "transactions[0].amount"),
        ({"detailedStatus": "WHATEVER"}, "transactions[0].detailedStatus"),
        ({"creationDate": "yesterday"}, "transactions[0].creationDate"),
        ({"uuid": None}, "transactions[0].uuid"),
        ({"currency": "EURO"}, "currency"),
    ],
)
def test_a_signed_but_invalid_notification_is_refused_with_the_path(
    client, keys, session, override, param
):
    response = client.post("/ipn", data=_form(_answer(**override), keys["own"]))
    assert response.status_code == 422, response.text
    assert response.json()["param"] == param
    assert _count(session, Transaction) == 0


def test_an_invalid_second_transaction_stores_neither(client, keys, session):
    answer = json.loads(_answer())
    second = json.loads(json.dumps(answer["transactions"][0]))
    second["uuid"] = "f" * 32
    second["amount"] = -5
    answer["transactions"].append(second)
    text = json.dumps(answer)
    response = client.post("/ipn", data=_form(text, keys["own"]))
    assert response.status_code == 422
    assert _count(session, Transaction) == 0


def test_a_full_card_number_in_a_notification_is_refused_and_not_stored(client, keys, session):
    answer = json.loads(_answer())
    answer["transactions"][0]["transactionDetails"]["cardDetails"]["pan"] = "4970101234560055"
    text = json.dumps(answer)
    response = client.post("/ipn", data=_form(text, keys["own"]))
    assert response.status_code == 422
    assert "4970101234560055" not in response.text
    assert _count(session, Transaction) == 0


def test_a_missing_answer_is_a_validation_error(client, keys):
    response = client.post("/ipn", data={"kr-hash": "00"})
    assert response.status_code == 422
    assert response.json()["param"] == "kr-answer"
