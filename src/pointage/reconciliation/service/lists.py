"""The reconciliation lists of the API as views: suggestions page by page in the caller's
scope, and a page of matches described together.

A suggestion names what it would claim in JSON lists, which SQL cannot check against a
shop's objects on both databases: suggestions are read in batches beyond the cursor and
kept when everything they name is the caller's, until the page is full.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from pointage.reconciliation.models import Match, Suggestion
from pointage.reconciliation.repository import lists as queries
from pointage.reconciliation.repository import manual as claims
from pointage.reconciliation.repository.manual import Scope

# One describer for a whole page, so that each bank file is read once for its raw lines.
from pointage.reconciliation.service.explain import SUGGESTION_STATUSES, Describer
from pointage.reconciliation.service.explain_views import MatchView, SuggestionView

_BATCH = 200


def visible_suggestions(
    session: Session, scope: Scope, suggestions: Sequence[Suggestion]
) -> list[Suggestion]:
    """Those of `suggestions` whose every entry, remittance and transaction is in the
    scope (a shop does not see a suggestion that names another shop's objects)."""
    if scope.shop_pk is None or not suggestions:
        return list(suggestions)
    entries = claims.entries_in_scope(session, scope, {i for s in suggestions for i in s.entry_ids})
    remittances = claims.remittances_in_scope(
        session, scope, {i for s in suggestions for i in s.remittance_ids}
    )
    transactions = claims.transactions_in_scope(
        session, scope, {i for s in suggestions for i in s.transaction_ids}
    )
    return [
        s
        for s in suggestions
        if entries.keys() >= set(s.entry_ids)
        and remittances.keys() >= set(s.remittance_ids)
        and transactions.keys() >= set(s.transaction_ids)
    ]


def suggestions_page(
    session: Session,
    scope: Scope,
    *,
    status: str,
    run_id: int | None,
    limit: int,
    bound: int | None,
    ascending: bool,
) -> tuple[list[SuggestionView], bool]:
    """A page of the scope's suggestions with this status ("all": any) beyond the
    suggestion `bound` (see `suggestion_in_list`): newest first, or, when `ascending`,
    those newer than `bound`; and whether more lie beyond the page."""
    statuses = SUGGESTION_STATUSES if status == "all" else (status,)
    kept: list[Suggestion] = []
    while len(kept) <= limit:
        batch = queries.suggestions_beyond(
            session,
            scope.merchant_id,
            statuses,
            run_id=run_id,
            bound=bound,
            ascending=ascending,
            size=_BATCH,
        )
        kept += visible_suggestions(session, scope, batch)
        if len(batch) < _BATCH:
            break
        bound = batch[-1].id
    has_more = len(kept) > limit
    kept = kept[:limit]
    if ascending:
        kept.reverse()
    describer = Describer(session, scope)
    return [describer.suggestion(proposed) for proposed in kept], has_more


def suggestion_in_list(session: Session, scope: Scope, suggestion_id: int) -> bool:
    """Whether the caller may see this suggestion (a cursor must name one it may)."""
    found = claims.suggestion(session, scope.merchant_id, suggestion_id)
    return found is not None and bool(visible_suggestions(session, scope, [found]))


def describe_matches(session: Session, scope: Scope, matches: Sequence[Match]) -> list[MatchView]:
    """A page of matches (already limited to the scope), each as GET of one shows it."""
    describer = Describer(session, scope)
    return [describer.match(match) for match in matches]
