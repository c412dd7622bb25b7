"""Data of the bank-side journal tests (JRB, JRI, remittances): payments and refunds
captured by the real batch, the bank's CFONB 120 lines imported by the real import, and
reconciliation runs of the real engine made at a chosen instant, so that each match falls
on a known day of the shop."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.core.statuses import OperationType
from pointage.formats.journals.model import JournalDocument, JournalKind
from pointage.formats.statements.model import Entry, EntryDetail
from pointage.payment.models import Transaction
from pointage.reconciliation.models import Match, RunTrigger, Suggestion
from pointage.reconciliation.service.manual import confirm_suggestion
from pointage.reconciliation.service.run import RunReport, run_reconciliation
from pointage.remittance.models import Remittance
from pointage.remittance.service import capture_contract
from pointage.report.journals import producer
from pointage.shop import service as shop_service
from pointage.shop.models import Contract, Shop
from tests.factories import ShopSetup, make_payment, make_shop
from tests.reconciliation.run_builders import import_lines

# The instant a journal is made: the morning after the runs of the tests.
GENERATED_AT = datetime(2026, 3, 20, 6, 0, tzinfo=UTC)


@dataclass
class Captured:
    remittance: Remittance
    transactions: list[Transaction]  # payments first, then refunds, in creation order


def capture(
    session: Session,
    setup: ShopSetup,
    day: date,
    payments: list[int],
    *,
    tag: str,
    refunds: Iterable[tuple[int, int]] = (),
    shop: Shop | None = None,
    contract: Contract | None = None,
    currency: str = "EUR",
) -> Captured:
    """Payments of `day` in `currency` (order ids `<tag>-<n>`) and refunds (index of the
    payment, amount), captured by the contract's batch of that day into one remittance."""
    shop = shop or setup.shop
    contract = contract or setup.contract
    created = datetime.combine(day, time(9, 0), tzinfo=UTC)
    made = [
        make_payment(
            session,
            shop,
            amount_minor=amount,
            currency=currency,
            created_at=created + timedelta(minutes=n),
            order_id=f"{tag}-{n}",
        )
        for n, amount in enumerate(payments)
    ]
    for n, (index, amount) in enumerate(refunds):
        made.append(
            make_payment(
                session,
                shop,
                amount_minor=amount,
                currency=currency,
                created_at=created + timedelta(hours=1, minutes=n),
                order_id=made[index].order_id or "",
                operation_type=OperationType.CREDIT,
                parent_uuid=made[index].uuid,
            )
        )
    capture_contract(session, contract.id, day)
    session.expire_all()
    remittance = session.scalars(
        select(Remittance).where(
            Remittance.contract_id == contract.id, Remittance.remittance_date == day
        )
    ).one()
    return Captured(remittance, [session.get_one(Transaction, tx.id) for tx in made])


def second_shop(session: Session, setup: ShopSetup, shop_id: str) -> tuple[Shop, Contract]:
    """Another shop of the same merchant, whose contract is credited on the same account."""
    shop = shop_service.create_shop(
        session, setup.merchant, shop_id=shop_id, name=f"Shop {shop_id}"
    )
    contract = shop_service.create_contract(
        session,
        shop,
        setup.bank_account,
        number=f"C{shop_id}",
        acquirer="Test Acquirer",
        fee_rate_bp=setup.contract.fee_rate_bp,
        fee_fixed_minor=setup.contract.fee_fixed_minor,
        credit_delay_days=setup.contract.credit_delay_days,
    )
    return shop, contract


def credit(remittance: Remittance, contract_number: str, *, amount: int | None = None) -> Entry:
    """The bank's credit of a remittance on its expected day, with the bank's reference."""
    day = remittance.expected_credit_date
    return Entry(
        record=0,
        amount_minor=remittance.expected_credit_minor if amount is None else amount,
        currency="EUR",
        booking_date=day,
        value_date=day,
        label=f"REMISE CB {remittance.number:06d} {contract_number}",
        bank_operation_code="30",
        references={"reference": f"VIR{remittance.id:06d}"},
        details=[EntryDetail(record=0, qualifier="LIB", text=f"CONTRAT {contract_number}")],
    )


def chargeback(payment: Transaction, day: date, *, reason: str | None) -> Entry:
    """The bank taking a payment back, naming its order and card, with a MOTIF complement."""
    details = [EntryDetail(record=0, qualifier="LIB", text=f"CDE {payment.order_id}")]
    if reason is not None:
        details.append(EntryDetail(record=0, qualifier="LIB", text=f"MOTIF {reason}"))
    return Entry(
        record=0,
        amount_minor=-payment.amount_minor,
        currency="EUR",
        booking_date=day,
        value_date=day,
        label=f"IMPAYE CARTE XXXX{(payment.card_masked or '')[-4:]}",
        bank_operation_code="38",
        references={"reference": f"IMP{payment.transaction_id}"},
        details=details,
    )


