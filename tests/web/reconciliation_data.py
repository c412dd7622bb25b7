"""A merchant's books for the reconciliation pages, built with the real services and run
through the real engine: two remittances whose credits came a day off and without their
numbers (the engine only suggests them), a transfer of 90.00 that nothing expected, and a
remittance of 90.22 awaiting its credit; a second shop given to no one but the
administrator, and another merchant.

Users: an accountant given the first shop only (the page covers that shop), an
administrator given both shops (the page covers the merchant), a read-only user.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.service.users import create_user
from pointage.core.statuses import Role, SettlementMode
from pointage.formats.statements.model import AccountId
from pointage.payment.models import Transaction
from pointage.reconciliation.models import RunTrigger, Suggestion
from pointage.reconciliation.service.run import run_reconciliation
from pointage.remittance.models import Remittance
from pointage.shop import service as shop_service
from pointage.statement.models import StatementEntry, StatementFile
from pointage.statement.service import import_statement_file
from tests.factories import IBAN_BANK_B, ShopSetup, make_shop
from tests.reconciliation.manual_data import TODAY, captured, imported, run_row, suggestion_row
from tests.statement.cfonb import day_statement, days_file

PASSWORD = "correct horse battery staple"
ACCOUNTANT = "compta@example.com"
ADMIN = "admin@example.com"
READER = "lecture@example.com"
ACCOUNT_B = AccountId(
    bank_code="10278", branch_code="06061", account_number="00010204801", currency="EUR"
)


@dataclass
class Books:
    first: Suggestion  # entry of 148.70 -> remittance 1
    second: Suggestion  # entry of 198.35 -> remittance 2
    open_entry: StatementEntry  # the transfer of 90.00
    awaiting: Remittance  # remittance 3, net 90.22
    foreign_suggestion: Suggestion  # another merchant's
    foreign_entry: StatementEntry  # another merchant's
    lyon_payment: Transaction  # captured, of the shop given to the administrator only


def build(
    factory: sessionmaker[Session],
    shop_ids: tuple[str, str, str] = ("11111111", "22222222", "33333333"),
    prefix: str = "",
) -> Books:
    """The books; `shop_ids` and `prefix` (of the users' addresses) keep them apart from
    data already there."""
    with factory() as session, session.begin():
        setup = make_shop(session, shop_id=shop_ids[0])
        lyon = _second_shop(session, setup, shop_ids[1])
        first = captured(session, setup, [10_000, 5_000], tag="A").remittance
        second = captured(session, setup, [20_000], day=date(2026, 3, 4), tag="B").remittance
        third = captured(session, setup, [9_100], day=date(2026, 3, 3), tag="C").remittance
        lyon_payment = captured(session, lyon, [12_345], day=date(2026, 3, 3), tag="L").payments[0]
        labels = ["VIREMENT ACQUEREUR", "VIREMENT ACQUEREUR 2", "VIR SEPA CLIENT"]
        bank = imported(session, [first.net_minor, second.net_minor, 9_000], labels=labels, day=3)
        run_reconciliation(
            session,
            merchant_id=setup.merchant.id,
            trigger=RunTrigger.CLI,
            actor="test",
            today=TODAY,
        )
        first_shop = [shop_ids[0]]
        create_user(session, prefix + ACCOUNTANT, Role.ACCOUNTANT, first_shop, password=PASSWORD)
        create_user(session, prefix + ADMIN, Role.ADMIN, list(shop_ids[:2]), password=PASSWORD)
        create_user(session, prefix + READER, Role.READ_ONLY, first_shop, password=PASSWORD)
        foreign_entry, foreign_suggestion = _other_merchant(session, shop_ids[2])
        suggestions = {s.remittance_ids[0]: s for s in _open(session, setup.merchant.id)}
        return Books(
            first=suggestions[first.id],
            second=suggestions[second.id],
            open_entry=bank.entries[2],
            awaiting=third,
            foreign_suggestion=foreign_suggestion,
            foreign_entry=foreign_entry,
            lyon_payment=lyon_payment,
        )


def _second_shop(session: Session, setup: ShopSetup, shop_id: str) -> ShopSetup:
    """A shop of the same merchant credited on the same account."""
    shop = shop_service.create_shop(session, setup.merchant, shop_id=shop_id, name="Boutique Lyon")
    contract = shop_service.create_contract(
        session,
        shop,
        setup.bank_account,
        number=f"C{shop_id}",
        acquirer="Test Acquirer",
        fee_rate_bp=80,
        fee_fixed_minor=5,
        settlement_mode=SettlementMode.NET,
        credit_delay_days=2,
        cutoff_time=time(23, 0),
    )
    return ShopSetup(setup.merchant, shop, setup.bank_account, contract)


def _open(session: Session, merchant_id: int) -> list[Suggestion]:
    return list(session.scalars(select(Suggestion).where(Suggestion.merchant_id == merchant_id)))


def _other_merchant(session: Session, shop_id: str) -> tuple[StatementEntry, Suggestion]:
    setup = make_shop(session, shop_id=shop_id, iban=IBAN_BANK_B)
    remittance = captured(session, setup, [7_000], tag="Z").remittance
    statement = replace(day_statement(3, [remittance.net_minor]), account=ACCOUNT_B)
    report = import_statement_file(session, days_file(statement), filename="b.txt", actor="test")
    file = session.get(StatementFile, report.file_id)
    assert file is not None
    entry = session.scalars(select(StatementEntry).where(StatementEntry.file_id == file.id)).one()
    run = run_row(session, setup.merchant.id)
    proposed = suggestion_row(session, run, entries=[entry], remittances=[remittance])
    return entry, proposed
