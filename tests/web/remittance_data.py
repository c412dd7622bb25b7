"""The remittances of the remittance tracking tests (HTTP and browser), on the shops both
worlds make: Paris and Lyon given to the accountant, Nice not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.payment.models import Transaction
from pointage.reconciliation.models import RunTrigger
from pointage.reconciliation.service.run import run_reconciliation
from pointage.shop import service as shop_service
from pointage.shop.models import BankAccount, Merchant, Shop
from tests.factories import IBAN_BANK_A, ShopSetup
from tests.reconciliation.run_builders import MONDAY, credit_line, import_lines, remittance_of

PARIS, LYON, NICE = "11111111", "22222222", "33333333"
TUESDAY = date(2026, 3, 3)


@dataclass
class Seeded:
    ids: dict[str, int]
    uuids: list[str]  # the transactions of `credited`, newest first


def contract_of(session: Session, shop_id: str, account: BankAccount | None = None) -> ShopSetup:
    """The shop's contract (0.80 % + 0.05, credited two business days later), on account A
    of its merchant (made when not given)."""
    shop = session.scalars(select(Shop).where(Shop.shop_id == shop_id)).one()
    merchant = session.get(Merchant, shop.merchant_id)
    assert merchant is not None
    if account is None:
        account = shop_service.create_bank_account(
            session, merchant, iban=IBAN_BANK_A, label="Compte principal"
        )
    contract = shop_service.create_contract(
        session,
        shop,
        account,
        number=f"C{shop_id}",
        acquirer="Test Acquirer",
        fee_rate_bp=80,
        fee_fixed_minor=5,
        credit_delay_days=2,
    )
    return ShopSetup(merchant, shop, account, contract)


def seed(session: Session) -> Seeded:
    """Paris: `credited` (2 March, credited by the bank's line of `releve.txt`) and
    `overdue` (3 March, no credit); Lyon: `lyon`; Nice: `nice`."""
    paris = contract_of(session, PARIS)
    credited = remittance_of(session, paris, MONDAY, [10_000, 5_000])
    overdue = remittance_of(session, paris, TUESDAY, [4_000], tag="B")
    import_lines(session, paris.merchant.id, [credit_line(credited, paris.contract.number)])
    run_reconciliation(
        session,
        merchant_id=paris.merchant.id,
        trigger=RunTrigger.CLI,
        actor="test",
        today=date(2026, 3, 10),
    )
    lyon = remittance_of(
        session, contract_of(session, LYON, paris.bank_account), MONDAY, [700], tag="L"
    )
    nice = remittance_of(session, contract_of(session, NICE, paris.bank_account), MONDAY, [900])
    uuids = list(
        session.scalars(
            select(Transaction.uuid)
            .where(Transaction.remittance_id == credited.id)
            .order_by(Transaction.created_at.desc())
        )
    )
    ids = {"credited": credited.id, "overdue": overdue.id, "lyon": lyon.id, "nice": nice.id}
    return Seeded(ids, uuids)
