"""Reconciliation data built directly in the database for the manual-action and explanation
tests: captured remittances, an imported CFONB 120 file, and runs, suggestions and matches
written as rows, so that these tests do not depend on what the engine decides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    ClaimRole,
    Match,
    MatchEntry,
    MatchOrigin,
    MatchRemittance,
    MatchTransaction,
    ReconciliationRun,
    RunTrigger,
    Suggestion,
)
from pointage.remittance.models import Remittance
from pointage.remittance.service import capture_contract
from pointage.statement.models import StatementEntry, StatementFile
from pointage.statement.service import import_statement_file
from tests.factories import ShopSetup, make_payment, make_shop
from tests.statement.cfonb import day_statement, days_file

# Monday 2 March 2026: payments of the day are captured that evening; with the test
# contracts' two-day delay their credit is expected on Wednesday 4 March.
DAY = date(2026, 3, 2)
CREDIT_DAY = date(2026, 3, 4)
TODAY = date(2026, 3, 5)  # a day on which nothing is overdue yet (grace: 2 business days)
LATER = date(2026, 3, 20)  # a day on which an uncredited remittance is overdue


@dataclass
class Captured:
    remittance: Remittance
    payments: list[Transaction]


def captured(
    session: Session, setup: ShopSetup, amounts: list[int], *, day: date = DAY, tag: str = "A"
) -> Captured:
    """Payments of `day` captured by the contract's batch into one remittance."""
    created = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
    payments = [
        make_payment(
            session, setup.shop, amount_minor=amount, created_at=created, order_id=f"{tag}-{n}"
        )
        for n, amount in enumerate(amounts, start=1)
    ]
    capture_contract(session, setup.contract.id, day)
    remittance = session.scalars(
        select(Remittance).where(
            Remittance.contract_id == setup.contract.id, Remittance.remittance_date == day
        )
    ).one()
    for payment in payments:
        session.refresh(payment)
    return Captured(remittance, payments)


@dataclass
class Imported:
    file: StatementFile
    entries: list[StatementEntry]  # in the file's order
    content: bytes = field(repr=False, default=b"")


def imported(
    session: Session,
    amounts: list[int],
    *,
    labels: list[str] | None = None,
    day: int = 2,
    filename: str = "releve.txt",
) -> Imported:
    """A CFONB 120 file of account A (tests.factories.IBAN_BANK_A) with these movements,
    booked `day` days after 2 March 2026, imported."""
    statement = day_statement(day, amounts)
    for entry, label in zip(statement.entries, labels or [], strict=False):
        entry.label = label
    data = days_file(statement)
    report = import_statement_file(session, data, filename=filename, actor="test")
    file = session.get(StatementFile, report.file_id)
    assert file is not None
    entries = session.scalars(
        select(StatementEntry)
        .where(StatementEntry.file_id == file.id)
        .order_by(StatementEntry.record)
    ).all()
    return Imported(file, list(entries), data)


def run_row(session: Session, merchant_id: int, *, day: date = TODAY) -> ReconciliationRun:
    run = ReconciliationRun(
        merchant_id=merchant_id,
        trigger=RunTrigger.CLI.value,
        actor="test",
        business_date=day,
        status="completed",
    )
    session.add(run)
    session.flush()
    return run


EVIDENCE: list[dict[str, Any]] = [
    {
        "name": "amount",
        "expected": "99.15 EUR",
        "actual": "99.15 EUR",
        "outcome": "pass",
        "points": 40,
        "note": "net amount",
    },
    {
        "name": "remittance_reference",
        "expected": "1",
        "actual": "-",
        "outcome": "fail",
        "points": 0,
        "note": "no remittance number in the label",
    },
]


def suggestion_row(
    session: Session,
    run: ReconciliationRun,
    *,
    entries: list[StatementEntry],
    remittances: Sequence[Remittance] = (),
    transactions: Sequence[Transaction] = (),
    rule: str = "remittance_credit",
    score: int = 40,
    difference: int = 0,
    anomaly: str | None = None,
) -> Suggestion:
    entry_ids = sorted(e.id for e in entries)
    remittance_ids = sorted(r.id for r in remittances)
    transaction_ids = sorted(t.id for t in transactions)
    row = Suggestion(
        merchant_id=run.merchant_id,
        run_id=run.id,
        rule=rule,
        score=score,
        evidence=EVIDENCE,
        entry_ids=entry_ids,
        remittance_ids=remittance_ids,
        transaction_ids=transaction_ids,
        difference_minor=difference,
        anomaly=anomaly,
        reason="two remittances of the same amount the same day",
        claim_key=f"e:{','.join(map(str, entry_ids))}|r:{','.join(map(str, remittance_ids))}"
        f"|t:{','.join(map(str, transaction_ids))}",
    )
    session.add(row)
    session.flush()
    return row


def engine_match(
    session: Session,
    run: ReconciliationRun,
    *,
    entries: list[StatementEntry],
    remittances: Sequence[Remittance] = (),
    transactions: Sequence[Transaction] = (),
    rule: str = "remittance_credit",
    role: ClaimRole = ClaimRole.CREDIT,
    anomaly: str | None = None,
    difference: int = 0,
) -> Match:
    """A match as a run applies it (origin engine), with its active claims."""
    match = Match(
        merchant_id=run.merchant_id,
        run_id=run.id,
        rule=rule,
        origin=MatchOrigin.ENGINE.value,
        score=90,
        evidence=EVIDENCE,
        difference_minor=difference,
        anomaly=anomaly,
        actor="engine",
    )
    session.add(match)
    session.flush()
    session.add_all(
        [MatchEntry(match_id=match.id, entry_id=e.id, role=role.value) for e in entries]
        + [
            MatchRemittance(match_id=match.id, remittance_id=r.id, role=role.value)
            for r in remittances
        ]
        + [
            MatchTransaction(match_id=match.id, transaction_id=t.id, role=role.value)
            for t in transactions
        ]
    )
    session.flush()
    return match


def statuses(session: Session, payments: list[Transaction]) -> list[str]:
    """The reconciliation status of each payment, as stored now."""
    rows = dict(
        session.execute(
            select(Transaction.id, Transaction.reconciliation_status).where(
                Transaction.id.in_([p.id for p in payments])
            )
        ).all()
    )
    return [rows[p.id] for p in payments]


def dispute_flag(session: Session, payment: Transaction) -> str:
    return (
        session.scalar(select(Transaction.dispute_flag).where(Transaction.id == payment.id)) or ""
    )


@dataclass
class Books:
    """A shop whose remittance of 2 March (payments of 100.00 and 50.00 EUR, net 148.70)
    awaits its credit, and a bank file with that credit, its number in the label, and an
    unrelated transfer of 90.00."""

    setup: ShopSetup
    captured: Captured
    bank: Imported

    @property
    def merchant_id(self) -> int:
        return self.setup.merchant.id

    @property
    def remittance(self) -> Remittance:
        return self.captured.remittance

    @property
    def payments(self) -> list[Transaction]:
        return self.captured.payments

    @property
    def credit(self) -> StatementEntry:
        return self.bank.entries[0]

    @property
    def other(self) -> StatementEntry:
        return self.bank.entries[1]


NET = 14_870  # 150.00 - fees (0.80 % + 0.05 per payment: 0.85 and 0.45)


def books(session: Session) -> Books:
    setup = make_shop(session)
    batch = captured(session, setup, [10_000, 5_000])
    assert batch.remittance.net_minor == NET
    bank = imported(session, [NET, 9_000], labels=["REMISE CB 000001", "VIR SEPA CLIENT"])
    session.flush()
    return Books(setup, batch, bank)
