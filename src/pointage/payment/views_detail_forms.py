"""The forms of the transaction detail page's actions: what each asks, how its fields are
read, and the message of each mistake (in English, translated where shown).

Amounts are typed in the currency's units ("12.50" or "12,50", as many decimals as the
currency has at most) and read into integer minor units; nothing is changed while a field
is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from pointage.core.errors import InvalidAmount
from pointage.core.money import exponent, format_amount, to_minor

ACTIONS = (
    "validate",
    "cancel",
    "modify",
    "refund",
    "duplicate",
    "reconcile",
    "confirm",
    "unmatch",
)
OPERATIONS = frozenset({"validate", "cancel", "modify", "refund", "duplicate"})
# The actions on one of the transaction's matches or suggestions: the form field naming it.
TARGETS = {"confirm": "suggestion", "unmatch": "match"}
MAX_COMMENT = 2000
MAX_DUPLICATE_MINOR = 10**13
MAX_DEFERRAL_DAYS = 365
_AMOUNT = re.compile(r"[0-9]{1,18}(\.[0-9]{1,18})?")


@dataclass
class ActionForm:
    """A form as typed (kept to show it again) and its mistakes, field → (error, values)."""

    action: str
    values: dict[str, str]
    errors: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    amount_minor: int | None = None
    capture_date: date | None = None
    target_id: int | None = None  # the match or suggestion acted on

    @property
    def comment(self) -> str | None:
        return self.values.get("comment", "").strip() or None


def example(currency: str) -> str:
    """An amount as one types it in this currency: 12.50, 1250 (JPY), 12.500 (TND)."""
    return format_amount(1250 * 10 ** exponent(currency) // 100, currency)


def read_amount(form: ActionForm, currency: str, maximum: int, too_high: str) -> None:
    text = form.values.get("amount", "").strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        form.errors["amount"] = ("amount_missing", {})
        return
    text = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    if not _AMOUNT.fullmatch(text):
        form.errors["amount"] = ("amount_format", {"example": example(currency)})
        return
    try:
        minor = to_minor(text, currency)
    except InvalidAmount:
        digits = str(exponent(currency))
        form.errors["amount"] = ("amount_decimals", {"currency": currency, "digits": digits})
        return
    if minor <= 0:
        form.errors["amount"] = ("amount_positive", {})
    elif minor > maximum:
        form.errors["amount"] = (too_high, {"max_minor": str(maximum)})
    else:
        form.amount_minor = minor


def read_capture_date(form: ActionForm, today: date, transaction_day: date) -> None:
    text = form.values.get("capture_date", "").strip()
    if not text:
        return
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        form.errors["capture_date"] = ("date_format", {})
    elif day < today:
        form.errors["capture_date"] = ("date_past", {})
    elif day > transaction_day + timedelta(days=MAX_DEFERRAL_DAYS):
        form.errors["capture_date"] = ("date_far", {})
    else:
        form.capture_date = day


def read_comment(form: ActionForm, *, required: bool) -> None:
    text = form.values.get("comment", "")
    if "\x00" in text:
        form.errors["comment"] = ("comment_character", {})
    elif len(text) > MAX_COMMENT:
        form.errors["comment"] = ("comment_long", {"count": str(MAX_COMMENT)})
    elif required and not text.strip():
        form.errors["comment"] = ("comment_missing", {})


def read_target(form: ActionForm, shown: tuple[int, ...]) -> None:
    """The match or suggestion named, when it is one of those the page shows."""
    text = form.values.get(TARGETS[form.action], "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 18 and int(text) in shown:
        form.target_id = int(text)
