"""The match state of bank entries, as the statements API shows them: the match that
claims an entry (its rule, origin and what it reconciles), the open suggestions naming it,
or why the latest run left it open (`repository.entry_states` defines the states).

A shop is shown the remittances and transactions of its own shop only: what a match also
claims of other shops of the merchant is counted in `hidden_objects`, and a suggestion
naming another shop's objects is not shown (as in the suggestions list).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from pointage.reconciliation.models import MatchOrigin
from pointage.reconciliation.repository import entry_states as queries
from pointage.reconciliation.repository import manual as claims
from pointage.reconciliation.repository.entry_states import (
    REASON_STATES,
    EntryClaim,
    EntryState,
    LastOpenItem,
)
from pointage.reconciliation.repository.manual import Scope
from pointage.reconciliation.service.explain_views import OpenReasonView
from pointage.reconciliation.service.lists import visible_suggestions
from pointage.statement.models import StatementEntry

NOT_RUN = OpenReasonView("not_run", "no reconciliation run has looked at it yet")


@dataclass(slots=True)
class EntryMatchView:
    """The active match that claims an entry."""

    id: int
    rule: str
    origin: str  # engine, confirmed, manual
    automatic: bool  # applied by a run (origin engine), not by a person
    role: str  # the entry's role: credit, fee or chargeback
    run_id: int | None
    difference_minor: int  # booked - expected
    anomaly: str | None
    remittance_ids: list[int] = field(default_factory=list)
    transaction_uuids: list[str] = field(default_factory=list)
    hidden_objects: int = 0  # remittances and transactions of other shops it claims


@dataclass(slots=True)
class EntryStateView:
    entry: StatementEntry
    state: str  # repository.entry_states.EntryState
    match: EntryMatchView | None
    suggestion_ids: list[int]
    open_reason: OpenReasonView | None  # set when no match claims the entry


def suggested_entries(session: Session, scope: Scope, file_id: int) -> dict[int, list[int]]:
    """Entry id -> ids of the open suggestions the caller may see that name it, for the
    entries the file brought."""
    span = queries.entry_id_range(session, file_id)
    if span is None:
        return {}
    low, high = span
    naming = [
        proposed
        for proposed in queries.open_suggestions(session, scope.merchant_id)
        if any(low <= entry_id <= high for entry_id in proposed.entry_ids)
    ]
    found: dict[int, list[int]] = {}
    for proposed in visible_suggestions(session, scope, naming):
        for entry_id in proposed.entry_ids:
            found.setdefault(entry_id, []).append(proposed.id)
    return found


def describe(
    session: Session,
    scope: Scope,
    entries: Sequence[StatementEntry],
    suggested: dict[int, list[int]],
) -> list[EntryStateView]:
    """The state of each entry of a page, in a handful of queries for the whole page."""
    claimed = queries.active_claims(session, [entry.id for entry in entries])
    matches = _match_views(session, scope, list(claimed.values()))
    unclaimed = [entry.id for entry in entries if entry.id not in claimed]
    last = queries.last_open_items(session, unclaimed)
    views = []
    for entry in entries:
        claim = claimed.get(entry.id)
        if claim is not None:
            views.append(
                EntryStateView(entry, EntryState.MATCHED, matches[claim.match.id], [], None)
            )
            continue
        named = suggested.get(entry.id, [])
        item = last.get(entry.id)
        views.append(EntryStateView(entry, _state(named, item), None, named, _reason(item)))
    return views


def _state(named: list[int], item: LastOpenItem | None) -> str:
    if named:
        return EntryState.SUGGESTED
    if item is None:
        return EntryState.OPEN
    return REASON_STATES.get(item.reason, EntryState.OPEN)


def _reason(item: LastOpenItem | None) -> OpenReasonView:
    if item is None:
        return NOT_RUN
    return OpenReasonView(item.reason, item.detail, item.run_id, item.business_date)


def _match_views(
    session: Session, scope: Scope, found: list[EntryClaim]
) -> dict[int, EntryMatchView]:
    objects = queries.claimed_objects(session, {claim.match.id for claim in found})
    remittances = claims.remittances_in_scope(
        session, scope, {i for ids, _ in objects.values() for i in ids}
    )
    transactions = claims.transactions_in_scope(
        session, scope, {i for _, ids in objects.values() for i in ids}
    )
    views = {}
    for claim in found:
        match = claim.match
        remittance_ids, transaction_ids = objects[match.id]
        shown_remittances = [i for i in remittance_ids if i in remittances]
        shown_transactions = [transactions[i].uuid for i in transaction_ids if i in transactions]
        hidden = len(remittance_ids) + len(transaction_ids)
        views[match.id] = EntryMatchView(
            id=match.id,
            rule=match.rule,
            origin=match.origin,
            automatic=match.origin == MatchOrigin.ENGINE.value,
            role=claim.role,
            run_id=match.run_id,
            difference_minor=match.difference_minor,
            anomaly=match.anomaly,
            remittance_ids=shown_remittances,
            transaction_uuids=shown_transactions,
            hidden_objects=hidden - len(shown_remittances) - len(shown_transactions),
        )
    return views
