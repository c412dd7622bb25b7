"""Settings pages (/settings): the settings index, contracts and bank accounts.

Contracts are the selected shop's; bank accounts are its merchant's (as over the API's
`GET /v1/bank-accounts`), each with the shop's contracts credited on it. IBANs are shown
masked. Contracts and accounts are created here; the services change neither once made.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from babel import Locale
from babel.numbers import format_decimal
from fastapi import Form, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from pointage.core.errors import Conflict, InvalidInput
from pointage.core.money import is_currency
from pointage.shop import service
from pointage.shop.models import BankAccount, Shop
from pointage.shop.repository import ShopRepository
from pointage.shop.views_common import REPORT_SETTINGS, ShopsAdmin, actor_of, page
from pointage.shop.views_contract_form import (
    CONTRACT_ERRORS,
    CONTRACT_FIELDS,
    SETTLEMENT_LABELS,
    ContractForm,
    field_of,
    read_terms,
)
from pointage.statement.repository import StatementRepository
from pointage.web.backoffice import SelectedShop, gettext_for, page_router
from pointage.web.deps import DbSession
from pointage.web.i18n import N_
from pointage.web.session import flash
from pointage.web.templating import redirect

router = page_router()

Text = Annotated[str, Form(max_length=200)]
ACCOUNT_ERRORS = {
    "label": N_("Enter a name for the account (1 to 200 characters)."),
    "iban": N_("Enter a valid IBAN, such as FR76 3000 6000 0112 3456 7890 189."),
    "iban_taken": N_("A bank account with this IBAN already exists."),
    "bic": N_("Enter a valid BIC (8 or 11 characters), or leave it empty."),
    "currency": N_("Enter a currency code such as EUR."),
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
    terms = read_terms(session, shop, form)
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
            form.errors[field_of(exc.param)] = field_of(exc.param)
        else:
            _ = gettext_for(request)
            flash(request, _("Contract %(number)s created.") % {"number": made.number})
            return redirect("/settings/contracts")
    return _contracts_page(request, session, shop, form, status_code=422)


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
