"""JSON lists of bank statements (docs/api/statements.md): the merchant's imported files,
the entries a file brought with their match state, and the merchant's bank accounts.

Statements are the merchant's: every shop of the merchant sees its files and accounts;
another merchant's file or account answers 404, exactly like one that does not exist.
Lists are paged with cursors (web.pagination), newest first.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from pointage.core.errors import InvalidInput, NotFound
from pointage.reconciliation.repository import entry_states as states
from pointage.reconciliation.repository.entry_states import EntryState
from pointage.reconciliation.repository.manual import Scope
from pointage.reconciliation.service import entry_states
from pointage.shop.models import BankAccount
from pointage.statement.models import StatementEntry, StatementFile
from pointage.statement.repository import StatementRepository
from pointage.statement.schemas import BankAccountOut, StatementEntryOut, StatementFileOut
from pointage.statement.service import file_summary
from pointage.web.auth import CurrentShop
from pointage.web.cursors import int_cursor
from pointage.web.deps import DbSession
from pointage.web.errors import problem_responses
from pointage.web.ids import MAX_ID
from pointage.web.pagination import Keyset, Page, PageParams, fetch_page

router = APIRouter(tags=["statements"])
FileId = Annotated[int, Path(ge=1, le=MAX_ID, description="The statement file's id")]


@router.get(
    "/v1/statements",
    response_model=Page[StatementFileOut],
    summary="List imported bank statement files",
    responses=problem_responses(401, 404, 422),
)
def list_statement_files(
    shop: CurrentShop,
    session: DbSession,
    page: PageParams,
    bank_account_id: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="Only files with a statement of this account"),
    ] = None,
    date_from: Annotated[
        date | None,
        Query(description="Only files with a statement whose period ends on or after this day"),
    ] = None,
    date_to: Annotated[
        date | None,
        Query(description="Only files with a statement whose period starts on or before this day"),
    ] = None,
) -> Page[StatementFileOut]:
    """The files imported for the shop's merchant, latest import first, each with its
    statements and what it imported (as `GET /v1/statements/{file_id}` tells it)."""
    repository = StatementRepository(session)
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidInput("date_to is before date_from", param="date_to")
    if bank_account_id is not None:
        _account(repository, bank_account_id, shop.merchant_id, "bank_account_id")
    query = repository.files_query(
        shop.merchant_id, bank_account_id=bank_account_id, date_from=date_from, date_to=date_to
    )

    def position(cursor: str) -> tuple[int, int] | None:
        pk = int_cursor(cursor)
        found = None if pk is None else repository.file_of_merchant(pk, shop.merchant_id)
        return None if found is None else (found, found)

    keyset = Keyset(StatementFile.id, StatementFile.id, position)
    files, has_more = fetch_page(session, query, keyset, page)
    data = []
    for file in files:
        report = file_summary(session, file.id, merchant_id=shop.merchant_id)
        assert report is not None  # listed as the merchant's by the same transaction
        data.append(StatementFileOut.of(report))
    return Page(data=data, has_more=has_more)


@router.get(
    "/v1/statements/{file_id}/entries",
    response_model=Page[StatementEntryOut],
    summary="List the entries of a bank statement file",
    responses=problem_responses(401, 404, 422),
)
def list_statement_entries(
    file_id: FileId,
    shop: CurrentShop,
    session: DbSession,
    page: PageParams,
    match_state: Annotated[
        EntryState | None,
        Query(
            description="Only entries in this state: matched, suggested, open, ignored, duplicate"
        ),
    ] = None,
) -> Page[StatementEntryOut]:
    """The movements this file brought (one already imported from an earlier file is
    listed with that file), the file's last record first, each with its dates, amount,
    label, references, record, and its match state: the match that claims it, the open
    suggestions naming it, or why the latest run left it open."""
    repository = StatementRepository(session)
    if repository.file_of_merchant(file_id, shop.merchant_id) is None:
        raise NotFound(f"statement file {file_id} not found", param="file_id")
    scope = Scope(shop.merchant_id, shop.id)
    suggested = entry_states.suggested_entries(session, scope, file_id)
    query = states.entries_query(file_id, match_state, suggested.keys())

    def position(cursor: str) -> tuple[int, int] | None:
        pk = int_cursor(cursor)
        return None if pk is None else states.entry_position(session, file_id, pk)

    keyset = Keyset(StatementEntry.id, StatementEntry.id, position)
    entries, has_more = fetch_page(session, query, keyset, page)
    views = entry_states.describe(session, scope, entries, suggested)
    return Page(data=[StatementEntryOut.of(view) for view in views], has_more=has_more)


@router.get(
    "/v1/bank-accounts",
    response_model=Page[BankAccountOut],
    summary="List the bank accounts",
    responses=problem_responses(401, 404, 422),
)
def list_bank_accounts(
    shop: CurrentShop, session: DbSession, page: PageParams
) -> Page[BankAccountOut]:
    """The bank accounts of the shop's merchant, latest added first, with the shop's
    contracts credited on each."""
    repository = StatementRepository(session)

    def position(cursor: str) -> tuple[int, int] | None:
        pk = int_cursor(cursor)
        found = None if pk is None else repository.account_of_merchant(pk, shop.merchant_id)
        return None if found is None else (found.id, found.id)

    keyset = Keyset(BankAccount.id, BankAccount.id, position)
    accounts, has_more = fetch_page(
        session, repository.accounts_query(shop.merchant_id), keyset, page
    )
    contracts = repository.contracts_of_shop_by_account(shop.id, [a.id for a in accounts])
    data = [BankAccountOut.of(account, contracts.get(account.id, [])) for account in accounts]
    return Page(data=data, has_more=has_more)


def _account(
    repository: StatementRepository, account_id: int, merchant_id: int, param: str
) -> BankAccount:
    account = repository.account_of_merchant(account_id, merchant_id)
    if account is None:
        raise NotFound(f"bank account {account_id} not found", param=param)
    return account
