"""Queries of the explanations: the matches touching a transaction or a remittance, their
bank entries with the file each one came from, and why a remittance stayed open."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    Match,
    MatchRemittance,
    MatchReversal,
    MatchTransaction,
    ReconciliationRun,
    RunOpenItem,
)
from pointage.remittance.models import Remittance
from pointage.shop.models import BankAccount, Contract
from pointage.statement.models import StatementEntry, StatementFile


@dataclass(frozen=True, slots=True)
class ClaimOn:
    """A match's claim on the object explained, active or released by a reversal."""

    match_id: int
    role: str
    active: bool
    through_remittance: bool  # the claim is on the transaction's remittance


@dataclass(frozen=True, slots=True)
class RemittanceRow:
    remittance: Remittance
    contract_number: str
    grace_business_days: int
    settlement_mode: str


@dataclass(frozen=True, slots=True)
class EntryRow:
    entry: StatementEntry
    iban: str
    filename: str
    format: str


@dataclass(frozen=True, slots=True)
class OpenRow:
    run_id: int
    run_started_at: datetime
    business_date: date
    dry_run: bool
    reason: str
    detail: str


def claims_on(session: Session, transaction_id: int, remittance_id: int | None) -> list[ClaimOn]:
    """Every claim, active or not, on the transaction itself or on its remittance."""
    rows = session.execute(
        select(MatchTransaction.match_id, MatchTransaction.role, MatchTransaction.active).where(
            MatchTransaction.transaction_id == transaction_id
        )
    )
    claims = [ClaimOn(*row, through_remittance=False) for row in rows]
    if remittance_id is not None:
        rows = session.execute(
            select(MatchRemittance.match_id, MatchRemittance.role, MatchRemittance.active).where(
                MatchRemittance.remittance_id == remittance_id
            )
        )
        claims += [ClaimOn(*row, through_remittance=True) for row in rows]
    return sorted(claims, key=lambda claim: claim.match_id)


def matches(session: Session, ids: Collection[int]) -> dict[int, Match]:
    if not ids:
        return {}
    return {m.id: m for m in session.scalars(select(Match).where(Match.id.in_(ids)))}


def reversals(session: Session, match_ids: Collection[int]) -> dict[int, MatchReversal]:
    if not match_ids:
        return {}
    rows = session.scalars(select(MatchReversal).where(MatchReversal.match_id.in_(match_ids)))
    return {reversal.match_id: reversal for reversal in rows}


def remittances(session: Session, ids: Collection[int]) -> dict[int, RemittanceRow]:
    if not ids:
        return {}
    rows = session.execute(
        select(Remittance, Contract.number, Contract.grace_business_days, Contract.settlement_mode)
        .join(Contract, Contract.id == Remittance.contract_id)
        .where(Remittance.id.in_(ids))
    )
    return {row[0].id: RemittanceRow(*row) for row in rows}


def entries(session: Session, ids: Collection[int]) -> dict[int, EntryRow]:
    if not ids:
        return {}
    rows = session.execute(
        select(StatementEntry, BankAccount.iban, StatementFile.filename, StatementFile.format)
        .join(BankAccount, BankAccount.id == StatementEntry.bank_account_id)
        .join(StatementFile, StatementFile.id == StatementEntry.file_id)
        .where(StatementEntry.id.in_(ids))
    )
    return {row[0].id: EntryRow(*row) for row in rows}


def file_content(session: Session, file_id: int) -> bytes | None:
    """The bytes of an imported bank file, as they were received."""
    return session.scalar(select(StatementFile.content).where(StatementFile.id == file_id))


def transactions(session: Session, ids: Collection[int]) -> dict[int, Transaction]:
    if not ids:
        return {}
    return {tx.id: tx for tx in session.scalars(select(Transaction).where(Transaction.id.in_(ids)))}


def latest_open_item(
    session: Session, merchant_id: int, kind: str, object_id: int
) -> OpenRow | None:
    """Why the latest run that looked at it left this entry or remittance open."""
    row = session.execute(
        select(
            ReconciliationRun.id,
            ReconciliationRun.started_at,
            ReconciliationRun.business_date,
            ReconciliationRun.dry_run,
            RunOpenItem.reason,
            RunOpenItem.detail,
        )
        .join(ReconciliationRun, ReconciliationRun.id == RunOpenItem.run_id)
        .where(
            ReconciliationRun.merchant_id == merchant_id,
            RunOpenItem.kind == kind,
            RunOpenItem.object_id == object_id,
        )
        .order_by(ReconciliationRun.id.desc())
        .limit(1)
    ).first()
    return OpenRow(*row) if row is not None else None
