"""Error codes of the V4 services: the gateway's INT_xxx (the request is wrong) and PSP_xxx
(the gateway refuses) codes, with Pointage's own short message for each.

Domain errors keep their meaning: `GatewayRefusal` is an `OperationNotAllowed` that says which
gateway code fits the reason, `GatewayInvalidInput` an `InvalidInput` naming the parameter as
the gateway does. `gateway_error` turns any error a V4 call may meet into its code.
"""

from __future__ import annotations

from dataclasses import dataclass

from pointage.core.errors import (
    AuthenticationFailed,
    InvalidInput,
    NotFound,
    OperationNotAllowed,
    PermissionDenied,
    PointageError,
    TooManyAttempts,
)

MESSAGES: dict[str, str] = {
    "INT_001": "invalid parameter",
    "INT_005": "invalid manualValidation",
    "INT_006": "invalid capture date or delay",
    "INT_009": "invalid amount",
    "INT_010": "invalid currency",
    "INT_013": "invalid orderId",
    "INT_898": "invalid comment",
    "INT_900": "unknown parameter",
    "INT_901": "no such web service",
    "INT_905": "wrong shop id or key",
    "PSP_001": "operation not allowed",
    "PSP_010": "transaction not found",
    "PSP_013": "date too far ahead",
    "PSP_015": "too many transactions for this order",
    "PSP_016": "this transaction cannot be duplicated",
    "PSP_075": "a captured transaction cannot be cancelled: refund it",
    "PSP_076": "a transaction not captured yet cannot be refunded: cancel it",
    "PSP_083": "an unpaid transaction cannot be refunded",
    "PSP_101": "this transaction cannot be refunded",
    "PSP_103": "an amount is not allowed here",
    "PSP_104": "transaction already fully refunded",
    "PSP_105": "transaction already cancelled",
    "PSP_106": "too many failed authentications: retry later",
    "PSP_110": "this transaction cannot be updated",
    "PSP_210": "a card verification cannot be duplicated",
    "PSP_503": "not allowed in the transaction's current status",
    "PSP_511": "refunds would exceed the captured amount",
    "PSP_512": "a refund cannot be duplicated",
    "PSP_545": "the currency is not the transaction's",
    "PSP_546": "the amount is above the transaction's",
    "PSP_999": "technical error",
}

# Which code says "this parameter is wrong", by the parameter's last name.
_PARAM_CODES: dict[str, str] = {
    "amount": "INT_009",
    "currency": "INT_010",
    "orderId": "INT_013",
    "expectedCaptureDate": "INT_006",
    "captureDelay": "INT_006",
    "manualValidation": "INT_005",
    "comment": "INT_898",
}


def code_for_param(param: str | None) -> str:
    last = (param or "").rsplit(".", 1)[-1]
    return _PARAM_CODES.get(last, "INT_001")


class GatewayRefusal(OperationNotAllowed):
    """An operation the transaction's state refuses, with the gateway's code for why."""

    def __init__(self, gateway_code: str, message: str) -> None:
        super().__init__(message)
        self.gateway_code = gateway_code


class GatewayInvalidInput(InvalidInput):
    """A request parameter that does not fit the transaction (its currency, its order id)."""

    def __init__(self, gateway_code: str, message: str, *, param: str) -> None:
        super().__init__(message, param=param)
        self.gateway_code = gateway_code


class UnknownWebService(NotFound):
    code = "unknown_web_service"


# Pointage answers a wrong or missing key with HTTP 401 where the gateway answers 200 (the
# INT_905 envelope is the same): a working integration never sees it, and HTTP clients,
# proxies and monitoring see an authentication failure for what it is.
AUTHENTICATION_FAILED_STATUS = 401
CHALLENGE = {"WWW-Authenticate": 'Basic realm="pointage"'}


@dataclass(frozen=True, slots=True)
class GatewayError:
    """What the WebServiceError of an error says, and the HTTP status that carries it."""

    code: str
    message: str
    detailed_code: str | None
    detailed_message: str | None
    status: int = 200
    headers: dict[str, str] | None = None


def _detail(exc: PointageError) -> str:
    return f"{exc.param}: {exc.message}" if exc.param else exc.message


def gateway_error(exc: PointageError) -> GatewayError:
    """The gateway code and messages of a domain error met by a V4 call."""
    code = getattr(exc, "gateway_code", None)
    if code is None:
        code = _code_of(exc)
    message = MESSAGES.get(code, MESSAGES["PSP_999"])
    if isinstance(exc, TooManyAttempts):
        retry = {"Retry-After": str(exc.retry_after_seconds)}
        return GatewayError(code, message, exc.code, _detail(exc), 429, retry)
    if isinstance(exc, AuthenticationFailed):
        return GatewayError(
            code, message, exc.code, _detail(exc), AUTHENTICATION_FAILED_STATUS, CHALLENGE
        )
    return GatewayError(code, message, exc.code, _detail(exc))


def _code_of(exc: PointageError) -> str:
    if isinstance(exc, UnknownWebService):
        return "INT_901"
    if isinstance(exc, AuthenticationFailed):
        return "INT_905"
    if isinstance(exc, TooManyAttempts):
        return "PSP_106"
    if isinstance(exc, NotFound):
        return "PSP_010"
    if isinstance(exc, InvalidInput):
        return code_for_param(exc.param)
    if isinstance(exc, OperationNotAllowed):
        return "PSP_503"
    if isinstance(exc, PermissionDenied):
        return "PSP_001"
    return "PSP_999"


def unknown_parameter(param: str) -> GatewayError:
    return GatewayError(
        "INT_900",
        MESSAGES["INT_900"],
        "invalid_input",
        f"{param}: not a parameter of this web service",
    )


def invalid_parameter(param: str, why: str) -> GatewayError:
    code = code_for_param(param)
    return GatewayError(code, MESSAGES[code], "invalid_input", f"{param}: {why}")


TECHNICAL_ERROR = GatewayError(
    "PSP_999",
    MESSAGES["PSP_999"],
    "internal_error",
    "an unexpected error occurred; it has been logged with this ticket",
    500,
)
