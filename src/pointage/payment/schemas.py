"""Pydantic I/O of the payment API. Amounts are integer minor units."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from pointage.core.statuses import DetailedStatus, OperationType
from pointage.payment.models import Transaction


class TransactionIn(BaseModel):
    """A transaction as the payment page reports it."""

    model_config = ConfigDict(extra="forbid")

    uuid: str | None = Field(None, description="32 hex characters; generated when absent")
    transaction_id: str | None = Field(
        None, description="6 characters, unique per shop and day; generated when absent"
    )
    order_id: str | None = Field(None, max_length=64)
    operation_type: OperationType = OperationType.DEBIT
    amount: int = Field(description="Minor units (cents for EUR)", strict=True)
    original_amount: int | None = Field(None, strict=True)
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 alphabetic code")
    detailed_status: DetailedStatus
    card_brand: str | None = Field(None, max_length=20)
    card_masked: str | None = Field(
        None, description="First 6 and last 4 digits, e.g. 497010XXXXXX0044; never a full PAN"
    )
    authorisation_number: str | None = Field(None, max_length=12)
    customer_reference: str | None = Field(None, max_length=80)
    created_at: datetime | None = Field(
        None, description="ISO 8601 with a time zone; now if absent"
    )
    expected_capture_date: date | None = None
    contract_number: str | None = Field(None, max_length=20)
    parent_uuid: str | None = Field(None, description="For a refund (CREDIT): its payment")


class TransactionOut(BaseModel):
    uuid: str
    shop_id: str
    transaction_id: str
    transaction_date: date
    order_id: str | None
    operation_type: str
    amount: int
    original_amount: int
    currency: str
    detailed_status: str
    status: str
    card_brand: str | None
    card_masked: str | None
    authorisation_number: str | None
    customer_reference: str | None
    created_at: datetime
    expected_capture_date: date
    captured_at: datetime | None
    reconciliation_status: str
    dispute_flag: str

    @classmethod
    def of(cls, tx: Transaction, shop_id: str) -> TransactionOut:
        return cls(
            uuid=tx.uuid,
            shop_id=shop_id,
            transaction_id=tx.transaction_id,
            transaction_date=tx.transaction_date,
            order_id=tx.order_id,
            operation_type=tx.operation_type,
            amount=tx.amount_minor,
            original_amount=tx.original_amount_minor,
            currency=tx.currency,
            detailed_status=tx.detailed_status,
            status=tx.status,
            card_brand=tx.card_brand,
            card_masked=tx.card_masked,
            authorisation_number=tx.authorisation_number,
            customer_reference=tx.customer_reference,
            created_at=tx.created_at,
            expected_capture_date=tx.expected_capture_date,
            captured_at=tx.captured_at,
            reconciliation_status=tx.reconciliation_status,
            dispute_flag=tx.dispute_flag,
        )


class IpnTransactionResult(BaseModel):
    uuid: str
    created: bool
    changed: bool


class IpnAck(BaseModel):
    status: str = "ok"
    transactions: list[IpnTransactionResult]
