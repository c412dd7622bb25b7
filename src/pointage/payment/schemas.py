"""Pydantic I/O of the payment API. Amounts are integer minor units."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pointage.core.statuses import DetailedStatus, OperationType
from pointage.payment.models import Operation, Transaction
from pointage.payment.repository import TransactionLinks, TransactionRow


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
    original_amount: int | None = Field(
        None, le=10**13, strict=True, description="Minor units first authorised; `amount` if absent"
    )
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
    """A transaction as the API shows it. Amounts are integer minor units of `currency`."""

    object: Literal["transaction"] = "transaction"
    uuid: str
    shop_id: str
    mode: str = Field(description="TEST or PRODUCTION: the mode of the key that may see it")
    transaction_id: str
    transaction_date: date = Field(description="Day of creation in the shop's time zone")
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
    contract_number: str | None = Field(description="The acquirer contract (MID)")
    remittance_id: int | None = Field(description="The remittance that captured it")
    remittance_number: int | None = Field(description="Its number, sequential per contract")
    expected_credit_date: date | None = Field(description="When the bank should credit it")
    reconciliation_status: str
    dispute_flag: str = Field(description="yes, no or na")
    parent_uuid: str | None = Field(description="A refund's payment; a duplicate's source")
    updated_at: datetime

    @classmethod
    def of(
        cls, tx: Transaction | TransactionRow, shop_id: str, links: TransactionLinks | None = None
    ) -> TransactionOut:
        links = links or TransactionLinks()
        return cls(
            uuid=tx.uuid,
            shop_id=shop_id,
            mode=tx.mode,
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
            contract_number=links.contract_number,
            remittance_id=tx.remittance_id,
            remittance_number=links.remittance_number,
            expected_credit_date=links.expected_credit_date,
            reconciliation_status=tx.reconciliation_status,
            dispute_flag=tx.dispute_flag,
            parent_uuid=links.parent_uuid,
            updated_at=tx.updated_at,
        )


class OperationOut(BaseModel):
    """An entry of a transaction's operations log."""

    object: Literal["operation"] = "operation"
    id: str = Field(description="Its id, the cursor of the log's pages")
    kind: str = Field(
        description="create, validate, cancel, modify, refund, duplicate, capture, expire, update"
    )
    source: str = Field(description="back_office, api, batch, ipn or file")
    actor: str
    at: datetime
    before: dict[str, Any] | None = Field(description="The transaction before; null on create")
    after: dict[str, Any] | None
    comment: str | None

    @classmethod
    def of(cls, op: Operation) -> OperationOut:
        return cls(
            id=str(op.id),
            kind=op.kind,
            source=op.source,
            actor=op.actor,
            at=op.at,
            before=op.before,
            after=op.after,
            comment=op.comment,
        )


def _comment() -> Any:
    return Field(None, max_length=1000, description="Kept in the operations log")


class CommentIn(BaseModel):
    """The body of validate and cancel: an optional comment."""

    model_config = ConfigDict(extra="forbid")

    comment: str | None = _comment()


class ModifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int | None = Field(
        None, gt=0, strict=True, description="New amount, minor units, at most the current one"
    )
    capture_date: date | None = Field(None, description="New capture date, not in the past")
    comment: str | None = _comment()


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int | None = Field(
        None, gt=0, strict=True, description="Minor units; what is left to refund if absent"
    )
    comment: str | None = _comment()


class DuplicateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int | None = Field(
        None, gt=0, strict=True, description="Minor units; the source's original amount if absent"
    )
    order_id: str | None = Field(None, min_length=1, max_length=64)
    capture_date: date | None = Field(None, description="Today (shop's zone) if absent")
    manual_validation: bool = Field(
        False, description="The new payment waits for a validation before its capture"
    )
    comment: str | None = _comment()


class IpnTransactionResult(BaseModel):
    uuid: str
    created: bool
    changed: bool


class IpnAck(BaseModel):
    status: str = "ok"
    transactions: list[IpnTransactionResult]
