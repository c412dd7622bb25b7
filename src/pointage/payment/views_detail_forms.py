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
from pointage.web.i18n import N_

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

# Each action's page title, confirmation question, button and success message.
TITLES = {
    "validate": N_("Validate the transaction"),
    "cancel": N_("Cancel the transaction"),
    "modify": N_("Modify the transaction"),
    "refund": N_("Refund the payment"),
    "duplicate": N_("Duplicate the payment"),
    "reconcile": N_("Reconcile by hand"),
    "confirm": N_("Confirm the suggestion"),
    "unmatch": N_("Undo the match"),
}
QUESTIONS = {
    "validate": N_("Validate this transaction? The batch of its capture date will capture it."),
    "cancel": N_("Cancel this transaction? It will never be captured; this cannot be undone."),
    "modify": N_("Lower the amount or move the capture date of this transaction?"),
    "refund": N_(
        "Refund this payment? A refund transaction is created and the next daily batch "
        "sends it to the bank; this cannot be undone."
    ),
    "duplicate": N_("Create a new payment on the same card, contract and currency?"),
    "reconcile": N_(
        "Mark this transaction reconciled without a bank entry (paid another way, credited "
        "on an account not imported…)? Say why in the comment."
    ),
    "confirm": N_(
        "Confirm this suggestion? Its bank entries are matched to what it names and the "
        "reconciliation statuses are computed again; you can undo it afterwards."
    ),
    "unmatch": N_(
        "Undo this match? What it claimed is released, the reconciliation statuses of "
        "everything it covered are computed again, and the match stays in the history."
    ),
}
BUTTONS = {
    "validate": N_("Validate"),
    "cancel": N_("Cancel the transaction"),
    "modify": N_("Modify"),
    "refund": N_("Refund"),
    "duplicate": N_("Duplicate"),
    "reconcile": N_("Mark reconciled"),
    "confirm": N_("Confirm"),
    "unmatch": N_("Undo the match"),
}
DONE = {
    "validate": N_("The transaction is validated."),
    "cancel": N_("The transaction is cancelled."),
    "modify": N_("The transaction is modified."),
    "refund": N_("A refund of %(amount)s was created; the next daily batch captures it."),
    "duplicate": N_("A new payment of %(amount)s was created from this one."),
    "reconcile": N_("The transaction is marked reconciled by hand."),
    "confirm": N_(
        "The suggestion is confirmed and the reconciliation statuses were computed again."
    ),
    "unmatch": N_("The match is undone and the reconciliation statuses were computed again."),
}
# What a service's refusal means, per action: the state changed since the page was shown.
REFUSED = {
    "validate": N_("Only a transaction waiting for validation can be validated."),
    "cancel": N_("Only a transaction not yet captured can be cancelled."),
    "modify": N_("Only a transaction not yet captured can be modified."),
    "refund": N_("Only a captured payment can be refunded, up to what is not yet refunded."),
    "duplicate": N_("Only a captured, cancelled or expired payment can be duplicated."),
    "reconcile": N_(
        "This transaction cannot be marked reconciled: it was not captured, or a match "
        "already covers it."
    ),
    "confirm": N_("This suggestion was already confirmed, rejected or superseded."),
    "unmatch": N_("This match was already undone."),
}
NOTHING_CHANGED = N_("Nothing was changed.")

ERRORS = {
    "amount_missing": N_("Enter an amount."),
    "amount_format": N_("Enter an amount such as %(example)s."),
    "amount_decimals": N_("An amount in %(currency)s has at most %(digits)s decimals."),
    "amount_positive": N_("The amount must be above zero."),
    "amount_refundable": N_("The refund cannot be above %(max)s, what is left to refund."),
    "amount_current": N_("The new amount cannot be above the current amount, %(max)s."),
    "amount_large": N_("This amount is too large."),
    "date_format": N_("Enter a date as YYYY-MM-DD."),
    "date_past": N_("The capture date cannot be in the past."),
    "date_far": N_("The capture date cannot be more than a year after the transaction's day."),
    "nothing": N_("Lower the amount or change the capture date."),
    "comment_missing": N_("Enter a comment: say why."),
    "comment_long": N_("A comment has at most %(count)s characters."),
    "comment_character": N_("A comment cannot contain a NUL character."),
}


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
