"""What a remittance's or a transaction's reconciliation status is computed from."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    ClaimRole,
    Match,
    MatchRemittance,
    MatchTransaction,
)
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract

CHUNK = 5_000


def chunks(ids: Collection[int]) -> Iterator[Sequence[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


@dataclass(frozen=True, slots=True)
class RemittanceState:
    remittance_id: int
    expected_credit_minor: int
    expected_credit_date: date
    grace_business_days: int
    match_origin: str | None  # the active credit match, if any
    match_anomaly: str | None


@dataclass(frozen=True, slots=True)
class OwnClaim:
    """A transaction reconciled on its own by a person (not through its remittance)."""

    transaction_id: int
    match_origin: str
    match_anomaly: str | None


def remittance_states(session: Session, remittance_ids: Collection[int]) -> list[RemittanceState]:
    states: list[RemittanceState] = []
    for chunk in chunks(remittance_ids):
        rows = session.execute(
            select(
                Remittance.id,
                Remittance.expected_credit_minor,
                Remittance.expected_credit_date,
                Contract.grace_business_days,
                Match.origin,
                Match.anomaly,
            )
            .join(Contract, Contract.id == Remittance.contract_id)
            .outerjoin(
                MatchRemittance,
                (MatchRemittance.remittance_id == Remittance.id)
                & MatchRemittance.active
                & (MatchRemittance.role == ClaimRole.CREDIT.value),
            )
            .outerjoin(Match, Match.id == MatchRemittance.match_id)
            .where(Remittance.id.in_(chunk))
        )
        states.extend(RemittanceState(*row) for row in rows)
    return states


def remittances_of_transactions(session: Session, transaction_ids: Collection[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunks(transaction_ids):
        found.update(
            session.scalars(
                select(Transaction.remittance_id).where(
                    Transaction.id.in_(chunk), Transaction.remittance_id.is_not(None)
                )
            )
        )
    return found


def own_claims(
    session: Session, remittance_ids: Collection[int], transaction_ids: Collection[int]
) -> list[OwnClaim]:
    """Active transaction-level credit claims among these remittances' transactions and
    these transactions."""
    base = (
        select(MatchTransaction.transaction_id, Match.origin, Match.anomaly)
        .join(Match, Match.id == MatchTransaction.match_id)
        .where(MatchTransaction.active, MatchTransaction.role == ClaimRole.CREDIT.value)
    )
    claims: dict[int, OwnClaim] = {}
    for chunk in chunks(remittance_ids):
        query = base.join(Transaction, Transaction.id == MatchTransaction.transaction_id).where(
            Transaction.remittance_id.in_(chunk)
        )
        for row in session.execute(query):
            claims[row[0]] = OwnClaim(*row)
    for chunk in chunks(transaction_ids):
        for row in session.execute(base.where(MatchTransaction.transaction_id.in_(chunk))):
            claims[row[0]] = OwnClaim(*row)
    return list(claims.values())


def chargeback_claimed(session: Session, transaction_ids: Collection[int]) -> set[int]:
    """Those of these transactions an active chargeback match takes back."""
    found: set[int] = set()
    for chunk in chunks(transaction_ids):
        found.update(
            session.scalars(
                select(MatchTransaction.transaction_id).where(
                    MatchTransaction.transaction_id.in_(chunk),
                    MatchTransaction.active,
                    MatchTransaction.role == ClaimRole.CHARGEBACK.value,
                )
            )
        )
    return found
