"""The orders of the transaction list (`/transactions`): the columns a user may sort by, and
pages of a sorted list by keyset cursors.

A sorted list is ordered by (sort key, id), both in the chosen direction; a cursor names a
transaction and the page starts right after (or ends right before) its (sort key, id), so
that pages neither skip nor repeat a line however the keys tie. Keys that may be empty
(order id, expected credit date) sort as the smallest value
(`payment.repository.LIST_SORT_KEYS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session

from pointage.core.errors import NotFound
from pointage.payment.models import Transaction
from pointage.payment.repository import LIST_SORT_KEYS, TransactionRepository, with_sort_key
from pointage.web.i18n import N_
from pointage.web.pagination import PageRequest

DEFAULT_SORT = "created"
ASCENDING, DESCENDING = "asc", "desc"
DIRECTIONS = (ASCENDING, DESCENDING)


@dataclass(frozen=True)
class SortColumn:
    key: str  # a key of LIST_SORT_KEYS, the value of the `sort` parameter
    label: str  # English; translated where shown
    first_direction: str  # the direction of the first click on its header


SORT_COLUMNS = {
    column.key: column
    for column in (
        SortColumn("created", N_("Created"), DESCENDING),
        SortColumn("order_id", N_("Order id"), ASCENDING),
        SortColumn("status", N_("Status"), ASCENDING),
        SortColumn("amount", N_("Amount"), DESCENDING),
        SortColumn("credit_date", N_("Expected credit"), DESCENDING),
        SortColumn("reconciliation", N_("Reconciliation"), ASCENDING),
    )
}
assert set(SORT_COLUMNS) == set(LIST_SORT_KEYS)


@dataclass(frozen=True)
class Sort:
    key: str = DEFAULT_SORT
    direction: str = DESCENDING

    @property
    def descending(self) -> bool:
        return self.direction == DESCENDING

    @property
    def is_default(self) -> bool:
        return self.key == DEFAULT_SORT and self.descending

    def toggled(self, key: str) -> Sort:
        """The order a click on the header of column `key` asks for."""
        if key == self.key:
            return Sort(key, ASCENDING if self.descending else DESCENDING)
        return Sort(key, SORT_COLUMNS[key].first_direction)


def fetch_sorted(
    session: Session,
    query: Select[Any],
    shop_pk: int,
    mode: str,
    sort: Sort,
    page: PageRequest,
) -> tuple[Sequence[Transaction], bool]:
    """The transactions of `query` (already filtered to what the user may see) for this page,
    in list order, and whether more lie beyond it in the direction of travel."""
    key, pk = LIST_SORT_KEYS[sort.key], Transaction.id
    query = with_sort_key(query, sort.key)
    cursor = page.starting_after or page.ending_before
    backwards = page.ending_before is not None
    descending = sort.descending != backwards  # the order the database reads in
    if cursor is not None:
        position = TransactionRepository(session).sort_position(shop_pk, mode, cursor, sort.key)
        if position is None:
            param = "before" if backwards else "after"
            raise NotFound(f"{param}: no transaction {cursor!r} in this list", param=param)
        value, last = position
        # The plain bound lets the database seek to the cursor where an index serves the key.
        if descending:
            query = query.where(key <= value, or_(key < value, and_(key == value, pk < last)))
        else:
            query = query.where(key >= value, or_(key > value, and_(key == value, pk > last)))
    order = (key.desc(), pk.desc()) if descending else (key.asc(), pk.asc())
    rows = list(session.scalars(query.order_by(*order).limit(page.limit + 1)).all())
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    if backwards:
        rows.reverse()
    return rows, has_more
