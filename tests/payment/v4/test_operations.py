"""Transaction/Validate, Cancel, CancelOrRefund, Update and Duplicate: each goes through the
merchant operations service, is logged with the source api, and answers the transaction it
leaves; each refusal answers the gateway's code for its reason and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pointage.core.statuses import DetailedStatus, Mode, OperationType
from pointage.payment.models import Operation, Transaction
from tests.payment.v4.conftest import captured, count, operations_of, paris_today, pay, reload

D = DetailedStatus


def _logged(session, uuid, kind, comment=None):
    """The transaction's last operation is `kind`, by the API, as the shop."""
    last = operations_of(session, uuid)[-1]
    assert (last.kind, last.source, last.actor) == (kind, "api", "api:12345678")
    assert last.comment == comment
    return last


def _unchanged(session, world, error_call):
    """A refused call leaves the database as it was."""
    before = (count(session, Transaction), count(session, Operation))
    error = error_call()
    assert (count(session, Transaction), count(session, Operation)) == before
    return error


# --- Transaction/Validate -------------------------------------------------------------


def test_validate_a_transaction_waiting_for_validation(world, session):
    tx = pay(session, world.shop, status=D.AUTHORISED_TO_VALIDATE)
    answer = world.production.answer(
        "Transaction/Validate", {"uuid": tx.uuid, "comment": "stock checked"}
    )
    assert (answer["uuid"], answer["detailedStatus"], answer["status"]) == (
        tx.uuid,
        "AUTHORISED",
        "PAID",
    )
    assert answer["transactionDetails"]["cardDetails"]["manualValidation"] == "NO"
    assert reload(session, tx.uuid).detailed_status == "AUTHORISED"
    op = _logged(session, tx.uuid, "validate", "stock checked")
    assert (op.before["detailed_status"], op.after["detailed_status"]) == (
        "AUTHORISED_TO_VALIDATE",
        "AUTHORISED",
    )


def test_validate_refuses_a_transaction_not_waiting(world, session):
    tx = pay(session, world.shop)
    error = _unchanged(
        session, world, lambda: world.production.error("Transaction/Validate", {"uuid": tx.uuid})
    )
    assert error["errorCode"] == "PSP_503"
    assert error["errorMessage"] == "not allowed in the transaction's current status"
    assert error["detailedErrorCode"] == "operation_not_allowed"
    assert error["detailedErrorMessage"].startswith(f"cannot validate transaction {tx.uuid}")


# --- Transaction/Cancel ---------------------------------------------------------------


def test_cancel_a_transaction_not_captured(world, session):
    tx = pay(session, world.shop)
    answer = world.production.answer("Transaction/Cancel", {"uuid": tx.uuid})
    assert (answer["detailedStatus"], answer["status"]) == ("CANCELLED", "UNPAID")
    assert reload(session, tx.uuid).detailed_status == "CANCELLED"
    _logged(session, tx.uuid, "cancel")


@pytest.mark.parametrize(
    ("status", "code"),
    [(D.CANCELLED, "PSP_105"), (D.CAPTURED, "PSP_075"), (D.REFUSED, "PSP_503")],
)
def test_cancel_refusals_say_why(world, session, status, code):
    tx = pay(session, world.shop, status=status)
    error = _unchanged(
        session, world, lambda: world.production.error("Transaction/Cancel", {"uuid": tx.uuid})
    )
    assert error["errorCode"] == code
    assert reload(session, tx.uuid).detailed_status == status.value


def test_a_test_key_cancels_a_test_transaction(world, session):
    tx = pay(session, world.shop, mode=Mode.TEST)
    envelope = world.test.call("Transaction/Cancel", {"uuid": tx.uuid})
    assert envelope["status"] == "SUCCESS"
    assert envelope["mode"] == "TEST"
    assert reload(session, tx.uuid).detailed_status == "CANCELLED"


