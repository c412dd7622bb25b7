"""Settings pages (/settings): the settings index, contracts and bank accounts.

Contracts are the selected shop's; bank accounts are its merchant's (as over the API's
`GET /v1/bank-accounts`), each with the shop's contracts credited on it. IBANs are shown
masked. Contracts and accounts are created here; the services change neither once made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Annotated

from babel import Locale
from babel.numbers import format_decimal
from fastapi import Form, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from pointage.core.errors import Conflict, InvalidAmount, InvalidInput
from pointage.core.money import is_currency, to_minor
from pointage.core.statuses import SettlementMode
from pointage.shop import service
from pointage.shop.admin_pages import REPORT_SETTINGS, ShopsAdmin, actor_of, page
from pointage.shop.models import BankAccount, Shop
from pointage.shop.repository import ShopRepository
from pointage.statement.repository import StatementRepository
from pointage.web.backoffice import SelectedShop, gettext_for, page_router
from pointage.web.deps import DbSession
from pointage.web.i18n import N_
from pointage.web.session import flash
from pointage.web.templating import redirect

router = page_router()

Text = Annotated[str, Form(max_length=200)]
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
ACCOUNT_ERRORS = {
    "label": N_("Enter a name for the account (1 to 200 characters)."),
    "iban": N_("Enter a valid IBAN, such as FR76 3000 6000 0112 3456 7890 189."),
    "iban_taken": N_("A bank account with this IBAN already exists."),
    "bic": N_("Enter a valid BIC (8 or 11 characters), or leave it empty."),
    "currency": N_("Enter a currency code such as EUR."),
}
SETTLEMENT_LABELS = {
    SettlementMode.GROSS.value: N_("Gross (commission debited apart)"),
    SettlementMode.NET.value: N_("Net (commission deducted)"),
}


def mask_iban(iban: str) -> str:
    """Country, check digits and the last four characters: enough to tell accounts apart."""
    return f"{iban[:4]} •••• {iban[-4:]}" if len(iban) > 8 else "••••"


def percent(basis_points: int, locale: Locale) -> str:
    """Basis points as a percentage in the page's language, without the sign: "1,25"."""
    return str(format_decimal(Decimal(basis_points) / 100, format="#,##0.##", locale=locale))


@router.get("/settings")
def settings_index(request: Request, user: ShopsAdmin) -> HTMLResponse:
    context = {"report_settings": REPORT_SETTINGS, "section": "index"}
    return page(request, "settings/index.html", context)


# -- contracts -----------------------------------------------------------------------------


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


def _accounts(session: Session, shop: Shop) -> list[BankAccount]:
    repository = StatementRepository(session)
    query = repository.accounts_query(shop.merchant_id).order_by(BankAccount.id)
    return list(session.scalars(query))


def _contracts_page(
    request: Request, session: Session, shop: Shop, form: ContractForm, status_code: int = 200
) -> HTMLResponse:
    accounts = _accounts(session, shop)
    context = {
        "section": "contracts",
        "contracts": ShopRepository(session).contracts_of_shop(shop.id),
        "accounts": {account.id: account for account in accounts},
        "account_list": accounts,
        "form": form,
        "errors": CONTRACT_ERRORS,
        "settlement_labels": SETTLEMENT_LABELS,
        "mask_iban": mask_iban,
        "percent": percent,
        "currency": shop.default_currency,
    }
    return page(request, "settings/contracts.html", context, status_code=status_code)


@router.get("/settings/contracts")
def contracts(
    request: Request, user: ShopsAdmin, shop: SelectedShop, session: DbSession
) -> HTMLResponse:
    return _contracts_page(request, session, shop, ContractForm.blank(shop))


