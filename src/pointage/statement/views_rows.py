"""What the bank statement pages show, built from the stored rows: the statements of each
account with their continuity warnings, and the match state of a statement's movements.

Texts are English and translated where shown (`N_`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from pointage.reconciliation.repository.manual import Scope
from pointage.reconciliation.service import entry_states
from pointage.reconciliation.service.entry_states import EntryStateView
from pointage.shop.models import BankAccount
from pointage.statement.models import BankStatement, StatementEntry, StatementFile
from pointage.statement.repository_pages import StatementPageQueries
from pointage.web.cursors import int_cursor
from pointage.web.pagination import Keyset, PageRequest, fetch_page


@dataclass(frozen=True)
class Indicator:
    """How a match state is shown: a symbol, a tone (app.css's `recon-*`) and words; never
    the colour alone."""

    symbol: str
    tone: str
    label: str


@dataclass(frozen=True)
class StatementLine:
    statement: BankStatement
    file: StatementFile

    @property
    def first_day(self) -> date | None:
        s = self.statement
        return s.opening_date or s.from_date

    @property
    def last_day(self) -> date | None:
        s = self.statement
        return s.closing_date or s.to_date

    @property
    def gap(self) -> int:
        """The opening balance minus the previous statement's closing balance (0: none)."""
        return self.statement.continuity_gap_minor or 0

    @property
    def difference(self) -> int:
        """closing - (opening + movements), accepted at import (0: none)."""
        return self.statement.balance_difference_minor or 0

    @property
    def unchecked(self) -> bool:
        """A balance is missing: whether it holds every movement cannot be checked."""
        s = self.statement
        return s.kind == "statement" and (
            s.opening_amount_minor is None or s.closing_amount_minor is None
        )

    @property
    def has_warning(self) -> bool:
        return bool(self.gap or self.difference or self.unchecked)


@dataclass
class AccountGroup:
    account: BankAccount
    lines: list[StatementLine] = field(default_factory=list)
    older: int | None = None  # cursor of the page after this one
    newer: int | None = None  # cursor of the page before this one

    @property
    def warnings(self) -> int:
        return sum(1 for line in self.lines if line.has_warning)


def iban_groups(iban: str) -> str:
    """The IBAN as printed: groups of four characters."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def account_group(
    queries: StatementPageQueries,
    account: BankAccount,
    *,
    size: int,
    after: str | None = None,
    before: str | None = None,
) -> AccountGroup:
    """A page of the account's statements, newest first (`after`/`before`: a statement id
    of this account; another one answers NotFound)."""

    def position(cursor: str) -> tuple[int, int] | None:
        pk = int_cursor(cursor)
        found = None if pk is None else queries.statement_in_account(pk, account.id)
        return None if found is None else (found, found)

    keyset = Keyset(BankStatement.id, BankStatement.id, position)
    page = PageRequest(size, after if before is None else None, before)
    rows, has_more = fetch_page(queries.session, queries.statements_query(account.id), keyset, page)
    files = queries.files({row.file_id for row in rows})
    group = AccountGroup(account, [StatementLine(row, files[row.file_id]) for row in rows])
    backwards = page.ending_before is not None
    if rows and (has_more or backwards):
        group.older = rows[-1].id
    if rows and ((has_more and backwards) or (not backwards and page.starting_after)):
        group.newer = rows[0].id
    return group


@dataclass(frozen=True)
class EntryLine:
    entry: StatementEntry
    view: EntryStateView
    indicator: Indicator


def entry_lines(
    session: Session,
    scope: Scope,
    file_ids: list[int],
    entries: list[StatementEntry],
    states: dict[str, Indicator],
) -> list[EntryLine]:
    """The entries with their match state, as the API tells it (`entry_states`), each
    with the indicator `states` gives its state."""
    suggested: dict[int, list[int]] = {}
    for file_id in file_ids:
        for entry_id, ids in entry_states.suggested_entries(session, scope, file_id).items():
            suggested.setdefault(entry_id, []).extend(ids)
    views = entry_states.describe(session, scope, entries, suggested)
    return [
        EntryLine(view.entry, view, states.get(str(view.state), states["open"])) for view in views
    ]