@pytest.mark.parametrize(
    "service",
    [
        "Transaction/Validate",
        "Transaction/Cancel",
        "Transaction/CancelOrRefund",
        "Transaction/Update",
        "Transaction/Duplicate",
    ],
)
@pytest.mark.parametrize(
    ("caller", "mode"),
    [("other_production", Mode.PRODUCTION), ("test", Mode.PRODUCTION), ("production", Mode.TEST)],
)
def test_operations_on_another_shops_or_modes_transaction_find_nothing(
    world, session, service, caller, mode
):
    tx = pay(session, world.shop, mode=mode, status=D.AUTHORISED_TO_VALIDATE)
    body = {
        "Transaction/Update": {"uuid": tx.uuid, "cardUpdate": {"amount": 1, "currency": "EUR"}},
        "Transaction/Duplicate": {"uuid": tx.uuid, "amount": 1, "currency": "EUR"},
    }.get(service, {"uuid": tx.uuid})
    asker = getattr(world, caller)
    error = _unchanged(session, world, lambda: asker.error(service, body))
    assert error["errorCode"] == "PSP_010"
    assert error["detailedErrorMessage"] == f"uuid: transaction {tx.uuid} not found"
    assert reload(session, tx.uuid).detailed_status == "AUTHORISED_TO_VALIDATE"


# --- Transaction/CancelOrRefund -------------------------------------------------------


def test_cancel_or_refund_cancels_what_is_not_captured(world, session):
    tx = pay(session, world.shop, amount=4_000)
    answer = world.production.answer(
        "Transaction/CancelOrRefund", {"uuid": tx.uuid, "amount": 4_000, "currency": "EUR"}
    )
    assert (answer["uuid"], answer["detailedStatus"]) == (tx.uuid, "CANCELLED")
    _logged(session, tx.uuid, "cancel")


def test_cancel_or_refund_refunds_all_of_a_captured_payment(world, session):
    tx = captured(session, world.shop, amount=4_000)
    answer = world.production.answer(
        "Transaction/CancelOrRefund", {"uuid": tx.uuid, "comment": "returned"}
    )
    assert answer["uuid"] != tx.uuid
    assert (answer["operationType"], answer["amount"], answer["detailedStatus"]) == (
        "CREDIT",
        4_000,
        "AUTHORISED",
    )
    assert answer["transactionDetails"]["parentTransactionUuid"] == tx.uuid
    assert answer["transactionDetails"]["creationContext"] == "REFUND"
    _logged(session, answer["uuid"], "refund", "returned")
    payment = world.production.answer("Transaction/Get", {"uuid": tx.uuid})
    assert payment["transactionDetails"]["cardDetails"]["captureResponse"]["refundAmount"] == 4_000


def test_cancel_or_refund_refunds_part_then_refuses_too_much_then_all(world, session):
    tx = captured(session, world.shop, amount=4_000)
    first = world.production.answer(
        "Transaction/CancelOrRefund", {"uuid": tx.uuid, "amount": 1_500}
    )
    assert first["amount"] == 1_500

    too_much = _unchanged(
        session,
        world,
        lambda: world.production.error(
            "Transaction/CancelOrRefund", {"uuid": tx.uuid, "amount": 2_501}
        ),
    )
    assert too_much["errorCode"] == "PSP_511"

    rest = world.production.answer("Transaction/CancelOrRefund", {"uuid": tx.uuid})
    assert rest["amount"] == 2_500
    again = world.production.error("Transaction/CancelOrRefund", {"uuid": tx.uuid})
    assert again["errorCode"] == "PSP_104"


@pytest.mark.parametrize(
    ("status", "mode", "code"),
    [
        (D.CAPTURED, "CANCELLATION_ONLY", "PSP_075"),
        (D.AUTHORISED, "REFUND_ONLY", "PSP_076"),
        (D.REFUSED, "REFUND_ONLY", "PSP_083"),
        (D.CANCELLED, "AUTO", "PSP_105"),
        (D.REFUSED, "AUTO", "PSP_503"),
        (D.CANCELLED, "REFUND_ONLY", "PSP_083"),
    ],
)
def test_cancel_or_refund_resolution_modes(world, session, status, mode, code):
    tx = pay(session, world.shop, status=status)
    error = _unchanged(
        session,
        world,
        lambda: world.production.error(
            "Transaction/CancelOrRefund", {"uuid": tx.uuid, "resolutionMode": mode}
        ),
    )
    assert error["errorCode"] == code


