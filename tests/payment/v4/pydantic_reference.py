"""The V4 answers as the Pydantic models of payment.v4.answers build and dump them: the
reference the plain answers of payment.v4.present and payment.v4.envelope must equal, byte
for byte (this is how Pointage built them until the models became documentation only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pointage.core.statuses import TO_VALIDATE, DetailedStatus, OperationType, Status
from pointage.payment.repository import TransactionRow
from pointage.payment.v4.answers import (
    Answer,
    CardAuthorizationResponse,
    CardCaptureResponse,
    CardDetails,
    OrderDetails,
    OrderTransactionsAnswer,
    ReconciliationDetails,
    TransactionAnswer,
    TransactionDetails,
    V4Response,
    WebServiceError,
)
from pointage.payment.v4.repository import TransactionView

Envelope = V4Response[Answer]


def instant(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _mode(tx: TransactionRow) -> Any:
    return "TEST" if tx.mode == "TEST" else "PRODUCTION"


def _context(tx: TransactionRow) -> Any:
    if tx.operation_type == OperationType.CREDIT.value:
        return "REFUND"
    if tx.operation_type == OperationType.VERIFICATION.value:
        return "VERIFICATION"
    return "CHARGE" if tx.parent_id is None else "DUPLICATE"


def _card(view: TransactionView, timezone: str) -> CardDetails:
    tx = view.tx
    is_payment = tx.operation_type == OperationType.DEBIT.value
    midnight = datetime.combine(tx.expected_capture_date, time(0), tzinfo=ZoneInfo(timezone))
    return CardDetails(
        manualValidation="YES" if DetailedStatus(tx.detailed_status) in TO_VALIDATE else "NO",
        expectedCaptureDate=midnight.isoformat(),
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


def transaction(view: TransactionView, shop: Any) -> TransactionAnswer:
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
            reconciliationDetails=ReconciliationDetails(
                reconciliationStatus=tx.reconciliation_status,
                disputeFlag=tx.dispute_flag,
                remittanceNumber=view.remittance_number,
                remittanceDate=_day(view.remittance_date),
                expectedCreditDate=_day(view.expected_credit_date),
            ),
        ),
    )


def order(
    views: Sequence[TransactionView], order_id: str, shop: Any, now: datetime
) -> OrderTransactionsAnswer:
    txs = [view.tx for view in views]
    first = next((tx for tx in txs if tx.operation_type == OperationType.DEBIT.value), txs[0])
    payments = [tx for tx in txs if tx.operation_type == OperationType.DEBIT.value] or txs
    if any(tx.status == Status.PAID.value for tx in payments):
        status = "PAID"
    elif any(tx.status == Status.RUNNING.value for tx in payments):
        status = "RUNNING"
    else:
        status = "UNPAID"
    running = any(tx.status == Status.RUNNING.value for tx in txs)
    return OrderTransactionsAnswer(
        shopId=shop.shop_id,
        orderCycle="OPEN" if running else "CLOSED",
        orderStatus=status,  # type: ignore[arg-type]
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


def error(answer: dict[str, Any]) -> WebServiceError:
    """The WebServiceError model of the fields of an error answered."""
    return WebServiceError.model_validate(answer)


def envelope(answered: dict[str, Any], answer: Answer) -> bytes:
    """The envelope the models dump for `answer`; what only the moment or the request decides
    (service, server date, ticket, mode, server URL) is taken from the envelope answered."""
    model = Envelope(
        webService=answered["webService"],
        applicationVersion=answered["applicationVersion"],
        status=answered["status"],
        answer=answer,
        ticket=answered["ticket"],
        serverDate=answered["serverDate"],
        mode=answered["mode"],
        serverUrl=answered["serverUrl"],
    )
    return model.model_dump_json(serialize_as_any=True).encode()
