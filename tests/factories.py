"""Test data builders: a merchant with a shop, a bank account and a contract in one call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from pointage.core.statuses import DetailedStatus, OperationSource, OperationType, SettlementMode
from pointage.payment.models import Transaction
from pointage.payment.service import Actor, IncomingTransaction, ingest
from pointage.shop import service as shop_service
from pointage.shop.models import BankAccount, Contract, Merchant, Shop

TEST_ACTOR = Actor("test", OperationSource.API)
# Valid French IBANs (checksums correct), one per bank used in tests.
IBAN_BANK_A = "FR7630006000011234567890189"
IBAN_BANK_B = "FR7610278060610001020480197"


@dataclass
class ShopSetup:
    merchant: Merchant
    shop: Shop
    bank_account: BankAccount
    contract: Contract


def make_shop(
    session: Session,
    *,
    shop_id: str = "12345678",
    iban: str = IBAN_BANK_A,
    contract_number: str | None = None,
    fee_rate_bp: int = 80,
    fee_fixed_minor: int = 5,
    settlement_mode: SettlementMode = SettlementMode.NET,
    credit_delay_days: int = 2,
    cutoff_time: time = time(23, 0),
) -> ShopSetup:
    merchant = shop_service.create_merchant(session, f"Merchant of {shop_id}")
    shop = shop_service.create_shop(session, merchant, shop_id=shop_id, name=f"Shop {shop_id}")
    account = shop_service.create_bank_account(session, merchant, iban=iban, label="Main account")
    contract = shop_service.create_contract(
        session,
        shop,
        account,
        number=contract_number or f"C{shop_id}",
        acquirer="Test Acquirer",
        fee_rate_bp=fee_rate_bp,
        fee_fixed_minor=fee_fixed_minor,
        settlement_mode=settlement_mode,
        credit_delay_days=credit_delay_days,
        cutoff_time=cutoff_time,
    )
    return ShopSetup(merchant, shop, account, contract)


def make_payment(
    session: Session,
    shop: Shop,
    *,
    amount_minor: int = 10_000,
    currency: str = "EUR",
    status: DetailedStatus = DetailedStatus.AUTHORISED,
    created_at: datetime | None = None,
    capture_date: date | None = None,
    order_id: str = "ORDER-1",
    operation_type: OperationType = OperationType.DEBIT,
    parent_uuid: str | None = None,
) -> Transaction:
    result = ingest(
        session,
        shop,
        IncomingTransaction(
            operation_type=operation_type,
            amount_minor=amount_minor,
            currency=currency,
            detailed_status=status,
            created_at=created_at or datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
            order_id=order_id,
            card_brand="CB",
            card_masked="497010XXXXXX0044",
            authorisation_number="123456",
            expected_capture_date=capture_date,
            parent_uuid=parent_uuid,
        ),
        TEST_ACTOR,
    )
    return result.transaction
