"""The claims a manual action makes: refused when something is already claimed, stored
with the database as the last judge, and the open suggestions they overtake superseded."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from pointage.core.errors import Conflict
from pointage.reconciliation.models import ClaimRole, Match, Suggestion, SuggestionStatus
from pointage.reconciliation.repository import manual as queries
from pointage.reconciliation.repository import status as status_queries
from pointage.reconciliation.repository.manual import Claim, ClaimTaken
from pointage.reconciliation.service.apply import roles_of
from pointage.webhook import service as webhooks

Claims = list[tuple[int, str]]  # (object id, ClaimRole value)
_CREDIT = ClaimRole.CREDIT.value
_TAKEN = ClaimRole.CHARGEBACK.value


def suggestion_claims(proposed: Suggestion) -> tuple[Claims, Claims, Claims]:
    """The claims a suggestion makes once confirmed, in the roles the engine's own matches
    of the same rule take (commissions pay fees, chargebacks take payments back)."""
    entry_role, remittance_role, transaction_role = (r.value for r in roles_of(proposed.rule))
    return (
        [(i, entry_role) for i in proposed.entry_ids],
        [(i, remittance_role) for i in proposed.remittance_ids],
        [(i, transaction_role) for i in proposed.transaction_ids],
    )


def claim(
    session: Session, match: Match, entries: Claims, remittances: Claims, transactions: Claims
) -> None:
    """Store the match and its claims, or raise Conflict naming what is already claimed."""
    refuse_claimed(session, entries, remittances, transactions)
    try:
        queries.add_match(
            session, match, entries=entries, remittances=remittances, transactions=transactions
        )
    except ClaimTaken:
        raise Conflict(
            "another match claimed some of these objects meanwhile; look again and retry"
        ) from None
    if entries:  # a bank line pays them, not a mark without an entry
        webhooks.remittances_credited(session, [i for i, r in remittances if r == _CREDIT])
    webhooks.chargebacks_received(session, [i for i, r in transactions if r == _TAKEN])


def refuse_claimed(
    session: Session, entries: Claims, remittances: Claims, transactions: Claims
) -> None:
    found: list[Claim] = []
    for role in ClaimRole:
        found += queries.active_claims(
            session,
            entry_ids=[i for i, r in entries if r == role.value],
            remittance_ids=[i for i, r in remittances if r == role.value],
            transaction_ids=[i for i, r in transactions if r == role.value],
            role=role,
        )
    credit = ClaimRole.CREDIT.value
    credited_remittances = [i for i, r in remittances if r == credit]
    credited_transactions = [i for i, r in transactions if r == credit]
    # Money counted twice: a transaction reconciled on its own inside a remittance matched
    # as a whole, or the other way round.
    found += queries.own_credit_claims_in(session, credited_remittances)
    found += remittance_claims_of(session, credited_transactions)
    if found:
        first = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise Conflict(
            f"{first.kind} {first.object_id} is already claimed ({first.role}) by match "
            f"{first.match_id}{more}; undo that match first",
            param=f"{first.kind}_ids" if first.kind != "transaction" else "transaction_uuids",
        )


def remittance_claims_of(session: Session, transaction_ids: Collection[int]) -> list[Claim]:
    if not transaction_ids:
        return []
    remittance_ids = status_queries.remittances_of_transactions(session, transaction_ids)
    return queries.active_claims(session, remittance_ids=remittance_ids)


def supersede(
    session: Session,
    merchant_id: int,
    match: Match,
    confirmed_id: int | None,
    actor: str,
    at: datetime,
) -> None:
    """Open suggestions that would claim something this match now holds cannot be
    confirmed any more: they are superseded, with the match named."""
    links = queries.links(session, match.id)
    taken = (
        {i for i, _ in links.entries},
        {i for i, _ in links.remittances},
        {i for i, _ in links.transactions},
    )
    after = 0
    while batch := queries.suggestions_after(
        session, merchant_id, [SuggestionStatus.OPEN.value], after, 500
    ):
        after = batch[-1].id
        for other in batch:
            if other.id != confirmed_id and touches(other, *taken):
                decide(
                    other, SuggestionStatus.SUPERSEDED, actor, at, f"superseded by match {match.id}"
                )
    session.flush()


def touches(
    proposed: Suggestion, entries: set[int], remittances: set[int], transactions: set[int]
) -> bool:
    return (
        not entries.isdisjoint(proposed.entry_ids)
        or not remittances.isdisjoint(proposed.remittance_ids)
        or not transactions.isdisjoint(proposed.transaction_ids)
    )


def decide(
    proposed: Suggestion, to: SuggestionStatus, actor: str, at: datetime, comment: str | None
) -> None:
    proposed.status = to.value
    proposed.decided_by = actor
    proposed.decided_at = at
    proposed.comment = comment
