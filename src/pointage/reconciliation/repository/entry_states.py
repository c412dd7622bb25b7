"""Queries of the match state of bank entries: what claims an entry, and why the latest run
that looked at it left it open.

An entry's state, in this order: `matched` (an active match claims it), `suggested` (an
open suggestion the caller may see names it), `ignored` (the latest run found it is not a
card movement: `not_gateway`), `duplicate` (the latest run found it a copy of a line
matched in its place: `duplicate_line`), otherwise `open`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, Subquery, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from pointage.matching.model import OpenReason
from pointage.reconciliation.models import (
    Match,
    MatchEntry,
    MatchRemittance,
    MatchTransaction,
    ReconciliationRun,
    RunOpenItem,
    Suggestion,
    SuggestionStatus,
)
from pointage.statement.models import StatementEntry


class EntryState(StrEnum):
    MATCHED = "matched"
    SUGGESTED = "suggested"
    OPEN = "open"
    IGNORED = "ignored"
    DUPLICATE = "duplicate"


# The open reasons that make an entry `ignored` or `duplicate` rather than `open`.
REASON_STATES = {
    OpenReason.NOT_GATEWAY.value: EntryState.IGNORED,
    OpenReason.DUPLICATE_LINE.value: EntryState.DUPLICATE,
}


@dataclass(frozen=True, slots=True)
class EntryClaim:
    """The active match claiming an entry, and the entry's role in it."""

    match: Match
    role: str


@dataclass(frozen=True, slots=True)
class LastOpenItem:
    """Why the latest run that looked at an entry left it open."""

    reason: str
    detail: str
    run_id: int
    business_date: date


def entries_query(
    file_id: int, state: EntryState | None, suggested: Collection[int]
) -> Select[StatementEntry]:
    """The entries the file brought, in this state (any when None); `suggested` are the
    ids of the entries named by an open suggestion the caller may see."""
    query = select(StatementEntry).where(StatementEntry.file_id == file_id)
    if state is None:
        return query
    claimed = exists().where(MatchEntry.entry_id == StatementEntry.id, MatchEntry.active)
    if state is EntryState.MATCHED:
        return query.where(claimed)
    named = StatementEntry.id.in_(sorted(suggested))
    if state is EntryState.SUGGESTED:
        return query.where(~claimed, named)
    last = _last_open_items(select(StatementEntry.id).where(StatementEntry.file_id == file_id))
    item = aliased(RunOpenItem)
    query = (
        query.outerjoin(last, last.c.entry_id == StatementEntry.id)
        .outerjoin(item, item.id == last.c.item_id)
        .where(~claimed, ~named)
    )
    return query.where(_reason_is(item.reason, state))


def _reason_is(reason: InstrumentedAttribute[str], state: EntryState) -> ColumnElement[bool]:
    for value, reason_state in REASON_STATES.items():
        if reason_state is state:
            return reason == value
    return or_(reason.is_(None), reason.not_in(list(REASON_STATES)))


def _last_open_items(entry_ids: Select[int] | Collection[int]) -> Subquery:
    """(entry_id, item_id): the latest open item of each of these entries. Runs of a
    merchant follow each other, so the latest item has the highest id."""
    return (
        select(RunOpenItem.object_id.label("entry_id"), func.max(RunOpenItem.id).label("item_id"))
        .where(RunOpenItem.kind == "entry", RunOpenItem.object_id.in_(entry_ids))
        .group_by(RunOpenItem.object_id)
        .subquery()
    )


def entry_position(session: Session, file_id: int, entry_id: int) -> tuple[int, int] | None:
    found = session.scalar(
        select(StatementEntry.id).where(
            StatementEntry.id == entry_id, StatementEntry.file_id == file_id
        )
    )
    return None if found is None else (found, found)


def entry_id_range(session: Session, file_id: int) -> tuple[int, int] | None:
    """The lowest and highest id of the entries the file brought (they are stored
    together); None for a file that brought none."""
    low, high = session.execute(
        select(func.min(StatementEntry.id), func.max(StatementEntry.id)).where(
            StatementEntry.file_id == file_id
        )
    ).one()
    return None if low is None else (int(low), int(high))


def open_suggestions(session: Session, merchant_id: int) -> list[Suggestion]:
    """The merchant's open suggestions: the queue people review, so a short one."""
    return list(
        session.scalars(
            select(Suggestion)
            .where(
                Suggestion.merchant_id == merchant_id,
                Suggestion.status == SuggestionStatus.OPEN.value,
            )
            .order_by(Suggestion.id)
        )
    )


def active_claims(session: Session, entry_ids: Collection[int]) -> dict[int, EntryClaim]:
    """Entry id -> the active match claiming it (an entry is claimed at most once)."""
    if not entry_ids:
        return {}
    rows = session.execute(
        select(MatchEntry.entry_id, MatchEntry.role, Match)
        .join(Match, Match.id == MatchEntry.match_id)
        .where(MatchEntry.entry_id.in_(entry_ids), MatchEntry.active)
    )
    return {entry_id: EntryClaim(match, role) for entry_id, role, match in rows}


def claimed_objects(
    session: Session, match_ids: Collection[int]
) -> dict[int, tuple[list[int], list[int]]]:
    """Match id -> (remittance ids, transaction ids) it claims, in claim order."""
    found: dict[int, tuple[list[int], list[int]]] = {i: ([], []) for i in match_ids}
    if not match_ids:
        return found
    for place, link, column in (
        (0, MatchRemittance, MatchRemittance.remittance_id),
        (1, MatchTransaction, MatchTransaction.transaction_id),
    ):
        rows = session.execute(
            select(link.match_id, column).where(link.match_id.in_(match_ids)).order_by(link.id)
        )
        for match_id, object_id in rows:
            found[match_id][place].append(object_id)
    return found


def last_open_items(session: Session, entry_ids: Collection[int]) -> dict[int, LastOpenItem]:
    """Entry id -> why the latest run that looked at it left it open."""
    if not entry_ids:
        return {}
    last = _last_open_items(sorted(entry_ids))
    rows = session.execute(
        select(
            RunOpenItem.object_id,
            RunOpenItem.reason,
            RunOpenItem.detail,
            ReconciliationRun.id,
            ReconciliationRun.business_date,
        )
        .join(last, last.c.item_id == RunOpenItem.id)
        .join(ReconciliationRun, ReconciliationRun.id == RunOpenItem.run_id)
    )
    return {row[0]: LastOpenItem(*row[1:]) for row in rows}
