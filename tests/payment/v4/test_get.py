"""Transaction/Get and Order/Get: every field of the answer and where it comes from, and a
transaction of another shop or mode answered exactly like an unknown one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pointage import __version__
from pointage.core.statuses import DetailedStatus, Mode, OperationType
from tests.payment.v4.conftest import captured, paris_today, pay

D = DetailedStatus


def test_transaction_get_answers_the_envelope_and_every_field(world, session):
    created = datetime(2026, 3, 2, 9, 15, 30, 123456, tzinfo=UTC)
    tx = pay(
        session,
        world.shop,
        amount=12_345,
        order_id="CMD-42",
        created_at=created,
        capture_date=date(2026, 3, 5),
    )
    # As the reconciliation would leave it after a chargeback.
    tx.reconciliation_status, tx.dispute_flag = "to_review", "yes"
    session.commit()
    envelope = world.production.call("Transaction/Get", {"uuid": tx.uuid})

    assert envelope["status"] == "SUCCESS"
    assert envelope["version"] == "V4"
    assert envelope["applicationVersion"] == __version__
    assert envelope["applicationProvider"] == "POINTAGE"
    assert envelope["ticket"] is None
    assert envelope["metadata"] is None
    assert envelope["mode"] == "PRODUCTION"
    assert envelope["serverUrl"] == "http://testserver"
    assert envelope["_type"] == "V4/WebService/Response"
    server_date = datetime.fromisoformat(envelope["serverDate"])
    assert abs(server_date - datetime.now(UTC)) < timedelta(minutes=5)

    answer = envelope["answer"]
    assert answer == {
        "shopId": "12345678",
        "uuid": tx.uuid,
        "amount": 12_345,
        "currency": "EUR",
        "paymentMethodType": "CARD",
        "paymentMethodToken": None,
        "status": "PAID",
        "detailedStatus": "AUTHORISED",
        "operationType": "DEBIT",
        "creationDate": "2026-03-02T09:15:30+00:00",
        "errorCode": None,
        "errorMessage": None,
        "detailedErrorCode": None,
        "detailedErrorMessage": None,
        "metadata": None,
        "orderDetails": {
            "orderId": "CMD-42",
            "orderTotalAmount": 12_345,
            "orderEffectiveAmount": 12_345,
            "orderCurrency": "EUR",
            "mode": "PRODUCTION",
            "metadata": None,
            "_type": "V4/OrderDetails",
        },
        "transactionDetails": {
            "creationContext": "CHARGE",
            "parentTransactionUuid": None,
            "mid": "C12345678",
            "effectiveAmount": 12_345,
            "effectiveCurrency": "EUR",
            "cardDetails": {
                "manualValidation": "NO",
                "expectedCaptureDate": "2026-03-05T00:00:00+01:00",
                "effectiveBrand": "CB",
                "pan": "497010XXXXXX0044",
                "legacyTransId": tx.transaction_id,
                "legacyTransDate": "2026-03-02T09:15:30+00:00",
                "authorizationResponse": {
                    "amount": 12_345,
                    "currency": "EUR",
                    "authorizationNumber": "3fe034",
                    "_type": "V4/PaymentMethod/Details/Cards/CardAuthorizationResponse",
                },
                "captureResponse": {
                    "captureDate": None,
                    "captureFileNumber": None,
                    "refundAmount": 0,
                    "refundCurrency": "EUR",
                    "_type": "V4/PaymentMethod/Details/Cards/CardCaptureResponse",
                },
                "_type": "V4/PaymentMethod/Details/CardDetails",
            },
            "reconciliationDetails": {
                "reconciliationStatus": "to_review",
                "disputeFlag": "yes",
                "remittanceNumber": None,
                "remittanceDate": None,
                "expectedCreditDate": None,
                "_type": "V4/Pointage/ReconciliationDetails",
            },
            "_type": "V4/TransactionDetails",
        },
        "_type": "V4/Transaction",
    }
    assert "expiryMonth" not in answer["transactionDetails"]["cardDetails"]


def test_a_captured_payment_shows_its_capture_remittance_and_refunds(world, session):
    tx = captured(session, world.shop, amount=10_000)
    pay(
        session,
        world.shop,
        operation_type=OperationType.CREDIT,
        amount=2_500,
        parent_uuid=tx.uuid,
    )
    answer = world.production.answer("Transaction/Get", {"uuid": tx.uuid})

    assert answer["detailedStatus"] == "CAPTURED"
    card = answer["transactionDetails"]["cardDetails"]
    assert (
        card["captureResponse"]["captureDate"] == tx.captured_at.replace(microsecond=0).isoformat()
    )
    assert card["captureResponse"]["captureFileNumber"] == 1
    assert card["captureResponse"]["refundAmount"] == 2_500
    details = answer["transactionDetails"]["reconciliationDetails"]
    assert details["remittanceNumber"] == 1
    assert details["remittanceDate"] == paris_today().isoformat()
    assert details["expectedCreditDate"] is not None
    assert details["expectedCreditDate"] > details["remittanceDate"]


def test_a_refund_names_its_payment_and_has_no_refund_amount(world, session):
    payment = captured(session, world.shop)
    refund = pay(
        session,
        world.shop,
        operation_type=OperationType.CREDIT,
        amount=700,
        parent_uuid=payment.uuid,
    )
    answer = world.production.answer("Transaction/Get", {"uuid": refund.uuid})

    assert answer["operationType"] == "CREDIT"
    details = answer["transactionDetails"]
    assert details["creationContext"] == "REFUND"
    assert details["parentTransactionUuid"] == payment.uuid
    assert details["cardDetails"]["captureResponse"]["refundAmount"] is None
    assert details["cardDetails"]["captureResponse"]["refundCurrency"] is None


def test_a_payment_waiting_for_validation_says_manual_validation(world, session):
    tx = pay(session, world.shop, status=D.AUTHORISED_TO_VALIDATE)
    answer = world.production.answer("Transaction/Get", {"uuid": tx.uuid})
    assert answer["status"] == "RUNNING"
    assert answer["transactionDetails"]["cardDetails"]["manualValidation"] == "YES"


def test_a_test_key_sees_test_transactions_in_test_mode(world, session):
    tx = pay(session, world.shop, mode=Mode.TEST)
    envelope = world.test.call("Transaction/Get", {"uuid": tx.uuid})
    assert envelope["status"] == "SUCCESS"
    assert envelope["mode"] == "TEST"
    assert envelope["answer"]["orderDetails"]["mode"] == "TEST"


def _comparable(error):
    return {k: v for k, v in error.items() if k not in ("ticket", "detailedErrorMessage")}


@pytest.mark.parametrize(
    ("caller", "mode"),
    [
        ("other_production", Mode.PRODUCTION),  # another shop's transaction
        ("test", Mode.PRODUCTION),  # a live transaction seen with a test key
        ("production", Mode.TEST),  # a test transaction seen with a live key
        ("other_test", Mode.TEST),
    ],
)
def test_another_shops_or_modes_transaction_is_not_found(world, session, caller, mode):
    tx = pay(session, world.shop, mode=mode)
    asker = getattr(world, caller)
    unknown = "f" * 32
    hidden = asker.error("Transaction/Get", {"uuid": tx.uuid})
    absent = asker.error("Transaction/Get", {"uuid": unknown})

    assert hidden["errorCode"] == "PSP_010"
    assert hidden["errorMessage"] == "transaction not found"
    assert hidden["detailedErrorCode"] == "not_found"
    assert hidden["detailedErrorMessage"] == f"uuid: transaction {tx.uuid} not found"
    assert _comparable(hidden) == _comparable(absent)
    assert hidden["shopId"] == asker.shop_id


def test_order_get_lists_the_orders_transactions_oldest_first(world, session):
    start = datetime.now(UTC) - timedelta(hours=3)
    first = pay(session, world.shop, order_id="CMD-7", created_at=start, amount=5_000)
    second = pay(
        session,
        world.shop,
        order_id="CMD-7",
        created_at=start + timedelta(hours=1),
        status=D.REFUSED,
    )
    pay(session, world.shop, order_id="CMD-8")
    pay(session, world.other, order_id="CMD-7")
    pay(session, world.shop, order_id="CMD-7", mode=Mode.TEST)

    answer = world.production.answer("Order/Get", {"orderId": "CMD-7"})

    assert answer["_type"] == "V4/OrderTransactions"
    assert answer["shopId"] == "12345678"
    assert [t["uuid"] for t in answer["transactions"]] == [first.uuid, second.uuid]
    assert all(t["_type"] == "V4/Transaction" for t in answer["transactions"])
    assert answer["orderStatus"] == "PAID"
    assert answer["orderCycle"] == "CLOSED"
    assert answer["orderDetails"] == {
        "orderId": "CMD-7",
        "orderTotalAmount": 5_000,
        "orderEffectiveAmount": 5_000,
        "orderCurrency": "EUR",
        "mode": "PRODUCTION",
        "metadata": None,
        "_type": "V4/OrderDetails",
    }
    datetime.fromisoformat(answer["serverDate"])


def test_order_get_filters_on_the_operation_type(world, session):
    payment = captured(session, world.shop, order_id="CMD-9")
    refund = pay(
        session,
        world.shop,
        order_id="CMD-9",
        operation_type=OperationType.CREDIT,
        amount=100,
        parent_uuid=payment.uuid,
    )
    answer = world.production.answer("Order/Get", {"orderId": "CMD-9", "operationType": "CREDIT"})
    assert [t["uuid"] for t in answer["transactions"]] == [refund.uuid]


def test_an_order_still_waiting_is_running_and_open(world, session):
    pay(session, world.shop, order_id="CMD-10", status=D.AUTHORISED_TO_VALIDATE)
    answer = world.production.answer("Order/Get", {"orderId": "CMD-10"})
    assert (answer["orderStatus"], answer["orderCycle"]) == ("RUNNING", "OPEN")


def test_an_order_of_refused_payments_is_unpaid(world, session):
    pay(session, world.shop, order_id="CMD-11", status=D.REFUSED)
    answer = world.production.answer("Order/Get", {"orderId": "CMD-11"})
    assert (answer["orderStatus"], answer["orderCycle"]) == ("UNPAID", "CLOSED")


def test_an_unknown_or_hidden_order_is_not_found(world, session):
    pay(session, world.other, order_id="CMD-12")
    for order_id in ("CMD-12", "CMD-404"):
        error = world.production.error("Order/Get", {"orderId": order_id})
        assert error["errorCode"] == "PSP_010"
        assert error["detailedErrorMessage"] == f"orderId: no transaction for order {order_id}"


def test_an_order_of_more_than_30_transactions_is_refused(world, session):
    for _ in range(30):
        pay(session, world.shop, order_id="CMD-BIG", amount=100)
    answer = world.production.answer("Order/Get", {"orderId": "CMD-BIG"})
    assert len(answer["transactions"]) == 30

    pay(session, world.shop, order_id="CMD-BIG", amount=100)
    error = world.production.error("Order/Get", {"orderId": "CMD-BIG"})
    assert error["errorCode"] == "PSP_015"
    assert error["detailedErrorCode"] == "too_many_results"
