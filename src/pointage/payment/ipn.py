"""The gateway's signed notifications (IPN), in its V4/Payment form.

The gateway posts a form with:
- `kr-answer`: the payment as JSON (shopId, orderDetails, customer, transactions[…]);
- `kr-hash`: hex HMAC-SHA-256 of the raw `kr-answer` bytes, keyed by the shop's key;
- `kr-hash-algorithm`: `sha256_hmac`; `kr-hash-key`: `password` for server notifications.

The signature is checked on the raw text before anything is parsed or stored. A notification
is idempotent: its transactions are ingested by uuid, so a replay changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from pointage.auth import keys
from pointage.auth.service.keys import signing_keys
from pointage.core.errors import AuthenticationFailed, InvalidInput
from pointage.core.statuses import DetailedStatus, Mode, OperationSource, OperationType
from pointage.payment.service import Actor, IncomingTransaction, IngestResult, ingest
from pointage.shop.models import Shop
from pointage.shop.repository import ShopRepository

ANSWER_TYPE = "V4/Payment"
SUPPORTED_ALGORITHM = "sha256_hmac"
SERVER_KEY_NAME = "password"


@dataclass(frozen=True, slots=True)
class Notification:
    kr_answer: str
    kr_hash: str | None
    kr_hash_algorithm: str | None
    kr_hash_key: str | None


def _shop_id_of(answer: dict[str, Any]) -> str:
    shop_id = answer.get("shopId")
    if not isinstance(shop_id, str) or not shop_id:
        raise AuthenticationFailed("the notification names no shop")
    return shop_id


def authenticate(
    session: Session, notification: Notification, secret_key: str
) -> tuple[Shop, Mode, dict[str, Any]]:
    """The shop that signed this notification, the mode of the key it was signed with, and
    its decoded answer; or AuthenticationFailed."""
    if not notification.kr_hash:
        raise AuthenticationFailed("kr-hash is missing: the notification is not signed")
    algorithm = notification.kr_hash_algorithm or SUPPORTED_ALGORITHM
    if algorithm != SUPPORTED_ALGORITHM:
        raise AuthenticationFailed(f"unsupported kr-hash-algorithm {algorithm!r}")
    if (notification.kr_hash_key or SERVER_KEY_NAME) != SERVER_KEY_NAME:
        raise AuthenticationFailed(
            "only server notifications signed with the shop key are accepted"
        )
    try:
        answer = json.loads(notification.kr_answer)
    except ValueError:
        raise AuthenticationFailed(
            "kr-answer is not JSON: the signature cannot be checked"
        ) from None
    if not isinstance(answer, dict):
        raise AuthenticationFailed("kr-answer is not a JSON object")
    shop = ShopRepository(session).shop_by_shop_id(_shop_id_of(answer))
    mode = _signing_mode(session, shop, notification, secret_key) if shop else None
    if shop is None or mode is None:
        # One message for an unknown shop and a bad signature: tell an attacker nothing.
        raise AuthenticationFailed("invalid kr-hash signature")
    stated = answer.get("mode")
    if stated is not None and stated != mode.value:
        raise AuthenticationFailed(
            f"the notification says mode {stated!r} but is signed with a {mode.lower()} key"
        )
    return shop, mode, answer


def _signing_mode(
    session: Session, shop: Shop, notification: Notification, secret_key: str
) -> Mode | None:
    """The mode of the shop's key that signed the notification, if one did."""
    payload = notification.kr_answer.encode()
    for mode in Mode:
        for key in signing_keys(session, shop, mode, secret_key):
            if keys.signature_valid(payload, key, notification.kr_hash or ""):
                return mode
    return None


def _field(obj: dict[str, Any], name: str, path: str, kind: type, *, required: bool = True) -> Any:
    value = obj.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"{path}.{name} is missing", param=f"{path}.{name}")
        return None
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise InvalidInput(f"{path}.{name} must be a {kind.__name__}", param=f"{path}.{name}")
    return value


def _instant(value: str | None, param: str) -> datetime | None:
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{param} is not an ISO 8601 date-time", param=param) from None
    if instant.tzinfo is None:
        raise InvalidInput(f"{param} has no time zone", param=param)
    return instant


def _enum(value: str, enum: type[DetailedStatus] | type[OperationType], param: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(f"{param}: unknown value {value!r}", param=param) from None


def _incoming(answer: dict[str, Any], tx: dict[str, Any], path: str) -> IncomingTransaction:
    details = tx.get("transactionDetails") or {}
    card = details.get("cardDetails") or {}
    authorisation = card.get("authorizationResponse") or {}
    order = answer.get("orderDetails") or {}
    customer = answer.get("customer") or {}
    created = _instant(_field(tx, "creationDate", path, str), f"{path}.creationDate")
    capture = _instant(
        card.get("expectedCaptureDate"),
        f"{path}.transactionDetails.cardDetails.expectedCaptureDate",
    )
    manual = card.get("manualValidation") == "YES"
    status = _enum(
        _field(tx, "detailedStatus", path, str), DetailedStatus, f"{path}.detailedStatus"
    )
    if manual and status is DetailedStatus.AUTHORISED:
        status = DetailedStatus.AUTHORISED_TO_VALIDATE
    assert created is not None
    capture_day: date | None = capture.date() if capture else None
    return IncomingTransaction(
        uuid=_field(tx, "uuid", path, str),
        operation_type=_enum(
            _field(tx, "operationType", path, str), OperationType, f"{path}.operationType"
        ),
        amount_minor=_field(tx, "amount", path, int),
        currency=_field(tx, "currency", path, str),
        detailed_status=status,
        created_at=created,
        transaction_id=card.get("legacyTransId"),
        order_id=order.get("orderId"),
        card_brand=card.get("effectiveBrand"),
        card_masked=card.get("pan"),
        authorisation_number=authorisation.get("authorizationNumber"),
        customer_reference=customer.get("reference"),
        expected_capture_date=capture_day,
        contract_number=details.get("mid"),
        parent_uuid=details.get("parentTransactionUuid"),
    )


def incoming_transactions(answer: dict[str, Any]) -> list[IncomingTransaction]:
    """Every transaction of a V4/Payment answer, validated; InvalidInput names the JSON path."""
    transactions = answer.get("transactions")
    if not isinstance(transactions, list) or not transactions:
        raise InvalidInput("kr-answer.transactions must be a non-empty list", param="transactions")
    result = []
    for index, tx in enumerate(transactions):
        path = f"transactions[{index}]"
        if not isinstance(tx, dict):
            raise InvalidInput(f"{path} must be an object", param=path)
        if tx.get("shopId") not in (None, answer.get("shopId")):
            raise InvalidInput(
                f"{path}.shopId differs from the notification's shop", param=f"{path}.shopId"
            )
        result.append(_incoming(answer, tx, path))
    return result


def handle(session: Session, notification: Notification, secret_key: str) -> list[IngestResult]:
    """Authenticate, validate every transaction, then ingest them all (or none)."""
    shop, mode, answer = authenticate(session, notification, secret_key)
    incoming = [replace(item, mode=mode) for item in incoming_transactions(answer)]
    actor = Actor(f"ipn:{shop.shop_id}", OperationSource.IPN)
    return [ingest(session, shop, item, actor) for item in incoming]