def test_cancel_or_refund_refuses_a_partial_cancellation(world, session):
    tx = pay(session, world.shop, amount=4_000)
    error = _unchanged(
        session,
        world,
        lambda: world.production.error(
            "Transaction/CancelOrRefund", {"uuid": tx.uuid, "amount": 1_000}
        ),
    )
    assert error["errorCode"] == "PSP_103"
    assert "Transaction/Update" in error["detailedErrorMessage"]
    assert reload(session, tx.uuid).detailed_status == "AUTHORISED"


def test_cancel_or_refund_refuses_another_currency(world, session):
    tx = captured(session, world.shop)
    error = _unchanged(
        session,
        world,
        lambda: world.production.error(
            "Transaction/CancelOrRefund", {"uuid": tx.uuid, "currency": "USD"}
        ),
    )
    assert error["errorCode"] == "INT_010"
    assert error["detailedErrorMessage"] == "currency: the transaction is in EUR"


def test_a_refund_of_a_refund_is_refused(world, session):
    payment = captured(session, world.shop)
    refund = pay(
        session,
        world.shop,
        operation_type=OperationType.CREDIT,
        status=D.CAPTURED,
        amount=100,
        parent_uuid=payment.uuid,
    )
    error = world.production.error("Transaction/CancelOrRefund", {"uuid": refund.uuid})
    assert error["errorCode"] == "PSP_101"


# --- Transaction/Update ---------------------------------------------------------------


def _update(tx, **card):
    return {"uuid": tx.uuid, "cardUpdate": {"amount": tx.amount_minor, "currency": "EUR", **card}}


def test_update_lowers_the_amount_and_moves_the_capture_date(world, session):
    tx = pay(session, world.shop, amount=10_000)
    day = paris_today() + timedelta(days=3)
    body = _update(tx, amount=8_000, expectedCaptureDate=f"{day.isoformat()}T07:46:06+00:00")
    body["comment"] = "one item out of stock"
    answer = world.production.answer("Transaction/Update", body)

    assert answer["amount"] == 8_000
    assert answer["orderDetails"]["orderTotalAmount"] == 10_000
    assert answer["transactionDetails"]["cardDetails"]["expectedCaptureDate"].startswith(
        day.isoformat()
    )
    stored = reload(session, tx.uuid)
    assert (stored.amount_minor, stored.expected_capture_date) == (8_000, day)
    op = _logged(session, tx.uuid, "modify", "one item out of stock")
    assert (op.before["amount_minor"], op.after["amount_minor"]) == (10_000, 8_000)


def test_update_takes_a_capture_day_in_the_shops_time_zone(world, session):
    tx = pay(session, world.shop)
    day = paris_today() + timedelta(days=2)
    # 23:30 UTC the day before is already `day` in Paris.
    instant = datetime.combine(day, datetime.min.time(), tzinfo=UTC) - timedelta(minutes=30)
    world.production.answer(
        "Transaction/Update", _update(tx, expectedCaptureDate=instant.isoformat())
    )
    assert reload(session, tx.uuid).expected_capture_date == day


def test_update_with_manual_validation_no_validates(world, session):
    tx = pay(session, world.shop, status=D.AUTHORISED_TO_VALIDATE)
    answer = world.production.answer("Transaction/Update", _update(tx, manualValidation="NO"))
    assert answer["detailedStatus"] == "AUTHORISED"
    assert [op.kind for op in operations_of(session, tx.uuid)] == ["create", "modify", "validate"]


