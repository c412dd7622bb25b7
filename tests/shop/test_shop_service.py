"""Shops, bank accounts, contracts and shop keys."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pointage.audit.models import AuditEvent
from pointage.auth import keys
from pointage.core.errors import Conflict, InvalidInput, NotFound
from pointage.shop import service as shop_service
from pointage.shop.models import BankAccount, Contract, Merchant, Shop
from tests.factories import IBAN_BANK_A, IBAN_BANK_B, make_shop

SECRET = "test-secret-key-0123456789abcdef0123456789"
GERMAN_IBAN = "DE89370400440532013000"


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def merchant(session: Session) -> Merchant:
    return shop_service.create_merchant(session, "Merchant")


def test_create_shop(session: Session, merchant: Merchant) -> None:
    shop = shop_service.create_shop(
        session,
        merchant,
        shop_id="12345678",
        name="Boutique",
        timezone="America/Martinique",
        default_currency="USD",
    )
    assert (shop.shop_id, shop.timezone, shop.default_currency) == (
        "12345678",
        "America/Martinique",
        "USD",
    )
    assert shop_service.shop_by_shop_id(session, "12345678") is shop
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "shop.created" in actions


@pytest.mark.parametrize(
    ("arguments", "param", "message"),
    [
        ({"shop_id": "1234567"}, "shop_id", "8 digits"),
        ({"shop_id": "123456789"}, "shop_id", "8 digits"),
        ({"shop_id": "1234567A"}, "shop_id", "8 digits"),
        ({"shop_id": "1234 678"}, "shop_id", "8 digits"),
        ({"timezone": "Europe/Lutece"}, "timezone", "unknown time zone"),
        ({"timezone": "../etc/passwd"}, "timezone", "unknown time zone"),
        ({"default_currency": "EURO"}, "default_currency", "unknown currency"),
        ({"default_currency": "eur"}, "default_currency", "unknown currency"),
    ],
)
def test_create_shop_refuses_bad_input(
    session: Session, merchant: Merchant, arguments: dict[str, str], param: str, message: str
) -> None:
    values = {"shop_id": "12345678", "name": "Boutique"} | arguments
    with pytest.raises(InvalidInput, match=message) as caught:
        shop_service.create_shop(session, merchant, **values)
    assert caught.value.param == param
    assert _count(session, Shop) == 0


def test_create_shop_refuses_a_taken_shop_id(session: Session, merchant: Merchant) -> None:
    shop_service.create_shop(session, merchant, shop_id="12345678", name="First")
    with pytest.raises(Conflict, match="shop 12345678 already exists") as caught:
        shop_service.create_shop(session, merchant, shop_id="12345678", name="Second")
    assert caught.value.param == "shop_id"
    assert _count(session, Shop) == 1


def test_unknown_shop_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match="shop 87654321 not found"):
        shop_service.shop_by_shop_id(session, "87654321")


def test_a_french_iban_gives_the_bank_branch_and_account_codes(
    session: Session, merchant: Merchant
) -> None:
    account = shop_service.create_bank_account(
        session, merchant, iban="fr76 3000 6000 0112 3456 7890 189", label="Main"
    )
    assert account.iban == IBAN_BANK_A
    assert (account.bank_code, account.branch_code, account.account_number) == (
        "30006",
        "00001",
        "12345678901",
    )
    assert account.bic == "AGRIFRPPXXX"  # from the bank code, when none is given


def test_a_foreign_iban_has_no_french_codes(session: Session, merchant: Merchant) -> None:
    account = shop_service.create_bank_account(
        session, merchant, iban=GERMAN_IBAN, label="Berlin", bic="COBADEFFXXX"
    )
    assert (account.bank_code, account.branch_code, account.account_number) == (None,) * 3
    assert account.bic == "COBADEFFXXX"


@pytest.mark.parametrize(
    ("arguments", "param", "message"),
    [
        ({"iban": "FR7730006000011234567890189"}, "iban", "invalid IBAN"),  # bad checksum
        ({"iban": "FR763000600001123456789018"}, "iban", "invalid IBAN"),  # too short
        ({"iban": "not an iban"}, "iban", "invalid IBAN"),
        ({"iban": ""}, "iban", "invalid IBAN"),
        ({"bic": "NOTABIC"}, "bic", "invalid BIC"),
        ({"currency": "EURO"}, "currency", "unknown currency"),
    ],
)
def test_create_bank_account_refuses_bad_input(
    session: Session, merchant: Merchant, arguments: dict[str, str], param: str, message: str
) -> None:
    values = {"iban": IBAN_BANK_A, "label": "Main"} | arguments
    with pytest.raises(InvalidInput, match=message) as caught:
        shop_service.create_bank_account(session, merchant, **values)
    assert caught.value.param == param
    assert _count(session, BankAccount) == 0


def test_create_bank_account_refuses_a_known_iban(session: Session, merchant: Merchant) -> None:
    shop_service.create_bank_account(session, merchant, iban=IBAN_BANK_B, label="First")
    with pytest.raises(Conflict, match="already exists"):
        shop_service.create_bank_account(session, merchant, iban=IBAN_BANK_B, label="Again")
    assert _count(session, BankAccount) == 1


def test_create_contract_normalises_the_brands(session: Session) -> None:
    setup = make_shop(session)
    contract = shop_service.create_contract(
        session,
        setup.shop,
        setup.bank_account,
        number="AMEX01",
        acquirer="American Express",
        settlement_mode="gross",  # type: ignore[arg-type]
        brands=" amex, Diners ",
        cutoff_time=time(22, 30),
    )
    assert contract.brands == "AMEX,DINERS"
    assert contract.settlement_mode == "gross"
    assert contract.cutoff_time == time(22, 30)


@pytest.mark.parametrize(
    ("arguments", "param", "message"),
    [
        ({"number": ""}, "number", "1 to 20 letters or digits"),
        ({"number": "C-1"}, "number", "1 to 20 letters or digits"),
        ({"number": "1" * 21}, "number", "1 to 20 letters or digits"),
        ({"fee_rate_bp": -1}, "fee_rate_bp", "between 0 and 100 %"),
        ({"fee_rate_bp": 10_001}, "fee_rate_bp", "between 0 and 100 %"),
        ({"fee_fixed_minor": -5}, "fee_fixed_minor", "cannot be negative"),
        ({"settlement_mode": "monthly"}, "settlement_mode", "gross or net"),
        ({"credit_delay_days": -1}, "credit_delay_days", "0 to 30 business days"),
        ({"credit_delay_days": 31}, "credit_delay_days", "0 to 30 business days"),
        ({"brands": ""}, "brands", "comma-separated"),
        ({"brands": "CB,,VISA"}, "brands", "comma-separated"),
        ({"brands": "CB;VISA"}, "brands", "comma-separated"),
        ({"grace_business_days": -1}, "grace_business_days", "0 to 30 business days"),
        ({"grace_business_days": 31}, "grace_business_days", "0 to 30 business days"),
        ({"fee_tolerance_minor": -1}, "fee_tolerance_minor", "0 to 100000"),
    ],
)
def test_create_contract_refuses_bad_input(
    session: Session, arguments: dict[str, object], param: str, message: str
) -> None:
    setup = make_shop(session)
    values: dict[str, object] = {"number": "C2", "acquirer": "Bank"} | arguments
    with pytest.raises(InvalidInput, match=message) as caught:
        shop_service.create_contract(session, setup.shop, setup.bank_account, **values)  # type: ignore[arg-type]
    assert caught.value.param == param
    assert _count(session, Contract) == 1


def test_create_contract_refuses_another_merchants_account(session: Session) -> None:
    first = make_shop(session, shop_id="11111111", iban=IBAN_BANK_A)
    second = make_shop(session, shop_id="22222222", iban=IBAN_BANK_B)
    with pytest.raises(InvalidInput, match="another merchant") as caught:
        shop_service.create_contract(
            session, first.shop, second.bank_account, number="X1", acquirer="Bank"
        )
    assert caught.value.param == "bank_account"


def test_create_contract_refuses_a_taken_number(session: Session) -> None:
    setup = make_shop(session, contract_number="7012345")
    with pytest.raises(Conflict, match="contract 7012345 already exists"):
        shop_service.create_contract(
            session, setup.shop, setup.bank_account, number="7012345", acquirer="Bank"
        )
    assert _count(session, Contract) == 1


def test_sign_and_verify() -> None:
    signature = keys.sign(b'{"amount": 1234}', "key")
    assert len(signature) == 64
    assert keys.signature_valid(b'{"amount": 1234}', "key", signature)
    assert keys.signature_valid(b'{"amount": 1234}', "key", f" {signature.upper()} ")
    assert not keys.signature_valid(b'{"amount": 1235}', "key", signature)
    assert not keys.signature_valid(b'{"amount": 1234}', "other key", signature)
    assert not keys.signature_valid(b'{"amount": 1234}', "key", "")


@pytest.mark.parametrize("signature", ["é" * 64, "\udcff", "０" * 64])
def test_a_non_ascii_signature_is_simply_invalid(signature: str) -> None:
    assert not keys.signature_valid(b"payload", "key", signature)


def test_decrypting_garbage_gives_none() -> None:
    assert keys.decrypt_key("not a token", SECRET) is None
    assert keys.decrypt_key(keys.encrypt_key("k", SECRET), SECRET) == "k"
