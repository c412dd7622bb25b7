"""Cursor pagination for every list of the resource API.

A list is ordered newest first by a sort column and the primary key (the tie-breaker). The
caller pages with the id of an object it has seen, never with an offset, so that a page is
the same however many objects were added meanwhile and a deep page costs what the first
costs (the database seeks to the cursor in the index instead of counting rows):

    GET /v1/transactions?limit=20                       the 20 newest
    GET /v1/transactions?limit=20&starting_after=<id>   the 20 after <id>, going back in time
    GET /v1/transactions?limit=20&ending_before=<id>    the 20 before <id>, going forward

Each page says `has_more`: whether more objects lie beyond it in the direction of travel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from pointage.core.errors import InvalidInput, NotFound

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

T = TypeVar("T")
Item = TypeVar("Item", bound=BaseModel)


@dataclass(frozen=True)
class PageRequest:
    limit: int
    starting_after: str | None
    ending_before: str | None


def _page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Objects per page (1 to 100)")
    ] = DEFAULT_LIMIT,
    starting_after: Annotated[
        str | None,
        Query(max_length=64, description="The id of an object: the page lists the ones after it"),
    ] = None,
    ending_before: Annotated[
        str | None,
        Query(max_length=64, description="The id of an object: the page lists the ones before it"),
    ] = None,
) -> PageRequest:
    if starting_after is not None and ending_before is not None:
        raise InvalidInput("give starting_after or ending_before, not both", param="ending_before")
    return PageRequest(limit, starting_after, ending_before)


PageParams = Annotated[PageRequest, Depends(_page_request)]


class Page(BaseModel, Generic[Item]):
    """One page of a list."""

    object: Literal["list"] = "list"
    data: list[Item]
    has_more: bool = Field(description="More objects lie beyond this page")


@dataclass(frozen=True)
class Keyset:
    """How a list is ordered: newest first by `sort` (a NOT NULL column), then by the
    primary key `pk`. An index on (the list's equality filters, `sort`) serves every page.

    `position` finds the (sort value, pk) of the object a cursor names, among the objects
    the caller may see; None when there is no such object.
    """

    sort: InstrumentedAttribute[Any]
    pk: InstrumentedAttribute[Any]
    position: Callable[[str], tuple[Any, Any] | None]


def fetch_page(
    session: Session, query: Select[Any], keyset: Keyset, page: PageRequest
) -> tuple[Sequence[Any], bool]:
    """The objects of `query` (one entity, already filtered to what the caller may see) for
    this page, in list order (newest first), and whether more lie beyond."""
    sort, pk = keyset.sort, keyset.pk
    cursor = page.starting_after or page.ending_before
    backwards = page.ending_before is not None
    if cursor is not None:
        position = keyset.position(cursor)
        if position is None:
            param = "ending_before" if backwards else "starting_after"
            raise NotFound(f"{param}: no object {cursor!r} in this list", param=param)
        value, key = position
        # The plain bound (sort <= value) lets the database seek in the index to the
        # cursor; the OR alone would be checked row by row from the first row on.
        if backwards:
            query = query.where(sort >= value, or_(sort > value, and_(sort == value, pk > key)))
        else:
            query = query.where(sort <= value, or_(sort < value, and_(sort == value, pk < key)))
    order = (sort.asc(), pk.asc()) if backwards else (sort.desc(), pk.desc())
    rows = list(session.scalars(query.order_by(*order).limit(page.limit + 1)).all())
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    if backwards:
        rows.reverse()
    return rows, has_more


__all__ = ["Keyset", "Page", "PageParams", "PageRequest", "fetch_page"]
