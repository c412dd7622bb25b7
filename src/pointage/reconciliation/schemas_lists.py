"""Pages of the reconciliation lists: suggestions and matches, each item as the route that
reads one answers it (service.explain_views)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from pointage.reconciliation.service.explain_views import MatchView, SuggestionView


class SuggestionList(BaseModel):
    """One page of suggestions."""

    object: Literal["list"] = "list"
    data: list[SuggestionView]
    has_more: bool = Field(description="More objects lie beyond this page")


class MatchList(BaseModel):
    """One page of matches."""

    object: Literal["list"] = "list"
    data: list[MatchView]
    has_more: bool = Field(description="More objects lie beyond this page")
