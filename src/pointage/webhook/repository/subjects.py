"""Reading the objects events are about, to render their payloads. Every query refreshes
the rows it loads (`populate_existing`): bulk UPDATEs of the same unit of work bypass the
session, and the payload must show what is about to be committed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.payment.models import Transaction
from pointage.reconciliation.models import ClaimRole, Match, MatchEntry, MatchTransaction
from pointage.remittance.models import Remittance
from pointage.remittance.repository.reads import EntryRow
from pointage.report.models import GeneratedReport
from pointage.shop.models import Shop
from pointage.statement.models import StatementEntry, StatementFile

_FRESH = {"populate_existing": True}


def transactions(session: Session, ids: Collection[int]) -> list[tuple[Transaction, str]]:
    """(transaction, its shop's 8-digit id)."""
    rows = session.execute(
        select(Transaction, Shop.shop_id)
        .join(Shop, Shop.id == Transaction.shop_id)
        .where(Transaction.id.in_(list(ids)))
        .execution_options(**_FRESH)
    )
    return [(row[0], row[1]) for row in rows]


def remittances(session: Session, ids: Collection[int]) -> list[Remittance]:
    return list(
        session.scalars(
            select(Remittance).where(Remittance.id.in_(list(ids))).execution_options(**_FRESH)
        )
    )


@dataclass(frozen=True, slots=True)
class Chargeback:
    """The active chargeback match taking a payment back, and its bank entries."""

    match: Match
    entries: list[EntryRow]


def chargebacks(session: Session, transaction_ids: Collection[int]) -> dict[int, Chargeback]:
    """Transaction id → the active chargeback match taking it back."""
    taken = ClaimRole.CHARGEBACK.value
    rows = session.execute(
        select(MatchTransaction.transaction_id, Match)
        .join(Match, Match.id == MatchTransaction.match_id)
        .where(
            MatchTransaction.transaction_id.in_(list(transaction_ids)),
            MatchTransaction.active.is_(True),
            MatchTransaction.role == taken,
        )
    ).all()
    entries: dict[int, list[EntryRow]] = {}
    match_ids = {match.id for _, match in rows}
    if match_ids:
        columns = (StatementEntry, StatementFile.filename, StatementFile.format)
        found = session.execute(
            select(MatchEntry.match_id, *columns)
            .join(StatementEntry, StatementEntry.id == MatchEntry.entry_id)
            .join(StatementFile, StatementFile.id == StatementEntry.file_id)
            .where(MatchEntry.match_id.in_(match_ids), MatchEntry.active.is_(True))
            .order_by(StatementEntry.id)
        )
        for match_id, entry, filename, file_format in found:
            entries.setdefault(match_id, []).append(EntryRow(entry, filename, file_format))
    return {tx_id: Chargeback(match, entries.get(match.id, [])) for tx_id, match in rows}


def reports(session: Session, ids: Collection[int]) -> list[GeneratedReport]:
    return list(
        session.scalars(
            select(GeneratedReport)
            .where(GeneratedReport.id.in_(list(ids)))
            .execution_options(**_FRESH)
        )
    )