@pytest.mark.parametrize(
    ("status", "card", "code", "param"),
    [
        (D.CAPTURED, {}, "PSP_110", None),
        (D.AUTHORISED, {"amount": 10_001}, "PSP_546", None),
        (D.AUTHORISED, {"currency": "USD"}, "PSP_545", "cardUpdate.currency"),
        (D.AUTHORISED, {"expectedCaptureDate": "2020-01-01"}, "INT_006", None),
        (D.AUTHORISED, {"expectedCaptureDate": "2099-01-01"}, "PSP_013", None),
        (D.AUTHORISED, {"manualValidation": "YES"}, "INT_005", "cardUpdate.manualValidation"),
    ],
)
def test_update_refusals_say_why(world, session, status, card, code, param):
    tx = pay(session, world.shop, status=status, amount=10_000)
    error = _unchanged(
        session, world, lambda: world.production.error("Transaction/Update", _update(tx, **card))
    )
    assert error["errorCode"] == code
    if param is not None:
        assert error["detailedErrorMessage"].startswith(f"{param}: ")
    stored = reload(session, tx.uuid)
    assert (stored.amount_minor, stored.detailed_status) == (10_000, status.value)


def test_update_refuses_to_change_the_order_id(world, session):
    tx = pay(session, world.shop, order_id="CMD-1")
    same = world.production.call("Transaction/Update", {**_update(tx), "orderId": "CMD-1"})
    assert same["status"] == "SUCCESS"
    error = world.production.error("Transaction/Update", {**_update(tx), "orderId": "CMD-2"})
    assert error["errorCode"] == "INT_013"
    assert reload(session, tx.uuid).order_id == "CMD-1"


# --- Transaction/Duplicate ------------------------------------------------------------


def test_duplicate_a_captured_payment(world, session):
    tx = captured(session, world.shop, amount=3_000, order_id="CMD-5")
    body = {
        "uuid": tx.uuid,
        "amount": 2_000,
        "currency": "EUR",
        "orderId": "CMD-6",
        "comment": "second instalment",
        "cardDuplicate": {"captureDelay": 3, "manualValidation": "YES"},
    }
    answer = world.production.answer("Transaction/Duplicate", body)

    assert answer["uuid"] != tx.uuid
    assert (answer["operationType"], answer["amount"], answer["currency"]) == (
        "DEBIT",
        2_000,
        "EUR",
    )
    assert answer["detailedStatus"] == "AUTHORISED_TO_VALIDATE"
    assert answer["orderDetails"]["orderId"] == "CMD-6"
    details = answer["transactionDetails"]
    assert (details["creationContext"], details["parentTransactionUuid"]) == ("DUPLICATE", tx.uuid)
    assert details["cardDetails"]["pan"] == "497010XXXXXX0044"
    copy = reload(session, answer["uuid"])
    assert copy.expected_capture_date == paris_today() + timedelta(days=3)
    assert copy.mode == "PRODUCTION"
    _logged(session, answer["uuid"], "duplicate", "second instalment")


def test_a_test_keys_duplicate_is_a_test_transaction(world, session):
    tx = pay(session, world.shop, mode=Mode.TEST, status=D.CANCELLED)
    answer = world.test.answer(
        "Transaction/Duplicate", {"uuid": tx.uuid, "amount": 500, "currency": "EUR"}
    )
    assert answer["orderDetails"]["mode"] == "TEST"
    assert reload(session, answer["uuid"]).mode == "TEST"


@pytest.mark.parametrize(
    ("operation_type", "status", "code"),
    [
        (OperationType.DEBIT, D.AUTHORISED, "PSP_016"),
        (OperationType.CREDIT, D.CAPTURED, "PSP_512"),
    ],
)
def test_duplicate_refusals_say_why(world, session, operation_type, status, code):
    parent = captured(session, world.shop)
    tx = pay(
        session,
        world.shop,
        operation_type=operation_type,
        status=status,
        amount=100,
        parent_uuid=parent.uuid if operation_type is OperationType.CREDIT else None,
    )
    error = _unchanged(
        session,
        world,
        lambda: world.production.error(
            "Transaction/Duplicate", {"uuid": tx.uuid, "amount": 100, "currency": "EUR"}
        ),
    )
    assert error["errorCode"] == code


def test_duplicate_refuses_another_currency(world, session):
    tx = captured(session, world.shop)
    error = world.production.error(
        "Transaction/Duplicate", {"uuid": tx.uuid, "amount": 100, "currency": "USD"}
    )
    assert error["errorCode"] == "INT_010"
    assert error["detailedErrorMessage"] == "currency: a copy is in its source's currency, EUR"
