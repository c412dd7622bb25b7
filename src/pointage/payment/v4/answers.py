"""The answers of the V4 services, shaped like the gateway's: the envelope every call returns,
the V4/Transaction and V4/OrderTransactions objects, and the V4/WebService/WebServiceError.

`_type` names each object as the gateway does. Fields the gateway has and Pointage cannot
fill are null (or absent, for the card's expiry, which Pointage never stores);
`transactionDetails.reconciliationDetails` is Pointage's own addition.
"""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """Base of every V4 object: fields named as the gateway names them, `_type` included."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class CardAuthorizationResponse(Answer):
    amount: int = Field(description="Amount first authorised, minor units")
    currency: str
    authorizationNumber: str | None
    type_: Literal["V4/PaymentMethod/Details/Cards/CardAuthorizationResponse"] = Field(
        "V4/PaymentMethod/Details/Cards/CardAuthorizationResponse", alias="_type"
    )


class CardCaptureResponse(Answer):
    captureDate: str | None = Field(description="When the capture batch captured it (UTC)")
    captureFileNumber: int | None = Field(description="The number of its remittance (remise)")
    refundAmount: int | None = Field(description="For a payment: minor units refunded so far")
    refundCurrency: str | None
    type_: Literal["V4/PaymentMethod/Details/Cards/CardCaptureResponse"] = Field(
        "V4/PaymentMethod/Details/Cards/CardCaptureResponse", alias="_type"
    )


class CardDetails(Answer):
    manualValidation: Literal["YES", "NO"] = Field(description="YES while it waits for validation")
    expectedCaptureDate: str = Field(description="Midnight of the capture day, shop's time zone")
    effectiveBrand: str | None
    pan: str | None = Field(description="Masked: first 6 and last 4 digits only")
    legacyTransId: str = Field(description="The 6-character transaction id of its day")
    legacyTransDate: str
    authorizationResponse: CardAuthorizationResponse
    captureResponse: CardCaptureResponse
    type_: Literal["V4/PaymentMethod/Details/CardDetails"] = Field(
        "V4/PaymentMethod/Details/CardDetails", alias="_type"
    )


class ReconciliationDetails(Answer):
    """Pointage's addition: where the money of the transaction stands on the bank account."""

    reconciliationStatus: str = Field(
        description="not_applicable, pending, to_review, reconciled, reconciled_manual, anomaly"
    )
    disputeFlag: str = Field(description="yes (a chargeback took it back), no, or na")
    remittanceNumber: int | None
    remittanceDate: str | None
    expectedCreditDate: str | None = Field(description="When the bank should credit the remittance")
    type_: Literal["V4/Pointage/ReconciliationDetails"] = Field(
        "V4/Pointage/ReconciliationDetails", alias="_type"
    )


class TransactionDetails(Answer):
    creationContext: Literal["CHARGE", "REFUND", "DUPLICATE", "VERIFICATION"]
    parentTransactionUuid: str | None = Field(
        description="A refund's payment, or the payment a duplicate was copied from"
    )
    mid: str | None = Field(description="The acquirer contract number (MID)")
    effectiveAmount: int
    effectiveCurrency: str
    cardDetails: CardDetails
    reconciliationDetails: ReconciliationDetails
    type_: Literal["V4/TransactionDetails"] = Field("V4/TransactionDetails", alias="_type")


class OrderDetails(Answer):
    orderId: str | None
    orderTotalAmount: int
    orderEffectiveAmount: int
    orderCurrency: str
    mode: Literal["TEST", "PRODUCTION"]
    metadata: None = None
    type_: Literal["V4/OrderDetails"] = Field("V4/OrderDetails", alias="_type")


class TransactionAnswer(Answer):
    shopId: str
    uuid: str
    amount: int = Field(description="Current amount, minor units")
    currency: str
    paymentMethodType: Literal["CARD"] = "CARD"
    paymentMethodToken: None = None
    status: str = Field(description="PAID, RUNNING, UNPAID or ABANDONED")
    detailedStatus: str
    operationType: str = Field(description="DEBIT (payment), CREDIT (refund) or VERIFICATION")
    creationDate: str
    errorCode: None = None
    errorMessage: None = None
    detailedErrorCode: None = None
    detailedErrorMessage: None = None
    metadata: None = None
    orderDetails: OrderDetails
    transactionDetails: TransactionDetails
    type_: Literal["V4/Transaction"] = Field("V4/Transaction", alias="_type")


class OrderTransactionsAnswer(Answer):
    shopId: str
    orderCycle: Literal["OPEN", "CLOSED"] = Field(description="OPEN while a transaction runs")
    orderStatus: Literal["PAID", "RUNNING", "UNPAID"]
    serverDate: str
    orderDetails: OrderDetails
    transactions: list[TransactionAnswer]
    type_: Literal["V4/OrderTransactions"] = Field("V4/OrderTransactions", alias="_type")


class WebServiceError(Answer):
    errorCode: str = Field(description="The gateway's code: INT_xxx (request), PSP_xxx (refusal)")
    errorMessage: str
    detailedErrorCode: str | None = Field(description="Pointage's own stable error code")
    detailedErrorMessage: str | None = Field(
        description="What was wrong, starting with the parameter at fault when there is one"
    )
    ticket: str = Field(description="Quote it to support: it identifies the error in the logs")
    shopId: str | None
    type_: Literal["V4/WebService/WebServiceError"] = Field(
        "V4/WebService/WebServiceError", alias="_type"
    )


AnswerT = TypeVar("AnswerT", bound=Answer)


class V4Response(Answer, Generic[AnswerT]):
    """The envelope of every answer: status SUCCESS with the service's answer, or ERROR with
    a WebServiceError."""

    webService: str = Field(description="The service called, e.g. Transaction/Get")
    version: Literal["V4"] = "V4"
    applicationVersion: str
    status: Literal["SUCCESS", "ERROR"]
    answer: AnswerT | WebServiceError
    ticket: str | None
    serverDate: str
    applicationProvider: Literal["POINTAGE"] = "POINTAGE"
    metadata: None = None
    mode: Literal["TEST", "PRODUCTION"] | None = Field(description="The key's mode")
    serverUrl: str
    type_: Literal["V4/WebService/Response"] = Field("V4/WebService/Response", alias="_type")