@router.post("/settings/contracts")
def create_contract(
    request: Request,
    user: ShopsAdmin,
    shop: SelectedShop,
    session: DbSession,
    number: Text = "",
    acquirer: Text = "",
    bank_account: Text = "",
    fee_rate: Text = "",
    fee_fixed: Text = "",
    settlement_mode: Text = "",
    credit_delay_days: Text = "",
    grace_business_days: Text = "",
    fee_tolerance: Text = "",
    cutoff_time: Text = "",
    brands: Text = "",
) -> Response:
    given = (
        number,
        acquirer,
        bank_account,
        fee_rate,
        fee_fixed,
        settlement_mode,
        credit_delay_days,
        grace_business_days,
        fee_tolerance,
        cutoff_time,
        brands,
    )
    form = ContractForm(
        {name: value.strip() for name, value in zip(CONTRACT_FIELDS, given, strict=True)}
    )
    terms = _contract_terms(session, shop, form)
    if terms is not None and not form.errors:
        account, t = terms
        try:
            made = service.create_contract(
                session,
                shop,
                account,
                number=t.number,
                acquirer=t.acquirer,
                fee_rate_bp=t.fee_rate_bp,
                fee_fixed_minor=t.fee_fixed_minor,
                settlement_mode=t.settlement_mode,
                credit_delay_days=t.credit_delay_days,
                cutoff_time=t.cutoff_time,
                brands=t.brands,
                grace_business_days=t.grace_business_days,
                fee_tolerance_minor=t.fee_tolerance_minor,
                actor=actor_of(user),
            )
        except Conflict:
            form.errors["number"] = "number_taken"
        except InvalidInput as exc:
            form.errors[_contract_field(exc.param)] = _contract_field(exc.param)
        else:
            _ = gettext_for(request)
            flash(request, _("Contract %(number)s created.") % {"number": made.number})
            return redirect("/settings/contracts")
    return _contracts_page(request, session, shop, form, status_code=422)


def _contract_field(param: str | None) -> str:
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


def _contract_terms(
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


def _accounts_page(
    request: Request,
    session: Session,
    shop: Shop,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    accounts = _accounts(session, shop)
    credited = StatementRepository(session).contracts_of_shop_by_account(
        shop.id, [account.id for account in accounts]
    )
    context = {
        "section": "bank_accounts",
        "accounts": accounts,
        "credited": credited,
        "mask_iban": mask_iban,
        "values": values,
        "form_errors": {name: ACCOUNT_ERRORS[key] for name, key in errors.items()},
    }
    return page(request, "settings/bank_accounts.html", context, status_code=status_code)


@router.get("/settings/bank-accounts")
def bank_accounts(
    request: Request, user: ShopsAdmin, shop: SelectedShop, session: DbSession
) -> HTMLResponse:
    values = {"label": "", "iban": "", "bic": "", "currency": shop.default_currency}
    return _accounts_page(request, session, shop, values, {})


@router.post("/settings/bank-accounts")
def create_bank_account(
    request: Request,
    user: ShopsAdmin,
    shop: SelectedShop,
    session: DbSession,
    label: Text = "",
    iban: Text = "",
    bic: Text = "",
    currency: Text = "",
) -> Response:
    values = {"label": label.strip(), "iban": iban.strip(), "bic": bic.strip()}
    values["currency"] = currency.strip().upper()
    errors = _account_errors(values)
    if not errors:
        merchant = ShopRepository(session).merchant(shop.merchant_id)
        assert merchant is not None  # a shop's merchant exists (foreign key)
        try:
            made = service.create_bank_account(
                session,
                merchant,
                iban=values["iban"],
                label=values["label"],
                bic=values["bic"] or None,
                currency=values["currency"],
                actor=actor_of(user),
            )
        except Conflict:
            errors["iban"] = "iban_taken"
        except InvalidInput as exc:
            name = exc.param if exc.param in ACCOUNT_ERRORS else "iban"
            errors[str(name)] = str(name)
        else:
            _ = gettext_for(request)
            flash(request, _("Bank account %(label)s added.") % {"label": made.label})
            return redirect("/settings/bank-accounts")
    return _accounts_page(request, session, shop, values, errors, status_code=422)


def _account_errors(values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not values["label"]:
        errors["label"] = "label"
    if not values["iban"]:
        errors["iban"] = "iban"
    if not is_currency(values["currency"]):
        errors["currency"] = "currency"
    return errors
