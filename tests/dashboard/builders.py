"""Rows of the dashboard tests written directly, so that each test states the exact
transactions, remittances, matches and suggestions its figures are computed from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from itertools import count

from sqlalchemy.orm import Session

from pointage.core.statuses import DetailedStatus, Mode, OperationType, rolled_up
from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    ClaimRole,
    Match,
    MatchOrigin,
    MatchRemittance,
    MatchTransaction,
    ReconciliationRun,
    Suggestion,
    SuggestionStatus,
)
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract, Shop
from pointage.statement.models import BankStatement, StatementEntry, StatementFile
from tests.factories import ShopSetup

_numbers = count(1)


@dataclass
class Book:
    """One shop's rows, numbered as the tests add them."""

    session: Session
    setup: ShopSetup
    remittance_numbers: dict[int, int] = field(default_factory=dict)

    @property
    def shop(self) -> Shop:
        return self.setup.shop

    @property
    def contract(self) -> Contract:
        return self.setup.contract

    def transaction(
        self,
        day: date,
        amount: int,
        *,
        status: DetailedStatus = DetailedStatus.CAPTURED,
        kind: OperationType = OperationType.DEBIT,
        currency: str = "EUR",
        mode: Mode = Mode.PRODUCTION,
        remittance: Remittance | None = None,
        reconciliation: str = "not_applicable",
        dispute: str = "na",
    ) -> Transaction:
        n = next(_numbers)
        row = Transaction(
            uuid=f"{n:032x}",
            shop_id=self.shop.id,
            transaction_id=f"{n % 1_000_000:06d}",
            transaction_date=day,
            order_id=f"ORDER-{n}",
            operation_type=kind.value,
            amount_minor=amount,
            original_amount_minor=amount,
            currency=currency,
            detailed_status=status.value,
            status=rolled_up(status).value,
            created_at=datetime.combine(day, time(10, 0), tzinfo=UTC),
            expected_capture_date=day,
            contract_id=self.contract.id,
            remittance_id=None if remittance is None else remittance.id,
            reconciliation_status=reconciliation,
            dispute_flag=dispute,
            mode=mode.value,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def remittance(
        self,
        day: date,
        expected_minor: int,
        *,
        expected_on: date,
        currency: str = "EUR",
        statuses: Sequence[str] = ("pending",),
    ) -> Remittance:
        """A remittance expected to credit `expected_minor` on `expected_on`, with one
        captured payment per status given (their reconciliation statuses)."""
        number = self.remittance_numbers.get(self.contract.id, 0) + 1
        self.remittance_numbers[self.contract.id] = number
        row = Remittance(
            shop_id=self.shop.id,
            contract_id=self.contract.id,
            currency=currency,
            remittance_date=day,
            number=number,
            payment_count=len(statuses),
            refund_count=0,
            gross_minor=expected_minor,
            refunds_minor=0,
            fee_minor=0,
            net_minor=expected_minor,
            expected_credit_minor=expected_minor,
            expected_credit_date=expected_on,
        )
        self.session.add(row)
        self.session.flush()
        for status in statuses:
            self.transaction(day, 1_000, currency=currency, remittance=row, reconciliation=status)
        return row


def run_row(session: Session, merchant_id: int) -> ReconciliationRun:
    run = ReconciliationRun(
        merchant_id=merchant_id,
        trigger="cli",
        actor="test",
        business_date=date(2026, 5, 1),
        status="completed",
    )
    session.add(run)
    session.flush()
    return run


def match(
    session: Session,
    merchant_id: int,
    *,
    remittances: Sequence[Remittance] = (),
    transactions: Sequence[Transaction] = (),
    role: ClaimRole = ClaimRole.CREDIT,
    at: datetime | None = None,
    active: bool = True,
) -> Match:
    """A match with its claims (inactive ones once it is undone)."""
    row = Match(
        merchant_id=merchant_id,
        rule="remittance_credit" if role is ClaimRole.CREDIT else "chargeback",
        origin=MatchOrigin.ENGINE.value,
        score=100,
        evidence=[],
        actor="engine",
        created_at=at or datetime(2026, 5, 2, 8, 0, tzinfo=UTC),
        reversed_at=None if active else datetime(2026, 5, 3, 8, 0, tzinfo=UTC),
    )
    session.add(row)
    session.flush()
    session.add_all(
        [
            MatchRemittance(match_id=row.id, remittance_id=r.id, role=role.value, active=active)
            for r in remittances
        ]
        + [
            MatchTransaction(match_id=row.id, transaction_id=t.id, role=role.value, active=active)
            for t in transactions
        ]
    )
    session.flush()
    return row


def entry(session: Session, merchant_id: int, bank_account_id: int) -> StatementEntry:
    """A bank entry of 10.00 on this account, in a file and statement of its own."""
    n = next(_numbers)
    file = StatementFile(
        merchant_id=merchant_id,
        sha256=f"{n:064x}",
        filename=f"statement-{n}.txt",
        format="cfonb120",
        size_bytes=0,
        content=b"",
        imported_by="test",
    )
    session.add(file)
    session.flush()
    statement = BankStatement(
        file_id=file.id,
        bank_account_id=bank_account_id,
        record=1,
        kind="statement",
        currency="EUR",
        entry_count=1,
    )
    session.add(statement)
    session.flush()
    row = StatementEntry(
        bank_account_id=bank_account_id,
        statement_id=statement.id,
        file_id=file.id,
        record=2,
        amount_minor=1_000,
        currency="EUR",
        booking_date=date(2026, 5, 4),
        value_date=date(2026, 5, 4),
        label="REMISE CB",
        references={},
        details=[],
        dedup_key=f"entry-{n}",
    )
    session.add(row)
    session.flush()
    return row


def suggestion(
    session: Session,
    run: ReconciliationRun,
    *,
    entries: Sequence[StatementEntry] = (),
    remittances: Sequence[Remittance] = (),
    transactions: Sequence[Transaction] = (),
    status: SuggestionStatus = SuggestionStatus.OPEN,
) -> Suggestion:
    row = Suggestion(
        merchant_id=run.merchant_id,
        run_id=run.id,
        rule="remittance_credit",
        score=40,
        evidence=[],
        entry_ids=[e.id for e in entries],
        remittance_ids=[r.id for r in remittances],
        transaction_ids=[t.id for t in transactions],
        reason="below the threshold",
        claim_key=f"suggestion-{next(_numbers)}",
        status=status.value,
    )
    session.add(row)
    session.flush()
    return row
