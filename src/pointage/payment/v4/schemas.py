"""JSON bodies of the V4 services, named and nested as the gateway's V4 REST API names them.

Requests refuse any field they do not declare (error INT_900 naming it): a parameter Pointage
does not implement is refused, never silently ignored. Amounts are integers of minor units.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from pointage.core.statuses import OperationType

Uuid = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Amount = Annotated[int, Field(strict=True, gt=0, le=10**13, description="Minor units")]
Currency = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$"), Field(description="ISO 4217, e.g. EUR")
]
OrderId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Comment = Annotated[str, StringConstraints(max_length=255)]


class YesNo(StrEnum):
    YES = "YES"
    NO = "NO"


class ResolutionMode(StrEnum):
    AUTO = "AUTO"
    CANCELLATION_ONLY = "CANCELLATION_ONLY"
    REFUND_ONLY = "REFUND_ONLY"


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TransactionGetIn(_Request):
    uuid: Uuid = Field(description="The transaction's uuid (32 hexadecimal characters)")


class OrderGetIn(_Request):
    orderId: OrderId
    operationType: OperationType | None = Field(
        None, description="Only the transactions of this type (DEBIT, CREDIT, VERIFICATION)"
    )


class TransactionOperationIn(_Request):
    """Transaction/Validate and Transaction/Cancel."""

    uuid: Uuid
    comment: Comment | None = Field(None, description="Kept in the operations log")


class CancelOrRefundIn(_Request):
    uuid: Uuid
    amount: Amount | None = Field(
        None, description="For a refund: how much (all that is not refunded yet if absent)"
    )
    currency: Currency | None = Field(None, description="If given, the transaction's currency")
    resolutionMode: ResolutionMode = ResolutionMode.AUTO
    comment: Comment | None = None


def parse_capture_instant(value: str) -> date | datetime:
    """A date (2026-03-10) or an instant with its offset (2026-03-10T07:46:06+00:00)."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("expected a date (YYYY-MM-DD) or an ISO 8601 instant") from None
    if instant.tzinfo is None:
        raise ValueError("an instant needs its UTC offset, e.g. 2026-03-10T07:46:06+00:00")
    return instant.astimezone(UTC)


class CardUpdate(_Request):
    amount: Amount = Field(description="The new amount: at most the current one")
    currency: Currency = Field(description="The transaction's currency")
    expectedCaptureDate: str | None = Field(
        None, description="New capture date: a date, or an instant with its offset"
    )
    manualValidation: YesNo | None = Field(
        None, description="NO validates a transaction waiting for validation"
    )

    @field_validator("expectedCaptureDate")
    @classmethod
    def _instant(cls, value: str | None) -> str | None:
        if value is not None:
            parse_capture_instant(value)
        return value


class TransactionUpdateIn(_Request):
    uuid: Uuid
    cardUpdate: CardUpdate
    orderId: OrderId | None = Field(None, description="If given, the transaction's order id")
    comment: Comment | None = None


class CardDuplicate(_Request):
    manualValidation: YesNo | None = Field(None, description="YES: the copy waits for validation")
    captureDelay: int | None = Field(
        None, strict=True, ge=0, le=365, description="Days from today to the capture"
    )


class TransactionDuplicateIn(_Request):
    uuid: Uuid
    amount: Amount
    currency: Currency = Field(description="The source transaction's currency")
    orderId: OrderId | None = Field(
        None, description="The copy's order id (the source's if absent)"
    )
    comment: Comment | None = None
    cardDuplicate: CardDuplicate | None = None
