"""JSON routes of manual reconciliation and explanations (docs/api/reconciliation.md); the
reads of suggestions and matches are in `reconciliation.api_lists`.

A shop sees and acts on its own objects only: its transactions and remittances, the bank
entries of the accounts its contracts credit, and the matches and suggestions made of
nothing else. Anything else answers 404, exactly like an object that does not exist.
The actor recorded is the API key's shop ("api:<shop id>"), as for runs, imports and reports.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, ConfigDict, Field

from pointage.reconciliation.api_lists import MatchId, SuggestionId
from pointage.reconciliation.api_lists import router as lists_router
from pointage.reconciliation.service import explain, manual
from pointage.reconciliation.service.explain_views import Explanation, MatchView, SuggestionView
from pointage.shop.models import Shop
from pointage.web.auth import CurrentShop
from pointage.web.deps import DbSession
from pointage.web.errors import problem_responses
from pointage.web.ids import MAX_ID

router = APIRouter(tags=["reconciliation"])
# The reads (suggestions and matches, listed and one by one) live in their own module.
router.include_router(lists_router)

RemittanceId = Annotated[int, Path(ge=1, le=MAX_ID, description="The remittance's id")]
ObjectId = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
Comment = Annotated[
    str, Field(min_length=1, max_length=2000, description="Why: recorded with the action")
]


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: Comment


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str | None = Field(None, max_length=2000, description="Recorded when given")


class MatchIn(BaseModel):
    """Bank entries matched by hand to remittances, or to transactions (not both)."""

    model_config = ConfigDict(extra="forbid")

    entry_ids: list[ObjectId] = Field(min_length=1, max_length=100)
    remittance_ids: list[ObjectId] = Field(default_factory=list, max_length=100)
    transaction_uuids: list[Annotated[str, Field(max_length=32)]] = Field(
        default_factory=list, max_length=1000
    )
    comment: Comment


def _actor(shop: Shop) -> str:
    return f"api:{shop.shop_id}"


@router.get(
    "/v1/transactions/{uuid}/reconciliation",
    response_model=Explanation,
    summary="Explain a transaction's reconciliation",
    responses=problem_responses(401, 404),
)
def get_explanation(uuid: str, shop: CurrentShop, session: DbSession) -> Explanation:
    """The chain transaction → remittance → bank entry (file, record, raw line) → rule and
    each criterion, the matches undone, the suggestions, and why it is still open."""
    return explain.explain_transaction(session, shop.merchant_id, uuid, shop_pk=shop.id)


@router.post(
    "/v1/transactions/{uuid}/reconciliation/manual",
    response_model=MatchView,
    status_code=status.HTTP_201_CREATED,
    summary="Mark a transaction reconciled without a bank entry",
    responses=problem_responses(401, 404, 409, 422),
)
def post_mark(uuid: str, body: CommentIn, shop: CurrentShop, session: DbSession) -> MatchView:
    """Status `reconciled_manual`, with the comment saying why no bank entry shows it."""
    match = manual.mark_reconciled_without_entry(
        session,
        shop.merchant_id,
        _actor(shop),
        body.comment,
        transaction_uuid=uuid,
        shop_pk=shop.id,
    )
    return explain.describe_match(session, shop.merchant_id, match.id, shop_pk=shop.id)


@router.post(
    "/v1/remittances/{remittance_id}/reconciliation/manual",
    response_model=MatchView,
    status_code=status.HTTP_201_CREATED,
    summary="Mark a remittance reconciled without a bank entry",
    responses=problem_responses(401, 404, 409, 422),
)
def post_mark_remittance(
    remittance_id: RemittanceId, body: CommentIn, shop: CurrentShop, session: DbSession
) -> MatchView:
    """Every transaction of the remittance `reconciled_manual`, with the comment saying
    why no bank entry shows its credit (credited on an account not imported…)."""
    match = manual.mark_reconciled_without_entry(
        session,
        shop.merchant_id,
        _actor(shop),
        body.comment,
        remittance_id=remittance_id,
        shop_pk=shop.id,
    )
    return explain.describe_match(session, shop.merchant_id, match.id, shop_pk=shop.id)


@router.post(
    "/v1/reconciliation/suggestions/{suggestion_id}/confirm",
    response_model=MatchView,
    status_code=status.HTTP_201_CREATED,
    summary="Confirm a suggestion",
    responses=problem_responses(401, 404, 409, 422),
)
def post_confirm(
    suggestion_id: SuggestionId,
    shop: CurrentShop,
    session: DbSession,
    body: ConfirmIn | None = None,
) -> MatchView:
    """Apply the suggestion as a match; suggestions claiming the same objects are
    superseded."""
    match = manual.confirm_suggestion(
        session,
        shop.merchant_id,
        suggestion_id,
        _actor(shop),
        body.comment if body else None,
        shop_pk=shop.id,
    )
    return explain.describe_match(session, shop.merchant_id, match.id, shop_pk=shop.id)


@router.post(
    "/v1/reconciliation/suggestions/{suggestion_id}/reject",
    response_model=SuggestionView,
    summary="Reject a suggestion",
    responses=problem_responses(401, 404, 409, 422),
)
def post_reject(
    suggestion_id: SuggestionId, body: CommentIn, shop: CurrentShop, session: DbSession
) -> SuggestionView:
    """Refuse the suggestion, with why; later runs do not propose it again."""
    manual.reject_suggestion(
        session, shop.merchant_id, suggestion_id, _actor(shop), body.comment, shop_pk=shop.id
    )
    return explain.describe_suggestion(session, shop.merchant_id, suggestion_id, shop_pk=shop.id)


@router.post(
    "/v1/reconciliation/matches",
    response_model=MatchView,
    status_code=status.HTTP_201_CREATED,
    summary="Match by hand",
    responses=problem_responses(401, 404, 409, 422),
)
def post_match(body: MatchIn, shop: CurrentShop, session: DbSession) -> MatchView:
    """Match bank entries to remittances or to transactions; the difference is recorded
    and the comment explains it (status `reconciled_manual`)."""
    match = manual.match_by_hand(
        session,
        shop.merchant_id,
        body.entry_ids,
        body.remittance_ids,
        body.transaction_uuids,
        _actor(shop),
        body.comment,
        shop_pk=shop.id,
    )
    return explain.describe_match(session, shop.merchant_id, match.id, shop_pk=shop.id)


@router.post(
    "/v1/reconciliation/matches/{match_id}/reversal",
    response_model=MatchView,
    status_code=status.HTTP_201_CREATED,
    summary="Undo a match",
    responses=problem_responses(401, 404, 409, 422),
)
def post_reversal(
    match_id: MatchId, body: CommentIn, shop: CurrentShop, session: DbSession
) -> MatchView:
    """Write a reversal: the match's claims are released and statuses recomputed; the
    match stays in the history."""
    manual.unmatch(session, shop.merchant_id, match_id, _actor(shop), body.comment, shop_pk=shop.id)
    return explain.describe_match(session, shop.merchant_id, match_id, shop_pk=shop.id)
