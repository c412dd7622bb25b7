"""Transactions for the detail page's tests, made with the real services: a shop of the
back-office world with a contract crediting account A, payments captured into a remittance,
a bank file holding the remittance's credit, and a match of that credit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.core.statuses import DetailedStatus, Mode
from pointage.payment.models import Transaction
from pointage.reconciliation import status
from pointage.reconciliation.models import ClaimRole, Match
from pointage.shop import service as shop_service
from pointage.shop.models import Merchant, Shop
from tests.factories import IBAN_BANK_A, ShopSetup, make_payment
from tests.reconciliation.manual_data import (
    NET,
    TODAY,
    captured,
    engine_match,
    imported,
    run_row,
    suggestion_row,
)


def shop_of(session: Session, shop_id: str) -> Shop:
    return session.scalars(select(Shop).where(Shop.shop_id == shop_id)).one()


def setup_of(session: Session, shop_id: str) -> ShopSetup:
    """The world's shop with a bank account and a contract (made once per shop)."""
    shop = shop_of(session, shop_id)
    merchant = session.get(Merchant, shop.merchant_id)
    assert merchant is not None
    account = shop_service.create_bank_account(
        session, merchant, iban=IBAN_BANK_A, label=f"Account of {shop_id}"
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


@dataclass
class Reconciled:
    """A payment of 100.00 EUR (order A-1) and one of 50.00 (A-2) captured in remittance 1,
    credited by record 2 of releve.txt; `match_id` is the credit's match, or None when the
    credit was not matched."""

    payment: str
    other: str
    match_id: int | None


def reconciled(session: Session, shop_id: str, *, matched: bool = True) -> Reconciled:
    setup = setup_of(session, shop_id)
    batch = captured(session, setup, [10_000, 5_000])
    bank = imported(session, [NET, 9_000], labels=["REMISE CB 000001", "VIR SEPA CLIENT"])
    match: Match | None = None
    if matched:
        run = run_row(session, setup.merchant.id)
        match = engine_match(
            session, run, entries=[bank.entries[0]], remittances=[batch.remittance]
        )
    status.refresh(session, today=TODAY, remittance_ids=[batch.remittance.id])
    session.flush()
    first, second = batch.payments
    return Reconciled(first.uuid, second.uuid, match.id if match is not None else None)


def payment(
    session: Session,
    shop_id: str,
    status_: DetailedStatus = DetailedStatus.AUTHORISED,
    *,
    amount: int = 10_000,
    order_id: str = "ORDER-1",
    mode: Mode = Mode.PRODUCTION,
) -> str:
    """A payment of today, to capture in two days."""
    now = datetime.now(UTC)
    tx = make_payment(
        session,
        shop_of(session, shop_id),
        amount_minor=amount,
        status=status_,
        created_at=now,
        capture_date=(now + timedelta(days=2)).date(),
        order_id=order_id,
    )
    tx.mode = mode.value
    session.flush()
    return tx.uuid


def transaction(session: Session, uuid: str) -> Transaction:
    return session.scalars(select(Transaction).where(Transaction.uuid == uuid)).one()


def charged_back(session: Session, shop_id: str) -> Reconciled:
    """`reconciled`, then the first payment taken back by a debit of 100.00 (record 2 of
    impayes.txt) matched to it."""
    data = reconciled(session, shop_id)
    tx = transaction(session, data.payment)
    bank = imported(session, [-10_000], labels=["IMPAYE CB A-1"], day=5, filename="impayes.txt")
    run = run_row(session, _merchant_of(session, tx))
    engine_match(
        session,
        run,
        entries=bank.entries,
        transactions=[tx],
        rule="chargeback",
        role=ClaimRole.CHARGEBACK,
    )
    status.refresh_disputes(session, [tx.id])
    session.flush()
    return data


def suggested(session: Session, shop_id: str) -> Reconciled:
    """`reconciled` without the match: a run left the remittance open and suggested its
    credit instead."""
    setup = setup_of(session, shop_id)
    batch = captured(session, setup, [10_000, 5_000])
    bank = imported(session, [NET], labels=["REMISE CB 000001"])
    run = run_row(session, setup.merchant.id)
    suggestion_row(session, run, entries=[bank.entries[0]], remittances=[batch.remittance])
    status.refresh(session, today=TODAY, remittance_ids=[batch.remittance.id])
    session.flush()
    first, second = batch.payments
    return Reconciled(first.uuid, second.uuid, None)


def _merchant_of(session: Session, tx: Transaction) -> int:
    shop = session.get(Shop, tx.shop_id)
    assert shop is not None
    return shop.merchant_id