def run_at(
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    setup: ShopSetup,
    instant: datetime,
) -> RunReport:
    """A reconciliation run of the merchant whose matches are made at `instant`, as of the
    day of that instant."""
    monkeypatch.setattr("pointage.reconciliation.service.run.utcnow", lambda: instant)
    report = run_reconciliation(
        session,
        merchant_id=setup.merchant.id,
        trigger=RunTrigger.CLI,
        actor="test",
        today=instant.date(),
    )
    session.flush()
    return report


def made_at(session: Session, match: Match, instant: datetime) -> None:
    """Date a match made by a person (the service dates it by the clock) at `instant`."""
    match.created_at = instant
    session.flush()


def journal(
    session: Session,
    kind: JournalKind,
    shop: Shop,
    first: date,
    last: date | None = None,
    *,
    generated_at: datetime = GENERATED_AT,
) -> JournalDocument:
    return producer(kind)(session, shop, first, last or first, generated_at=generated_at)


def rows(document: JournalDocument) -> list[dict[str, Any]]:
    """The document's rows as column name → value."""
    names = [column.name for column in document.layout.columns]
    return [dict(zip(names, row, strict=True)) for row in document.rows]


def matches(session: Session) -> list[Match]:
    return list(session.scalars(select(Match).order_by(Match.id)))


@dataclass
class SharedLine:
    """Two shops of one merchant, credited on one account by one bank line for both."""

    setup: ShopSetup  # shop 12345678
    other: Shop  # shop 87654321
    mine: Captured
    theirs: Captured
    match: Match


def shared_line(session: Session, monkeypatch: pytest.MonkeyPatch, instant: datetime) -> SharedLine:
    """Monday's remittances of two shops credited together on Wednesday: the engine
    suggests the grouped credit (the line names neither remittance), a person confirms it
    at `instant`."""
    setup = make_shop(session, credit_delay_days=2)
    other, other_contract = second_shop(session, setup, "87654321")
    monday = date(2026, 3, 2)
    mine = capture(session, setup, monday, [10_000], tag="A")
    theirs = capture(
        session, setup, monday, [4_000, 6_000], tag="B", shop=other, contract=other_contract
    )
    total = mine.remittance.expected_credit_minor + theirs.remittance.expected_credit_minor
    line = Entry(
        record=0,
        amount_minor=total,
        currency="EUR",
        booking_date=date(2026, 3, 4),
        value_date=date(2026, 3, 4),
        label="REMISE CB C12345678 C87654321",
        bank_operation_code="30",
    )
    import_lines(session, setup.merchant.id, [line])
    run_at(session, monkeypatch, setup, instant)
    suggestion = session.scalars(select(Suggestion)).one()
    match = confirm_suggestion(session, setup.merchant.id, suggestion.id, "alice", "both shops")
    made_at(session, match, instant)
    return SharedLine(setup, other, mine, theirs, match)


def credited_converted(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> tuple[ShopSetup, Captured]:
    """A remittance of a USD payment credited in euros on the EUR account, the conversion
    stated 0.15 USD short of the expected 99.15 USD: the engine matches it as an anomaly
    whose difference, -0.14 EUR, is in the account's currency."""
    setup = make_shop(session, credit_delay_days=2)
    captured = capture(session, setup, date(2026, 3, 2), [10_000], tag="U", currency="USD")
    remittance = captured.remittance
    line = Entry(
        record=0,
        amount_minor=9_142,  # 99.00 USD at 0.923456
        currency="EUR",
        booking_date=remittance.expected_credit_date,
        value_date=remittance.expected_credit_date,
        label=f"REMISE CB {remittance.number:06d} {setup.contract.number}",
        bank_operation_code="30",
        details=[EntryDetail(record=0, qualifier="LIB", text="99.00 USD AU TAUX DE 0.923456")],
    )
    import_lines(session, setup.merchant.id, [line])
    run_at(session, monkeypatch, setup, datetime(2026, 3, 6, 10, 0, tzinfo=UTC))
    return setup, captured


DOCS = Path(__file__).resolve().parents[2] / "docs" / "formats"


def documented_columns(page: str) -> list[tuple[str, str]]:
    """(column, workbook title) of each row of the columns table of docs/formats/<page>."""
    found = []
    for line in (DOCS / page).read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        if len(cells) == 5 and cells[0].startswith("`") and cells[0] != "column":
            found.append((cells[0].strip("`"), cells[1]))
    return found
