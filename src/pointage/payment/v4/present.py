"""A transaction of Pointage as the gateway's V4/Transaction object, and an order's
transactions as its V4/OrderTransactions (docs/api/v4.md lists every field's source).

The answers are plain dicts, built in the order of the fields of the models of
payment.v4.answers and holding exactly what those models would dump: the models document
the answers (OpenAPI) and are the reference the tests compare these dicts to, byte for byte.
Building eight nested models per transaction cost more than a Transaction/Get's query.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pointage.core.statuses import TO_VALIDATE, OperationType, Status
from pointage.payment.repository import TransactionRow
from pointage.payment.v4.repository import TransactionView
from pointage.shop.models import Shop

Json = dict[str, Any]
"""A V4 object, ready for the JSON encoder (payment.v4.envelope)."""

ModeName = Literal["TEST", "PRODUCTION"]

_WAITING = frozenset(status.value for status in TO_VALIDATE)
_DEBIT = OperationType.DEBIT.value
_CREDIT = OperationType.CREDIT.value
_VERIFICATION = OperationType.VERIFICATION.value


def instant(value: datetime) -> str:
    """An instant as the gateway writes it: UTC, to the second, 2026-03-02T10:15:00+00:00."""
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


@functools.lru_cache(maxsize=4096)  # a few capture days per shop: a third of _card's time
def _local_midnight(day: date, timezone: str) -> str:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).isoformat()


def _mode(tx: TransactionRow) -> ModeName:
    return "TEST" if tx.mode == "TEST" else "PRODUCTION"


def _context(tx: TransactionRow) -> str:
    if tx.operation_type == _CREDIT:
        return "REFUND"
    if tx.operation_type == _VERIFICATION:
        return "VERIFICATION"
    return "CHARGE" if tx.parent_id is None else "DUPLICATE"


def _card(view: TransactionView, timezone: str) -> Json:
    tx = view.tx
    is_payment = tx.operation_type == _DEBIT
    return {
        "manualValidation": "YES" if tx.detailed_status in _WAITING else "NO",
        "expectedCaptureDate": _local_midnight(tx.expected_capture_date, timezone),
        "effectiveBrand": tx.card_brand,
        "pan": tx.card_masked,
        "legacyTransId": tx.transaction_id,
        "legacyTransDate": instant(tx.created_at),
        "authorizationResponse": {
            "amount": tx.original_amount_minor,
            "currency": tx.currency,
            "authorizationNumber": tx.authorisation_number,
            "_type": "V4/PaymentMethod/Details/Cards/CardAuthorizationResponse",
        },
        "captureResponse": {
            "captureDate": None if tx.captured_at is None else instant(tx.captured_at),
            "captureFileNumber": view.remittance_number,
            "refundAmount": view.refunded_minor if is_payment else None,
            "refundCurrency": tx.currency if is_payment else None,
            "_type": "V4/PaymentMethod/Details/Cards/CardCaptureResponse",
        },
        "_type": "V4/PaymentMethod/Details/CardDetails",
    }


def _reconciliation(view: TransactionView) -> Json:
    return {
        "reconciliationStatus": view.tx.reconciliation_status,
        "disputeFlag": view.tx.dispute_flag,
        "remittanceNumber": view.remittance_number,
        "remittanceDate": _day(view.remittance_date),
        "expectedCreditDate": _day(view.expected_credit_date),
        "_type": "V4/Pointage/ReconciliationDetails",
    }


def _order_details(order_id: str | None, tx: TransactionRow) -> Json:
    return {
        "orderId": order_id,
        "orderTotalAmount": tx.original_amount_minor,
        "orderEffectiveAmount": tx.amount_minor,
        "orderCurrency": tx.currency,
        "mode": _mode(tx),
        "metadata": None,
        "_type": "V4/OrderDetails",
    }


def transaction(view: TransactionView, shop: Shop) -> Json:
    """The V4/Transaction (answers.TransactionAnswer)."""
    tx = view.tx
    return {
        "shopId": shop.shop_id,
        "uuid": tx.uuid,
        "amount": tx.amount_minor,
        "currency": tx.currency,
        "paymentMethodType": "CARD",
        "paymentMethodToken": None,
        "status": tx.status,
        "detailedStatus": tx.detailed_status,
        "operationType": tx.operation_type,
        "creationDate": instant(tx.created_at),
        "errorCode": None,
        "errorMessage": None,
        "detailedErrorCode": None,
        "detailedErrorMessage": None,
        "metadata": None,
        "orderDetails": _order_details(tx.order_id, tx),
        "transactionDetails": {
            "creationContext": _context(tx),
            "parentTransactionUuid": view.parent_uuid,
            "mid": view.contract_number,
            "effectiveAmount": tx.amount_minor,
            "effectiveCurrency": tx.currency,
            "cardDetails": _card(view, shop.timezone),
            "reconciliationDetails": _reconciliation(view),
            "_type": "V4/TransactionDetails",
        },
        "_type": "V4/Transaction",
    }


def _order_status(txs: Sequence[TransactionRow]) -> Literal["PAID", "RUNNING", "UNPAID"]:
    payments = [tx for tx in txs if tx.operation_type == _DEBIT] or txs
    if any(tx.status == Status.PAID.value for tx in payments):
        return "PAID"
    if any(tx.status == Status.RUNNING.value for tx in payments):
        return "RUNNING"
    return "UNPAID"


def order(views: Sequence[TransactionView], order_id: str, shop: Shop, now: datetime) -> Json:
    """The V4/OrderTransactions (answers.OrderTransactionsAnswer) of an order's transactions
    (at least one), oldest first. The order's amounts are those of its first payment (its
    first transaction if none is a payment)."""
    txs = [view.tx for view in views]
    first = next((tx for tx in txs if tx.operation_type == _DEBIT), txs[0])
    running = any(tx.status == Status.RUNNING.value for tx in txs)
    return {
        "shopId": shop.shop_id,
        "orderCycle": "OPEN" if running else "CLOSED",
        "orderStatus": _order_status(txs),
        "serverDate": instant(now),
        "orderDetails": _order_details(order_id, first),
        "transactions": [transaction(view, shop) for view in views],
        "_type": "V4/OrderTransactions",
    }
