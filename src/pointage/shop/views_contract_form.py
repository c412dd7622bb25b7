"""The contract form of the settings pages: each field read and checked with the rules of
`shop.service.create_contract`, each mistake noted on its field (a key of CONTRACT_ERRORS);
percentages and amounts typed as people write them ("1,25", "0.10") become basis points and
minor units of the bank account's currency."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from pointage.core.errors import InvalidAmount
from pointage.core.money import to_minor
from pointage.core.statuses import SettlementMode
from pointage.shop.models import BankAccount, Shop
from pointage.statement.repository import StatementRepository
from pointage.web.i18n import N_

MAX_FEE_FIXED_MINOR = 2**31 - 1  # the column is an Integer

CONTRACT_FIELDS = (
    "number",
    "acquirer",
    "bank_account",
    "fee_rate",
    "fee_fixed",
    "settlement_mode",
    "credit_delay_days",
    "grace_business_days",
    "fee_tolerance",
    "cutoff_time",
    "brands",
)
CONTRACT_ERRORS = {
    "number": N_("A contract number has 1 to 20 letters or digits."),
    "number_taken": N_("A contract with this number already exists."),
    "acquirer": N_("Enter the acquirer's name (at most 100 characters)."),
    "bank_account": N_("Choose the bank account the acquirer credits."),
    "fee_rate": N_("Enter a commission rate from 0 to 100, with at most 2 decimals."),
    "fee_fixed": N_("Enter a fixed commission such as 0.25 (zero or more)."),
    "settlement_mode": N_("Choose gross or net."),
    "credit_delay_days": N_("Enter a whole number of business days from 0 to 30."),
    "grace_business_days": N_("Enter a whole number of business days from 0 to 30."),
    "fee_tolerance": N_("Enter a tolerance such as 0.05, at most 1000."),
    "cutoff_time": N_("Enter a time as HH:MM, such as 23:00."),
    "brands": N_("Enter card brands separated by commas, such as CB,VISA,MASTERCARD."),
}
SETTLEMENT_LABELS = {
    SettlementMode.GROSS.value: N_("Gross (commission debited apart)"),
    SettlementMode.NET.value: N_("Net (commission deducted)"),
}


@dataclass
class ContractForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def blank(cls, shop: Shop) -> ContractForm:
        values = dict.fromkeys(CONTRACT_FIELDS, "")
        values.update(
            settlement_mode="net",
            fee_rate="0",
            fee_fixed="0",
            credit_delay_days="1",
            grace_business_days="2",
            fee_tolerance="0",
            cutoff_time="23:00",
            brands="CB,VISA,MASTERCARD",
        )
        return cls(values)


def field_of(param: str | None) -> str:
    names = {"fee_rate_bp": "fee_rate", "fee_fixed_minor": "fee_fixed"}
    names["fee_tolerance_minor"] = "fee_tolerance"
    name = names.get(param or "", param or "number")
    return name if name in CONTRACT_ERRORS else "number"


@dataclass(frozen=True)
class Terms:
    number: str
    acquirer: str
    fee_rate_bp: int
    fee_fixed_minor: int
    settlement_mode: SettlementMode
    credit_delay_days: int
    grace_business_days: int
    fee_tolerance_minor: int
    cutoff_time: time
    brands: str


def read_terms(
    session: Session, shop: Shop, form: ContractForm
) -> tuple[BankAccount, Terms] | None:
    """The service's arguments read from the form; each mistake noted on its field."""
    v, errors = form.values, form.errors
    if not re.fullmatch(r"[0-9A-Za-z]{1,20}", v["number"]):
        errors["number"] = "number"
    if not v["acquirer"] or len(v["acquirer"]) > 100:
        errors["acquirer"] = "acquirer"
    if not v["brands"]:
        errors["brands"] = "brands"
    account = _own_account(session, shop, v["bank_account"])
    if account is None:
        errors["bank_account"] = "bank_account"
    currency = account.currency if account is not None else shop.default_currency
    terms = Terms(
        number=v["number"],
        acquirer=v["acquirer"],
        fee_rate_bp=_percent_bp(form, "fee_rate"),
        fee_fixed_minor=_amount(form, "fee_fixed", currency, MAX_FEE_FIXED_MINOR),
        settlement_mode=_settlement(form),
        credit_delay_days=_days(form, "credit_delay_days"),
        grace_business_days=_days(form, "grace_business_days"),
        fee_tolerance_minor=_amount(form, "fee_tolerance", currency, 100_000),
        cutoff_time=_cutoff(form),
        brands=v["brands"],
    )
    return None if account is None else (account, terms)


def _own_account(session: Session, shop: Shop, value: str) -> BankAccount | None:
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        return None
    return StatementRepository(session).account_of_merchant(int(value), shop.merchant_id)


def _percent_bp(form: ContractForm, name: str) -> int:
    text = form.values[name].replace(",", ".").removesuffix("%").strip()
    try:
        percent = Decimal(text)
        exponent = percent.as_tuple().exponent
        if not percent.is_finite() or not isinstance(exponent, int) or exponent < -2:
            raise InvalidOperation
        basis_points = int(percent * 100)
    except (InvalidOperation, ValueError):
        basis_points = -1
    if not 0 <= basis_points <= 10_000 or "_" in text:
        form.errors[name] = name
        return 0
    return basis_points


def _amount(form: ContractForm, name: str, currency: str, maximum: int) -> int:
    text = form.values[name].replace(" ", "").replace("\u202f", "").replace(",", ".")
    try:
        minor = to_minor(text or "x", currency)
    except InvalidAmount:
        minor = -1
    if not 0 <= minor <= maximum:
        form.errors[name] = name
        return 0
    return minor


def _days(form: ContractForm, name: str) -> int:
    text = form.values[name]
    if not (text.isascii() and text.isdigit()) or len(text) > 2 or int(text) > 30:
        form.errors[name] = name
        return 0
    return int(text)


def _settlement(form: ContractForm) -> SettlementMode:
    if form.values["settlement_mode"] not in SETTLEMENT_LABELS:
        form.errors["settlement_mode"] = "settlement_mode"
        return SettlementMode.NET
    return SettlementMode(form.values["settlement_mode"])


def _cutoff(form: ContractForm) -> time:
    text = form.values["cutoff_time"]
    try:
        if not re.fullmatch(r"\d{2}:\d{2}", text):
            raise ValueError(text)
        return time.fromisoformat(text)
    except ValueError:
        form.errors["cutoff_time"] = "cutoff_time"
        return time(23, 0)


# -- bank accounts -------------------------------------------------------------------------
