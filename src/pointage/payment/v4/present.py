"""A transaction of Pointage as the gateway's V4/Transaction object, and an order's
transactions as its V4/OrderTransactions (docs/api/v4.md lists every field's source)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from pointage.core.statuses import TO_VALIDATE, DetailedStatus, OperationType, Status
from pointage.payment.repository import TransactionRow
from pointage.payment.v4.answers import (
    CardAuthorizationResponse,
    CardCaptureResponse,
    CardDetails,
    OrderDetails,
    OrderTransactionsAnswer,
    ReconciliationDetails,
    TransactionAnswer,
    TransactionDetails,
)
from pointage.payment.v4.repository import TransactionView
from pointage.shop.models import Shop

Context = Literal["CHARGE", "REFUND", "DUPLICATE", "VERIFICATION"]
ModeName = Literal["TEST", "PRODUCTION"]


def instant(value: datetime) -> str:
    """An instant as the gateway writes it: UTC, to the second, 2026-03-02T10:15:00+00:00."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _local_midnight(day: date, timezone: str) -> str:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).isoformat()


def _mode(tx: TransactionRow) -> ModeName:
    return "TEST" if tx.mode == "TEST" else "PRODUCTION"


def _context(tx: TransactionRow) -> Context:
    if tx.operation_type == OperationType.CREDIT.value:
        return "REFUND"
    if tx.operation_type == OperationType.VERIFICATION.value:
        return "VERIFICATION"
    return "CHARGE" if tx.parent_id is None else "DUPLICATE"


def _card(view: TransactionView, timezone: str) -> CardDetails:
    tx = view.tx
    waits = DetailedStatus(tx.detailed_status) in TO_VALIDATE
    is_payment = tx.operation_type == OperationType.DEBIT.value
    return CardDetails(
        manualValidation="YES" if waits else "NO",
        expectedCaptureDate=_local_midnight(tx.expected_capture_date, timezone),
        effectiveBrand=tx.card_brand,
        pan=tx.card_masked,
        legacyTransId=tx.transaction_id,
        legacyTransDate=instant(tx.created_at),
        authorizationResponse=CardAuthorizationResponse(
            amount=tx.original_amount_minor,
            currency=tx.currency,
            authorizationNumber=tx.authorisation_number,
        ),
        captureResponse=CardCaptureResponse(
            captureDate=None if tx.captured_at is None else instant(tx.captured_at),
            captureFileNumber=view.remittance_number,
            refundAmount=view.refunded_minor if is_payment else None,
            refundCurrency=tx.currency if is_payment else None,
        ),
    )


def _reconciliation(view: TransactionView) -> ReconciliationDetails:
    return ReconciliationDetails(
        reconciliationStatus=view.tx.reconciliation_status,
        disputeFlag=view.tx.dispute_flag,
        remittanceNumber=view.remittance_number,
        remittanceDate=_day(view.remittance_date),
        expectedCreditDate=_day(view.expected_credit_date),
    )


def transaction(view: TransactionView, shop: Shop) -> TransactionAnswer:
    tx = view.tx
    return TransactionAnswer(
        shopId=shop.shop_id,
        uuid=tx.uuid,
        amount=tx.amount_minor,
        currency=tx.currency,
        status=tx.status,
        detailedStatus=tx.detailed_status,
        operationType=tx.operation_type,
        creationDate=instant(tx.created_at),
        orderDetails=OrderDetails(
            orderId=tx.order_id,
            orderTotalAmount=tx.original_amount_minor,
            orderEffectiveAmount=tx.amount_minor,
            orderCurrency=tx.currency,
            mode=_mode(tx),
        ),
        transactionDetails=TransactionDetails(
            creationContext=_context(tx),
            parentTransactionUuid=view.parent_uuid,
            mid=view.contract_number,
            effectiveAmount=tx.amount_minor,
            effectiveCurrency=tx.currency,
            cardDetails=_card(view, shop.timezone),
            reconciliationDetails=_reconciliation(view),
        ),
    )


def _order_status(txs: Sequence[TransactionRow]) -> Literal["PAID", "RUNNING", "UNPAID"]:
    payments = [tx for tx in txs if tx.operation_type == OperationType.DEBIT.value] or txs
    if any(tx.status == Status.PAID.value for tx in payments):
        return "PAID"
    if any(tx.status == Status.RUNNING.value for tx in payments):
        return "RUNNING"
    return "UNPAID"


def order(
    views: Sequence[TransactionView], order_id: str, shop: Shop, now: datetime
) -> OrderTransactionsAnswer:
    """The transactions of an order (at least one), oldest first. The order's amounts are
    those of its first payment (its first transaction if none is a payment)."""
    txs = [view.tx for view in views]
    first = next((tx for tx in txs if tx.operation_type == OperationType.DEBIT.value), txs[0])
    running = any(tx.status == Status.RUNNING.value for tx in txs)
    return OrderTransactionsAnswer(
        shopId=shop.shop_id,
        orderCycle="OPEN" if running else "CLOSED",
        orderStatus=_order_status(txs),
        serverDate=instant(now),
        orderDetails=OrderDetails(
            orderId=order_id,
            orderTotalAmount=first.original_amount_minor,
            orderEffectiveAmount=first.amount_minor,
            orderCurrency=first.currency,
            mode=_mode(first),
        ),
        transactions=[transaction(view, shop) for view in views],
    )
