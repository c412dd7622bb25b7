"""The columns of the transaction journal Pointage reads, and one converter for each.

Each converter takes the raw text of a field and returns its value, or raises
`ValueRefused` with a sentence for a person. They run millions of times per import, so
they use string methods and dictionary look-ups rather than regular expressions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from pointage.core.cards import normalise_masked_pan
from pointage.core.errors import InvalidInput
from pointage.core.money import EXPONENTS, NUMERIC_CODES
from pointage.core.statuses import DetailedStatus, OperationType

MAX_AMOUNT_MINOR = 10**13


class ValueRefused(Exception):
    """A value a converter refuses; the message is a sentence for a person."""


Converter = Callable[[str], object]


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    required: bool
    meaning: str


# The columns Pointage reads, in the order JournalRow lists them (after `line`).
COLUMNS: tuple[Column, ...] = (
    Column("SHOP_ID", True, "shop id, 8 digits"),
    Column("TRANSACTION_UUID", True, "transaction uuid, 32 lowercase hexadecimal characters"),
    Column("TRANSACTION_ID", True, "transaction id, 6 letters or digits, unique per shop and day"),
    Column("TRANSACTION_DATE", True, "creation instant, UTC, YYYYMMDDhhmmss"),
    Column("TRANSACTION_TYPE", True, "DEBIT, CREDIT or VERIFICATION"),
    Column("AMOUNT", True, "amount in minor units of the currency"),
    Column("ORIGINAL_AMOUNT", False, "amount first authorised, minor units"),
    Column("CURRENCY", True, "ISO 4217 code, numeric (978) or alphabetic (EUR)"),
    Column("TRANSACTION_STATUS", True, "detailed status (AUTHORISED, CAPTURED…)"),
    Column("ORDER_ID", False, "merchant's order reference, at most 64 characters"),
    Column("CUSTOMER_ID", False, "merchant's customer reference, at most 80 characters"),
    Column("CARD_TYPE", False, "card brand (CB, VISA…), at most 20 characters"),
    Column("CARD_NUMBER", False, "masked card number: 6 digits, 3 to 9 X, 4 digits"),
    Column("AUTHORIZATION_NUMBER", False, "authorisation number, at most 12 characters"),
    Column("PRESENTATION_DATE", False, "requested capture date, YYYYMMDD"),
    Column("CONTRACT", False, "acquirer contract number (MID), at most 20 characters"),
    Column("PARENT_TRANSACTION_UUID", False, "uuid of the payment a refund refunds"),
)
LABELS = tuple(column.label for column in COLUMNS)

_HEX = "0123456789abcdef"
_TYPES = {kind.value: kind for kind in OperationType}
_STATUSES = {status.value: status for status in DetailedStatus}
_CURRENCIES = {code: code for code in EXPONENTS} | NUMERIC_CODES


def shop_id(value: str) -> str:
    if len(value) == 8 and value.isascii() and value.isdigit():
        return value
    raise ValueRefused(f"shop id must be 8 digits, got {value!r}")


def uuid(value: str) -> str:
    if len(value) == 32 and not value.strip(_HEX):
        return value
    raise ValueRefused(f"uuid must be 32 lowercase hexadecimal characters, got {value!r}")


def optional_uuid(value: str) -> str | None:
    return uuid(value) if value else None


def transaction_id(value: str) -> str:
    if len(value) == 6 and value.isascii() and value.isalnum():
        return value
    raise ValueRefused(f"transaction id must be 6 letters or digits, got {value!r}")


def amount(value: str) -> int:
    if value.isascii() and value.isdigit() and len(value) <= 14:
        amount = int(value)
        if amount <= MAX_AMOUNT_MINOR:
            return amount
        raise ValueRefused(f"amount {value} is out of range")
    if "." in value or "," in value:
        raise ValueRefused(
            f"amounts are whole minor units of the currency (1234 for 12.34), got {value!r}"
        )
    raise ValueRefused(f"amount must be digits (minor units of the currency), got {value!r}")


def optional_amount(value: str) -> int | None:
    return amount(value) if value else None


def currency(value: str) -> str:
    try:
        return _CURRENCIES[value]
    except KeyError:
        raise ValueRefused(f"unknown ISO 4217 currency {value!r}") from None


def operation_type(value: str) -> OperationType:
    try:
        return _TYPES[value]
    except KeyError:
        raise ValueRefused(
            f"transaction type must be DEBIT, CREDIT or VERIFICATION, got {value!r}"
        ) from None


def detailed_status(value: str) -> DetailedStatus:
    try:
        return _STATUSES[value]
    except KeyError:
        raise ValueRefused(f"unknown transaction status {value!r}") from None


def utc_instant(value: str) -> datetime:
    if len(value) == 14 and value.isascii() and value.isdigit():
        try:
            return datetime.fromisoformat(f"{value[:8]}T{value[8:]}").replace(tzinfo=UTC)
        except ValueError:
            pass
    raise ValueRefused(f"date and time must be YYYYMMDDhhmmss (UTC), got {value!r}")


def optional_day(value: str) -> date | None:
    if not value:
        return None
    if len(value) == 8 and value.isascii() and value.isdigit():
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueRefused(f"date must be YYYYMMDD, got {value!r}")


def masked_card(value: str) -> str | None:
    if not value:
        return None
    if (
        len(value) == 16
        and value[6:12] == "XXXXXX"
        and value[:6].isdigit()
        and value[12:].isdigit()
    ):
        return value  # the usual shape, already normalised: skip the regular expressions
    try:
        return normalise_masked_pan(value)
    except InvalidInput as exc:
        raise ValueRefused(
            exc.message
        ) from None  # never echo the value: it may be a full card number


def text(max_length: int) -> Callable[[str], str | None]:
    def convert(value: str) -> str | None:
        if len(value) <= max_length:
            return value or None
        raise ValueRefused(f"at most {max_length} characters, got {len(value)}")

    return convert


def card_brand(value: str) -> str | None:
    if len(value) <= 20:
        return value.upper() or None
    raise ValueRefused(f"card brand has at most 20 characters, got {len(value)}")


CONVERTERS: dict[str, Converter] = {
    "SHOP_ID": shop_id,
    "TRANSACTION_UUID": uuid,
    "TRANSACTION_ID": transaction_id,
    "TRANSACTION_DATE": utc_instant,
    "TRANSACTION_TYPE": operation_type,
    "AMOUNT": amount,
    "ORIGINAL_AMOUNT": optional_amount,
    "CURRENCY": currency,
    "TRANSACTION_STATUS": detailed_status,
    "ORDER_ID": text(64),
    "CUSTOMER_ID": text(80),
    "CARD_TYPE": card_brand,
    "CARD_NUMBER": masked_card,
    "AUTHORIZATION_NUMBER": text(12),
    "PRESENTATION_DATE": optional_day,
    "CONTRACT": text(20),
    "PARENT_TRANSACTION_UUID": optional_uuid,
}


text_12, text_20, text_64, text_80 = text(12), text(20), text(64), text(80)


def check_together(
    kind: OperationType, amount: int, original: int | None, parent: str | None
) -> None:
    """Rules across columns, the same as for a transaction reported through the API."""
    if amount == 0 and kind is not OperationType.VERIFICATION:
        raise ValueRefused("AMOUNT must be above zero for a DEBIT or a CREDIT")
    if original is not None and original < amount:
        raise ValueRefused("ORIGINAL_AMOUNT cannot be below AMOUNT")
    if kind is OperationType.CREDIT and parent is None:
        raise ValueRefused("a refund (CREDIT) must name its payment in PARENT_TRANSACTION_UUID")
