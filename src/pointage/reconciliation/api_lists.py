"""JSON reads of reconciliation (docs/api/reconciliation.md): suggestions and matches,
listed and read one by one.

A shop sees the suggestions and matches made of its own objects only (its remittances and
transactions, the entries of the accounts its contracts credit); anything else answers
404, exactly like an object that does not exist. Lists are paged with cursors, newest
first.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from pointage.core.errors import NotFound
from pointage.matching.model import Rule
from pointage.reconciliation.models import Match, MatchOrigin
from pointage.reconciliation.repository import lists as queries
from pointage.reconciliation.repository.manual import Scope
from pointage.reconciliation.schemas_lists import MatchList, SuggestionList
from pointage.reconciliation.service import explain, lists
from pointage.reconciliation.service.explain_views import MatchView, SuggestionView
from pointage.web.auth import CurrentShop
from pointage.web.cursors import int_cursor
from pointage.web.deps import DbSession
from pointage.web.errors import problem_responses
from pointage.web.ids import MAX_ID
from pointage.web.pagination import Keyset, PageParams, fetch_page

router = APIRouter(tags=["reconciliation"])

RunFilter = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only those of this run")]
RunId = Annotated[int, Path(ge=1, le=MAX_ID, description="The run's id")]
SuggestionId = Annotated[int, Path(ge=1, le=MAX_ID, description="The suggestion's id")]
MatchId = Annotated[int, Path(ge=1, le=MAX_ID, description="The match's id")]


@router.get(
    "/v1/reconciliation/suggestions",
    response_model=SuggestionList,
    summary="List suggestions",
    responses=problem_responses(401, 404, 422),
)
def list_suggestions(
    shop: CurrentShop,
    session: DbSession,
    page: PageParams,
    status: Annotated[
        Literal["open", "confirmed", "rejected", "superseded", "all"],
        Query(description="Only suggestions in this status; all: any"),
    ] = "open",
    run_id: RunFilter = None,
) -> SuggestionList:
    """The matches the engine proposes and a person confirms or rejects, newest first."""
    scope = Scope(shop.merchant_id, shop.id)
    cursor = page.starting_after or page.ending_before
    bound = None
    if cursor is not None:
        bound = int_cursor(cursor)
        if bound is None or not lists.suggestion_in_list(session, scope, bound):
            param = "ending_before" if page.ending_before else "starting_after"
            raise NotFound(f"{param}: no object {cursor!r} in this list", param=param)
    found, has_more = lists.suggestions_page(
        session,
        scope,
        status=status,
        run_id=run_id,
        limit=page.limit,
        bound=bound,
        ascending=page.ending_before is not None,
    )
    return SuggestionList(data=found, has_more=has_more)


@router.get(
    "/v1/reconciliation/suggestions/{suggestion_id}",
    response_model=SuggestionView,
    summary="Get a suggestion",
    responses=problem_responses(401, 404, 422),
)
def get_suggestion(
    suggestion_id: SuggestionId, shop: CurrentShop, session: DbSession
) -> SuggestionView:
    """A suggestion with its entries, remittances, transactions and criteria; once
    decided, who decided, when, why, and the match a confirmation made."""
    return explain.describe_suggestion(session, shop.merchant_id, suggestion_id, shop_pk=shop.id)


@router.get(
    "/v1/reconciliation/matches",
    response_model=MatchList,
    summary="List matches",
    responses=problem_responses(401, 404, 422),
)
def list_matches(
    shop: CurrentShop,
    session: DbSession,
    page: PageParams,
    run_id: RunFilter = None,
    origin: Annotated[
        MatchOrigin | None,
        Query(description="engine, confirmed, manual or without_entry"),
    ] = None,
    rule: Annotated[Rule | None, Query(description="Only matches of this rule")] = None,
    active: Annotated[
        bool | None, Query(description="true: in force; false: undone by a reversal")
    ] = None,
    anomaly: Annotated[
        bool | None, Query(description="true: only those with an unexplained difference")
    ] = None,
) -> MatchList:
    """The matches of the shop's objects, newest first, each as `GET
    /v1/reconciliation/matches/{match_id}` answers it."""
    scope = Scope(shop.merchant_id, shop.id)
    query = queries.matches_query(
        scope,
        run_id=run_id,
        origin=origin.value if origin else None,
        rule=rule.value if rule else None,
        active=active,
        anomaly=anomaly,
    )

    def position(cursor: str) -> tuple[int, int] | None:
        pk = int_cursor(cursor)
        return None if pk is None else queries.match_position(session, scope, pk)

    matches, has_more = fetch_page(session, query, Keyset(Match.id, Match.id, position), page)
    return MatchList(data=lists.describe_matches(session, scope, matches), has_more=has_more)


@router.get(
    "/v1/reconciliation/matches/{match_id}",
    response_model=MatchView,
    summary="Get a match",
    responses=problem_responses(401, 404, 422),
)
def get_match(match_id: MatchId, shop: CurrentShop, session: DbSession) -> MatchView:
    """A match with its bank entries (and their raw lines), what it claims, and its
    evidence; `reversal` is set once it was undone."""
    return explain.describe_match(session, shop.merchant_id, match_id, shop_pk=shop.id)
