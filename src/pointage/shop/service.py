"""Setting up merchants, shops, bank accounts and contracts; shop key handling."""

from __future__ import annotations

import re
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.core.errors import Conflict, InvalidInput, NotFound
from pointage.core.money import is_currency
from pointage.core.statuses import SettlementMode
from pointage.shop.models import BankAccount, Contract, Merchant, Shop
from pointage.shop.repository import ShopRepository

SHOP_ID_PATTERN = re.compile(r"^\d{8}$")


def create_merchant(session: Session, name: str, *, actor: str = "system") -> Merchant:
    merchant = Merchant(name=name)
    ShopRepository(session).add(merchant)
    record(session, actor, "merchant.created", "merchant", merchant.id, detail={"name": name})
    return merchant


def create_shop(
    session: Session,
    merchant: Merchant,
    *,
    shop_id: str,
    name: str,
    timezone: str = "Europe/Paris",
    default_currency: str = "EUR",
    actor: str = "system",
) -> Shop:
    if not SHOP_ID_PATTERN.match(shop_id):
        raise InvalidInput(f"shop id must be 8 digits, got {shop_id!r}", param="shop_id")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {timezone!r}", param="timezone") from None
    if not is_currency(default_currency):
        raise InvalidInput(f"unknown currency {default_currency!r}", param="default_currency")
    repo = ShopRepository(session)
    if repo.shop_by_shop_id(shop_id) is not None:
        raise Conflict(f"shop {shop_id} already exists", param="shop_id")
    shop = Shop(
        merchant_id=merchant.id,
        shop_id=shop_id,
        name=name,
        timezone=timezone,
        default_currency=default_currency,
    )
    repo.add(shop)
    record(session, actor, "shop.created", "shop", shop.shop_id, shop_pk=shop.id)
    return shop


def create_bank_account(
    session: Session,
    merchant: Merchant,
    *,
    iban: str,
    label: str,
    bic: str | None = None,
    currency: str = "EUR",
    actor: str = "system",
) -> BankAccount:
    try:
        parsed = IBAN(iban)
    except SchwiftyException as exc:
        raise InvalidInput(f"invalid IBAN: {exc}", param="iban") from None
    if bic is not None:
        try:
            bic = str(BIC(bic))
        except SchwiftyException as exc:
            raise InvalidInput(f"invalid BIC: {exc}", param="bic") from None
    if not is_currency(currency):
        raise InvalidInput(f"unknown currency {currency!r}", param="currency")
    bank_code, branch_code, account_number = _french_codes(parsed)
    account = BankAccount(
        merchant_id=merchant.id,
        label=label,
        iban=parsed.compact,
        bic=bic or (str(parsed.bic) if parsed.bic else None),
        bank_code=bank_code,
        branch_code=branch_code,
        account_number=account_number,
        currency=currency,
    )
    repo = ShopRepository(session)
    if repo.bank_account_by_iban(account.iban) is not None:
        raise Conflict(f"bank account {parsed.formatted} already exists", param="iban")
    repo.add(account)
    record(session, actor, "bank_account.created", "bank_account", account.id)
    return account


def _french_codes(iban: IBAN) -> tuple[str | None, str | None, str | None]:
    """Bank, branch and account codes, by which CFONB statements name a French account."""
    if iban.country_code not in {"FR", "MC"}:
        return None, None, None
    # French BBAN: bank code (5), branch code (5), account number (11), RIB key (2).
    bban = iban.bban
    return bban[:5], bban[5:10], bban[10:21]


def create_contract(
    session: Session,
    shop: Shop,
    bank_account: BankAccount,
    *,
    number: str,
    acquirer: str,
    fee_rate_bp: int = 0,
    fee_fixed_minor: int = 0,
    settlement_mode: SettlementMode = SettlementMode.NET,
    credit_delay_days: int = 1,
    cutoff_time: time = time(23, 0),
    brands: str = "CB,VISA,MASTERCARD",
    grace_business_days: int = 2,
    fee_tolerance_minor: int = 0,
    actor: str = "system",
) -> Contract:
    _check_contract_terms(number, fee_rate_bp, fee_fixed_minor, settlement_mode, credit_delay_days)
    _check_reconciliation_terms(grace_business_days, fee_tolerance_minor)
    brand_list = _brand_list(brands)
    if bank_account.merchant_id != shop.merchant_id:
        raise InvalidInput("the bank account belongs to another merchant", param="bank_account")
    repo = ShopRepository(session)
    if repo.contract_by_number(number) is not None:
        raise Conflict(f"contract {number} already exists", param="number")
    contract = Contract(
        shop_id=shop.id,
        number=number,
        acquirer=acquirer,
        bank_account_id=bank_account.id,
        fee_rate_bp=fee_rate_bp,
        fee_fixed_minor=fee_fixed_minor,
        settlement_mode=SettlementMode(settlement_mode).value,
        credit_delay_days=credit_delay_days,
        cutoff_time=cutoff_time,
        brands=",".join(brand_list),
        grace_business_days=grace_business_days,
        fee_tolerance_minor=fee_tolerance_minor,
    )
    repo.add(contract)
    record(session, actor, "contract.created", "contract", contract.number, shop_pk=shop.id)
    return contract


def _check_reconciliation_terms(grace_business_days: int, fee_tolerance_minor: int) -> None:
    if not 0 <= grace_business_days <= 30:
        raise InvalidInput(
            "grace period must be 0 to 30 business days", param="grace_business_days"
        )
    if not 0 <= fee_tolerance_minor <= 100_000:
        raise InvalidInput(
            "commission tolerance must be 0 to 100000 minor units", param="fee_tolerance_minor"
        )


def _check_contract_terms(
    number: str,
    fee_rate_bp: int,
    fee_fixed_minor: int,
    settlement_mode: str,
    credit_delay_days: int,
) -> None:
    if not re.fullmatch(r"[0-9A-Za-z]{1,20}", number):
        raise InvalidInput("contract number must be 1 to 20 letters or digits", param="number")
    if not 0 <= fee_rate_bp <= 10_000:
        raise InvalidInput("commission must be between 0 and 100 %", param="fee_rate_bp")
    if fee_fixed_minor < 0:
        raise InvalidInput("fixed commission cannot be negative", param="fee_fixed_minor")
    if settlement_mode not in set(SettlementMode):
        raise InvalidInput(
            f"settlement mode must be gross or net, got {settlement_mode!r}",
            param="settlement_mode",
        )
    if not 0 <= credit_delay_days <= 30:
        raise InvalidInput("credit delay must be 0 to 30 business days", param="credit_delay_days")


def _brand_list(brands: str) -> list[str]:
    """'cb, Visa' -> ['CB', 'VISA']: ingestion matches a card's brand against these words,
    so a stray space would make a brand silently never match."""
    names = [name.strip().upper() for name in brands.split(",")]
    if not all(re.fullmatch(r"[A-Z0-9_]{1,20}", name) for name in names):
        raise InvalidInput(
            "card brands must be a comma-separated list of names (e.g. CB,VISA,MASTERCARD)",
            param="brands",
        )
    return names


def shop_by_shop_id(session: Session, shop_id: str) -> Shop:
    shop = ShopRepository(session).shop_by_shop_id(shop_id)
    if shop is None:
        raise NotFound(f"shop {shop_id} not found", param="shop_id")
    return shop
