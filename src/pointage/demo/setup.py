"""The demo merchant: two shops, two bank accounts at two banks, three acquirer contracts,
a test-mode and a production key per shop, and two back-office users.

Everything goes through `pointage.shop.service`, which validates as it would for a real
merchant. The IBANs are computed (RIB key and IBAN check digits), not copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy.orm import Session

from pointage.auth.service.keys import issue_production_key, issue_test_key
from pointage.auth.service.users import create_user
from pointage.core.statuses import Role, SettlementMode
from pointage.demo.simulator import ShopProfile
from pointage.shop import service as shop_service
from pointage.shop.models import BankAccount, Contract, Shop

ACTOR = "demo"
MERCHANT_NAME = "Maison Exemple SAS"
SHOPS = (("10000001", "Boutique Paris"), ("10000002", "Boutique Lyon"))
SHOP_IDS = tuple(shop_id for shop_id, _ in SHOPS)
CARD_BRANDS = "CB,VISA,MASTERCARD"
# Refusal rates differ a little between shops, both inside the usual 5 to 8 %.
REFUSAL_BP = {"10000001": 600, "10000002": 700}
# The back office's people: an administrator of both shops, an accountant of Paris only.
# Addresses in .example, a top-level domain reserved for examples (RFC 2606).
USERS = (
    ("admin@maison-exemple.example", Role.ADMIN, SHOP_IDS),
    ("compta.paris@maison-exemple.example", Role.ACCOUNTANT, (SHOPS[0][0],)),
)


def rib_key(bank_code: str, branch_code: str, account_number: str) -> str:
    """The 2-digit French RIB key of an all-digit account number."""
    remainder = (89 * int(bank_code) + 15 * int(branch_code) + 3 * int(account_number)) % 97
    return f"{97 - remainder:02d}"


def french_iban(bank_code: str, branch_code: str, account_number: str) -> str:
    """A valid French IBAN: the BBAN with its RIB key, then the ISO 13616 check digits."""
    bban = (
        bank_code + branch_code + account_number + rib_key(bank_code, branch_code, account_number)
    )
    # Move "FR00" to the end and read letters as numbers (A=10 … Z=35): F=15, R=27.
    check = 98 - int(bban + "152700") % 97
    return f"FR{check:02d}{bban}"


@dataclass(frozen=True, slots=True)
class DemoShop:
    shop: Shop
    contracts: list[Contract]
    test_key: str
    production_key: str
    profile: ShopProfile


@dataclass(frozen=True, slots=True)
class DemoUser:
    email: str
    role: Role
    shops: tuple[str, ...]
    password: str  # generated, shown once


def create_demo_users(session: Session) -> list[DemoUser]:
    """The admin and the accountant, with generated passwords; flushes, no commit."""
    users = []
    for email, role, shop_ids in USERS:
        created = create_user(session, email, role, shop_ids, actor=ACTOR)
        assert created.password is not None  # none given: one was generated
        users.append(DemoUser(email, role, shop_ids, created.password))
    return users


def create_demo_merchant(session: Session, secret_key: str) -> list[DemoShop]:
    """Create the merchant, its accounts, shops, contracts and keys; flushes, no commit."""
    merchant = shop_service.create_merchant(session, MERCHANT_NAME, actor=ACTOR)
    bnp = shop_service.create_bank_account(
        session,
        merchant,
        iban=french_iban("30004", "00828", "00010123456"),
        label="BNP Paribas — compte courant",
        actor=ACTOR,
    )
    cic = shop_service.create_bank_account(
        session,
        merchant,
        iban=french_iban("10278", "06061", "00020123457"),
        label="CIC — compte encaissements",
        actor=ACTOR,
    )
    paris = shop_service.create_shop(
        session, merchant, shop_id=SHOPS[0][0], name=SHOPS[0][1], actor=ACTOR
    )
    lyon = shop_service.create_shop(
        session, merchant, shop_id=SHOPS[1][0], name=SHOPS[1][1], actor=ACTOR
    )
    # Paris also sells to American customers in dollars, captured in remittances of their own.
    shops: list[tuple[Shop, list[Contract], str | None]] = [
        (paris, _paris_contracts(session, paris, bnp, cic), "USD")
    ]
    shops.append((lyon, [_lyon_contract(session, lyon, cic)], None))
    return [
        DemoShop(
            shop=shop,
            contracts=contracts,
            test_key=issue_test_key(session, shop, secret_key, actor=ACTOR),
            production_key=issue_production_key(session, shop, secret_key, actor=ACTOR),
            profile=_profile(shop, contracts, foreign_currency),
        )
        for shop, contracts, foreign_currency in shops
    ]


def _paris_contracts(
    session: Session, paris: Shop, bnp: BankAccount, cic: BankAccount
) -> list[Contract]:
    paris_cards = shop_service.create_contract(
        session,
        paris,
        bnp,
        number="7012345",
        acquirer="BNP Paribas",
        fee_rate_bp=80,
        fee_fixed_minor=5,
        settlement_mode=SettlementMode.NET,
        credit_delay_days=1,
        cutoff_time=time(23, 0),
        brands=CARD_BRANDS,
        actor=ACTOR,
    )
    paris_amex = shop_service.create_contract(
        session,
        paris,
        cic,
        number="9351234567",
        acquirer="American Express",
        fee_rate_bp=250,
        settlement_mode=SettlementMode.GROSS,
        credit_delay_days=3,
        brands="AMEX",
        actor=ACTOR,
    )
    return [paris_cards, paris_amex]


def _lyon_contract(session: Session, lyon: Shop, cic: BankAccount) -> Contract:
    return shop_service.create_contract(
        session,
        lyon,
        cic,
        number="8023456",
        acquirer="CIC",
        fee_rate_bp=95,
        fee_fixed_minor=10,
        settlement_mode=SettlementMode.NET,
        credit_delay_days=2,
        brands=CARD_BRANDS,
        actor=ACTOR,
    )


def _profile(shop: Shop, contracts: list[Contract], foreign_currency: str | None) -> ShopProfile:
    by_brand = {
        brand: contract.number for contract in contracts for brand in contract.brands.split(",")
    }
    return ShopProfile(
        shop_id=shop.shop_id,
        timezone=shop.timezone,
        currency=shop.default_currency,
        contract_by_brand=by_brand,
        refusal_bp=REFUSAL_BP[shop.shop_id],
        foreign_currency=foreign_currency,
        cutoff_time=min(contract.cutoff_time for contract in contracts),
    )
