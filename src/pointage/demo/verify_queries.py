"""The queries of `pointage demo --verify`: the demo's reconciliation as plain values, named
as the ground truth names things (file and record, contract and remittance number, uuid)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from pointage.demo.setup import SHOP_IDS
from pointage.demo.verify import AutoMatch, DemoFacts, LineKey, RemittanceKey
from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    ClaimRole,
    Match,
    MatchEntry,
    MatchOrigin,
    MatchRemittance,
    MatchTransaction,
    Suggestion,
    SuggestionStatus,
)
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract, Shop
from pointage.statement.models import StatementEntry, StatementFile


def demo_merchant_id(session: Session) -> int | None:
    """The merchant of the demo shops, or None when this database has no demo."""
    return session.scalar(
        select(Shop.merchant_id).where(Shop.shop_id.in_(SHOP_IDS)).order_by(Shop.id).limit(1)
    )


def demo_facts(session: Session, merchant_id: int) -> DemoFacts:
    return DemoFacts(
        lines=bank_lines(session, merchant_id),
        automatic=tuple(automatic_matches(session, merchant_id)),
        open_suggestions=open_suggestions(session, merchant_id),
        statuses=remittance_statuses(session, merchant_id),
    )


def bank_lines(session: Session, merchant_id: int) -> dict[LineKey, int]:
    """Every imported entry of the merchant by (file name, record), with its amount."""
    rows = session.execute(
        select(StatementFile.filename, StatementEntry.record, StatementEntry.amount_minor)
        .join(StatementFile, StatementFile.id == StatementEntry.file_id)
        .where(StatementFile.merchant_id == merchant_id)
    )
    return {(filename, record): amount for filename, record, amount in rows}


def automatic_matches(session: Session, merchant_id: int) -> list[AutoMatch]:
    """The engine's matches in force (not reversed), with the lines and objects they claim."""
    matches: dict[int, str] = {
        match_id: rule
        for match_id, rule in session.execute(
            select(Match.id, Match.rule).where(*_in_force(merchant_id))
        )
    }
    lines: dict[int, set[LineKey]] = defaultdict(set)
    for match_id, filename, record in session.execute(
        select(MatchEntry.match_id, StatementFile.filename, StatementEntry.record)
        .join(StatementEntry, StatementEntry.id == MatchEntry.entry_id)
        .join(StatementFile, StatementFile.id == StatementEntry.file_id)
        .join(Match, Match.id == MatchEntry.match_id)
        .where(*_in_force(merchant_id))
    ):
        lines[match_id].add((filename, record))
    remittances: dict[tuple[int, str], set[RemittanceKey]] = defaultdict(set)
    for match_id, role, contract, number in session.execute(
        select(MatchRemittance.match_id, MatchRemittance.role, Contract.number, Remittance.number)
        .join(Remittance, Remittance.id == MatchRemittance.remittance_id)
        .join(Contract, Contract.id == Remittance.contract_id)
        .join(Match, Match.id == MatchRemittance.match_id)
        .where(*_in_force(merchant_id))
    ):
        remittances[(match_id, role)].add((contract, number))
    taken_back: dict[int, set[str]] = defaultdict(set)
    for match_id, uuid in session.execute(
        select(MatchTransaction.match_id, Transaction.uuid)
        .join(Transaction, Transaction.id == MatchTransaction.transaction_id)
        .join(Match, Match.id == MatchTransaction.match_id)
        .where(*_in_force(merchant_id), MatchTransaction.role == ClaimRole.CHARGEBACK.value)
    ):
        taken_back[match_id].add(uuid)
    return [
        AutoMatch(
            match_id=match_id,
            rule=rule,
            lines=frozenset(lines[match_id]),
            credit_remittances=frozenset(remittances[(match_id, ClaimRole.CREDIT.value)]),
            fee_remittances=frozenset(remittances[(match_id, ClaimRole.FEE.value)]),
            chargebacks=frozenset(taken_back[match_id]),
        )
        for match_id, rule in sorted(matches.items())
    ]


def _in_force(merchant_id: int) -> tuple[ColumnElement[bool], ...]:
    return (
        Match.merchant_id == merchant_id,
        Match.origin == MatchOrigin.ENGINE.value,
        Match.reversed_at.is_(None),
    )


def open_suggestions(session: Session, merchant_id: int) -> int:
    count = session.scalar(
        select(func.count(Suggestion.id)).where(
            Suggestion.merchant_id == merchant_id,
            Suggestion.status == SuggestionStatus.OPEN.value,
        )
    )
    return int(count or 0)


def remittance_statuses(session: Session, merchant_id: int) -> dict[RemittanceKey, frozenset[str]]:
    """The distinct reconciliation statuses of each remittance's transactions."""
    rows = session.execute(
        select(Contract.number, Remittance.number, Transaction.reconciliation_status)
        .distinct()
        .join(Remittance, Remittance.id == Transaction.remittance_id)
        .join(Contract, Contract.id == Remittance.contract_id)
        .join(Shop, Shop.id == Remittance.shop_id)
        .where(Shop.merchant_id == merchant_id)
    )
    statuses: dict[RemittanceKey, set[str]] = defaultdict(set)
    for contract, number, status in rows:
        statuses[(contract, number)].add(status)
    return {key: frozenset(values) for key, values in statuses.items()}
