"""Builders of the run tests: remittances captured by the real batch, and the bank's
CFONB 120 statements that credit them, imported by the real import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pointage.formats.statements import cfonb120
from pointage.formats.statements.model import (
    AccountId,
    Balance,
    Entry,
    EntryDetail,
    ParseResult,
    Statement,
    StatementFormat,
)
from pointage.matching.model import (
    BankMovement,
    ChargebackClue,
    EngineInput,
    EngineResult,
)
from pointage.matching.settings import EngineSettings
from pointage.payment.models import Transaction
from pointage.remittance.models import Remittance
from pointage.remittance.service import capture_contract
from pointage.statement.models import StatementEntry
from pointage.statement.service import ImportReport, import_statement_file
from tests.factories import ShopSetup, make_payment, make_shop

# The codes of tests.factories.IBAN_BANK_A, as CFONB 120 names the account.
ACCOUNT_A = AccountId(
    bank_code="30006", branch_code="00001", account_number="12345678901", currency="EUR"
)
# Monday 2 March 2026: remittances of the week, credited two business days later.
MONDAY = date(2026, 3, 2)


def shop_with_contract(session: Session, **kwargs: object) -> ShopSetup:
    """A merchant, its shop, account A and a net-settled contract (fee 0.80 % + 0.05)."""
    kwargs.setdefault("credit_delay_days", 2)
    return make_shop(session, **kwargs)  # type: ignore[arg-type]


def remittance_of(
    session: Session, setup: ShopSetup, day: date, amounts: list[int], *, tag: str = "A"
) -> Remittance:
    """The remittance the batch of `day` makes of payments of these amounts."""
    created = datetime.combine(day, time(9, 0), tzinfo=UTC)
    for index, amount in enumerate(amounts):
        make_payment(
            session,
            setup.shop,
            amount_minor=amount,
            created_at=created + timedelta(minutes=index),
            order_id=f"ORDER-{tag}-{day.isoformat()}-{index}",
        )
    capture_contract(session, setup.contract.id, day)
    session.expire_all()
    remittance = session.scalar(
        select(Remittance).where(
            Remittance.contract_id == setup.contract.id, Remittance.remittance_date == day
        )
    )
    assert remittance is not None
    return remittance


def credit_line(
    remittance: Remittance, contract_number: str, *, amount: int | None = None
) -> Entry:
    """The bank's credit of a remittance, as the acquirer labels it."""
    value = remittance.expected_credit_date
    return Entry(
        record=0,
        amount_minor=remittance.expected_credit_minor if amount is None else amount,
        currency="EUR",
        booking_date=value,
        value_date=value,
        label=f"REMISE CB {remittance.number:06d} {contract_number}",
        bank_operation_code="30",
        details=[EntryDetail(record=0, qualifier="LIB", text=f"CONTRAT {contract_number}")],
    )


def other_line(amount: int, label: str, day: date, code: str = "05") -> Entry:
    return Entry(
        record=0,
        amount_minor=amount,
        currency="EUR",
        booking_date=day,
        value_date=day,
        label=label,
        bank_operation_code=code,
    )


def statement_of(entries: list[Entry], *, opening: int = 1_000_000) -> Statement:
    """Account A's statement holding these entries, from the first one's day to the last."""
    days = [e.booking_date for e in entries if e.booking_date is not None] or [MONDAY]
    return Statement(
        record=0,
        account=ACCOUNT_A,
        opening_balance=Balance(opening, min(days) - timedelta(days=1)),
        closing_balance=Balance(opening + sum(e.amount_minor for e in entries), max(days)),
        entries=entries,
    )


def import_lines(
    session: Session, merchant_id: int, entries: list[Entry], *, name: str = "releve.txt"
) -> ImportReport:
    """Import a real CFONB 120 file of these lines for the merchant."""
    data = cfonb120.write([statement_of(entries)])
    return import_statement_file(
        session,
        data,
        filename=name,
        actor="test",
        format=StatementFormat.CFONB120,
        merchant_id=merchant_id,
    )


def import_parsed(
    session: Session, merchant_id: int, monkeypatch, entries: list[Entry], *, data: bytes
) -> ImportReport:
    """Import lines a CFONB 120 file cannot hold (a reversal), through a stand-in parser."""
    parsed = ParseResult(StatementFormat.CAMT053, [statement_of(entries)])
    monkeypatch.setattr(
        "pointage.statement.service.importer.parse", lambda *_args, **_kwargs: parsed
    )
    return import_statement_file(
        session, data, filename="camt.xml", actor="test", merchant_id=merchant_id
    )


def entry_ids(session: Session) -> list[int]:
    return list(session.scalars(select(StatementEntry.id).order_by(StatementEntry.id)))


def statuses(session: Session, remittance: Remittance) -> list[str]:
    return sorted(
        set(
            session.scalars(
                select(Transaction.reconciliation_status).where(
                    Transaction.remittance_id == remittance.id
                )
            )
        )
    )


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@dataclass
class FakeEngine:
    """Stands for the engine: records what it was given, answers what `decide` says."""

    decide: Callable[[EngineInput], EngineResult] = lambda _data: EngineResult()
    inputs: list[EngineInput] = field(default_factory=list)

    def __call__(self, data: EngineInput, settings: EngineSettings) -> EngineResult:
        self.inputs.append(data)
        return self.decide(data)


def no_clues(_entries: list[BankMovement], _settings: EngineSettings) -> list[ChargebackClue]:
    return []
