"""What the reconciliation page shows, read for one request: whose objects it covers, the
unmatched bank entries of a page with the engine's open suggestions for each, the search of
the "Match by hand" dialog, the recent runs and the matches people made.

The page covers every shop of the selected shop's merchant when the user was given all of
them (a credit may group remittances of several shops on the merchant's account), and the
selected shop alone otherwise, as the API does for a shop's key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from pointage.core.errors import InvalidAmount, NotFound
from pointage.core.money import to_minor
from pointage.payment.models import Transaction
from pointage.reconciliation.models import MatchOrigin, ReconciliationRun, Suggestion
from pointage.reconciliation.repository import entry_states as state_queries
from pointage.reconciliation.repository import pages as queries
from pointage.reconciliation.repository.manual import Scope
from pointage.reconciliation.service import entry_states, manual
from pointage.reconciliation.service.explain import Describer
from pointage.reconciliation.service.explain_views import (
    EntryView,
    MatchView,
    OpenReasonView,
    SuggestionView,
)
from pointage.reconciliation.service.lists import visible_suggestions
from pointage.shop.models import Shop
from pointage.statement.models import StatementEntry
from pointage.web.cursors import int_cursor
from pointage.web.ids import MAX_ID
from pointage.web.pagination import Keyset, PageRequest, fetch_page

PAGE_SIZE = 20
RESULTS = 20
RECENT_RUNS = 5
RECENT_MATCHES = 10
MAX_NUMBER = 99_999_999
MAX_TEXT = 64
MAX_COMMENT = 2000
PEOPLE = (MatchOrigin.CONFIRMED.value, MatchOrigin.MANUAL.value)

# The list's choices of entries (their labels are in the views, where texts are translated).
STATE_CHOICES = ("todo", "suggested", "open", "ignored", "duplicate", "all")


def page_scope(session: Session, shops: Sequence[Shop], shop: Shop) -> Scope:
    """The merchant's every shop when the user was given all of them, else the selected
    shop alone."""
    given = {s.id for s in shops if s.merchant_id == shop.merchant_id}
    if given >= queries.shop_pks_of_merchant(session, shop.merchant_id):
        return Scope(shop.merchant_id)
    return Scope(shop.merchant_id, shop.id)


# The list's filter


@dataclass(slots=True)
class ListForm:
    state: str = "todo"
    entry_id: int | None = None
    after: str | None = None
    before: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def query(self) -> str:
        """The filter as a query string (without the page's cursor)."""
        parts = [f"state={self.state}"] if self.state != "todo" else []
        if self.entry_id is not None:
            parts.append(f"entry={self.entry_id}")
        return "&".join(parts)


def read_list_form(params: Mapping[str, str]) -> ListForm:
    form = ListForm()
    state = params.get("state") or "todo"
    if state in STATE_CHOICES:
        form.state = state
    else:
        form.errors["state"] = "state"
    entry = params.get("entry") or params.get("match") or ""
    if entry:
        form.entry_id = int_cursor(entry) if len(entry) <= 19 else None
        if form.entry_id is None or form.entry_id < 1:
            form.entry_id = None
            form.errors["entry"] = "entry"
        else:
            form.state = "all"  # one entry asked for is shown whatever its state
    form.after = params.get("after") or None
    form.before = None if form.after else params.get("before") or None
    return form


# The entries


@dataclass(slots=True)
class EntryBlock:
    entry: EntryView
    state: str
    reason: OpenReasonView | None
    suggestions: list[SuggestionView]
    # Suggestions naming several entries are shown under the first of them on the page:
    # (suggestion id, entry id it is shown under) for this entry's others.
    shown_elsewhere: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class EntriesPage:
    blocks: list[EntryBlock]
    older: str | None
    newer: str | None


def entries_page(session: Session, scope: Scope, form: ListForm) -> EntriesPage:
    """A page of the unmatched entries of the filter; NotFound for a cursor outside it."""
    opened = visible_suggestions(
        session, scope, state_queries.open_suggestions(session, scope.merchant_id)
    )
    named: dict[int, list[int]] = {}
    for proposed in opened:
        for entry_id in proposed.entry_ids:
            named.setdefault(entry_id, []).append(proposed.id)
    query = queries.unmatched_query(scope, form.state, named, form.entry_id)

    def position(cursor: str) -> tuple[int, int] | None:
        pk = int_cursor(cursor)
        return None if pk is None else queries.entry_position(session, scope, pk)

    keyset = Keyset(StatementEntry.id, StatementEntry.id, position)
    page = PageRequest(PAGE_SIZE, form.after, form.before)
    rows, has_more = fetch_page(session, query, keyset, page)
    backwards = page.ending_before is not None
    older = str(rows[-1].id) if rows and (has_more or backwards) else None
    newer = None
    if rows and ((has_more and backwards) or (not backwards and page.starting_after)):
        newer = str(rows[0].id)
    return EntriesPage(_blocks(session, scope, rows, named, opened), older, newer)


def _blocks(
    session: Session,
    scope: Scope,
    rows: Sequence[StatementEntry],
    named: Mapping[int, list[int]],
    opened: Sequence[Suggestion],
) -> list[EntryBlock]:
    describer = Describer(session, scope)
    views = {v.id: v for v in describer.entries([(row.id, None) for row in rows], raw=False)}
    states = entry_states.describe(session, scope, rows, dict(named))
    wanted = {i for row in rows for i in named.get(row.id, [])}
    suggestions = {s.id: describer.suggestion(s) for s in opened if s.id in wanted}
    blocks: list[EntryBlock] = []
    shown: dict[int, int] = {}  # suggestion id -> the entry it is shown under
    for state in states:
        if state.entry.id not in views:
            continue
        block = EntryBlock(views[state.entry.id], str(state.state), state.open_reason, [])
        for suggestion_id in state.suggestion_ids:
            if suggestion_id not in suggestions:
                continue
            if suggestion_id in shown:
                block.shown_elsewhere.append((suggestion_id, shown[suggestion_id]))
            else:
                shown[suggestion_id] = state.entry.id
                block.suggestions.append(suggestions[suggestion_id])
        blocks.append(block)
    return blocks


# The "Match by hand" dialog


SEARCH_FIELDS = ("kind", "number", "amount", "date", "order_id")


@dataclass(slots=True)
class SearchForm:
    """The dialog's search, for the entry `entry_id`, and what it found."""

    entry_id: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    remittances: list[queries.FoundRemittance] = field(default_factory=list)
    transactions: list[tuple[Transaction, int, str]] = field(default_factory=list)
    picked: set[str] = field(default_factory=set)
    comment: str = ""

    @property
    def kind(self) -> str:
        return self.values["kind"]

    @property
    def usable(self) -> bool:
        """Whether every search field could be read (the results are then shown)."""
        return not any(name in self.errors for name in SEARCH_FIELDS)


def read_search(entry_id: int, params: Mapping[str, str], currency: str) -> SearchForm:
    values = {name: (params.get(name) or "").strip()[:200] for name in SEARCH_FIELDS}
    values["kind"] = values["kind"] or "remittances"
    form = SearchForm(entry_id, values)
    if values["kind"] not in ("remittances", "transactions"):
        form.errors["kind"] = "kind"
    number = values["number"]
    if number and not (number.isascii() and number.isdigit() and 1 <= int(number) <= MAX_NUMBER):
        form.errors["number"] = "number"
    if values["amount"] and _amount(values["amount"], currency) is None:
        form.errors["amount"] = "amount"
    if values["date"] and _day(values["date"]) is None:
        form.errors["date"] = "date"
    if len(values["order_id"]) > MAX_TEXT:
        form.errors["order_id"] = "order_id"
    return form


def run_search(session: Session, scope: Scope, form: SearchForm, currency: str) -> None:
    """Fill the form's results (nothing when a search field is wrong)."""
    if not form.usable:
        return
    values = form.values
    number = int(values["number"]) if values["number"] else None
    amount = _amount(values["amount"], currency) if values["amount"] else None
    day = _day(values["date"]) if values["date"] else None
    if form.kind == "remittances":
        form.remittances = queries.search_remittances(
            session, scope, currency, number=number, amount_minor=amount, day=day, limit=RESULTS
        )
        return
    form.transactions = queries.search_transactions(
        session,
        scope,
        currency,
        order_id=values["order_id"] or None,
        amount_minor=amount,
        day=day,
        number=number,
        limit=RESULTS,
    )


def _amount(text: str, currency: str) -> int | None:
    cleaned = text.replace(" ", "").replace("\u202f", "").replace("\xa0", "").replace(",", ".")
    try:
        minor = abs(to_minor(cleaned.removeprefix("-"), currency))
    except InvalidAmount:
        return None
    return minor if 0 < minor < 10**15 else None


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


# Building the page


def fill_entries(
    session: Session,
    scope: Scope,
    form: ListForm,
    params: Mapping[str, str],
    context: dict[str, Any],
) -> None:
    """The page's entries (and the dialog's search of the entry asked for) into `context`;
    NotFound for an entry outside the scope, a wrong cursor told as the filter's error."""
    if form.entry_id is not None:
        entry = queries.entry_in_scope(session, scope, form.entry_id)
        if entry is None:
            raise NotFound(f"entry {form.entry_id} not found", param="entry")
        context["entry_matched"] = queries.entry_is_claimed(session, entry.id)
        if "match" in params and context["search"] is None and not context["entry_matched"]:
            search = read_search(entry.id, params, entry.currency)
            run_search(session, scope, search, entry.currency)
            context["search"] = search
    try:
        page = entries_page(session, scope, form)
    except NotFound:
        if form.after is None and form.before is None:
            raise
        form.errors["cursor"] = "cursor"
        return
    context.update(blocks=page.blocks, older=page.older, newer=page.newer)


def match_entry(
    session: Session,
    scope: Scope,
    actor: str,
    entry_id: int,
    kind: str,
    picked: list[str],
    comment: str,
) -> None:
    """Match the entry by hand to the remittances (ids) or transactions (uuids) picked; a
    remittance id that cannot be one is not found, like a missing one."""
    remittance_ids: list[int] = []
    uuids: list[str] = []
    if kind == "remittances":
        for value in picked:
            if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_ID:
                raise NotFound(f"remittance {value} not found", param="remittance_ids")
            remittance_ids.append(int(value))
    else:
        uuids = [value[:32] for value in picked]
    with session.begin_nested():
        manual.match_by_hand(
            session,
            scope.merchant_id,
            [entry_id],
            remittance_ids,
            uuids,
            actor,
            comment,
            shop_pk=scope.shop_pk,
        )


# History


def recent_runs(session: Session, merchant_id: int) -> Sequence[ReconciliationRun]:
    return queries.recent_runs(session, merchant_id, RECENT_RUNS)


def recent_matches(session: Session, scope: Scope) -> list[MatchView]:
    found = queries.recent_matches_by_people(session, scope, PEOPLE, RECENT_MATCHES)
    describer = _WithoutRawLines(session, scope)
    return [describer.match(match) for match in found]


class _WithoutRawLines(Describer):
    """Matches described without their entries' lines as the bank wrote them: the page
    does not show them, and each would read its whole bank file."""

    def entries(self, wanted: Sequence[tuple[int, str | None]], *, raw: bool) -> list[EntryView]:
        return super().entries(wanted, raw=False)
