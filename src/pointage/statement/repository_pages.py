"""Queries of the bank statement pages of the back office: a merchant's accounts, each
account's statements newest first, one statement of a merchant, and the movements a
statement's file brought in the bank's order (`statement.repository` holds the queries of
the import and of the API, which these reuse where they can).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, defer

from pointage.shop.models import BankAccount
from pointage.statement.models import BankStatement, StatementEntry, StatementFile
from pointage.statement.repository import StatementRepository


@dataclass(frozen=True)
class FoundStatement:
    """A statement of the merchant, with its account and the file that brought it."""

    statement: BankStatement
    account: BankAccount
    file: StatementFile


class StatementPageQueries:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repository = StatementRepository(session)

    def accounts(self, merchant_id: int) -> Sequence[BankAccount]:
        """The merchant's bank accounts, oldest first (a merchant has a handful)."""
        query = self.repository.accounts_query(merchant_id).order_by(BankAccount.id)
        return self.session.scalars(query).all()

    def account(self, account_id: int, merchant_id: int) -> BankAccount | None:
        return self.repository.account_of_merchant(account_id, merchant_id)

    def statements_query(self, account_id: int) -> Select[BankStatement]:
        """The account's statements, for `web.pagination.fetch_page` (newest first by id)."""
        return select(BankStatement).where(BankStatement.bank_account_id == account_id)

    def statement_in_account(self, statement_id: int, account_id: int) -> int | None:
        return self.session.scalar(
            select(BankStatement.id).where(
                BankStatement.id == statement_id, BankStatement.bank_account_id == account_id
            )
        )

    def files(self, file_ids: Collection[int]) -> dict[int, StatementFile]:
        """The files' records, without their content."""
        if not file_ids:
            return {}
        found = self.session.scalars(
            select(StatementFile)
            .where(StatementFile.id.in_(sorted(set(file_ids))))
            .options(defer(StatementFile.content))
        )
        return {file.id: file for file in found}

    def statement_of_merchant(self, statement_id: int, merchant_id: int) -> FoundStatement | None:
        """The statement if its account is the merchant's: another merchant's reads as
        absent."""
        row = self.session.execute(
            select(BankStatement, BankAccount)
            .join(BankAccount, BankAccount.id == BankStatement.bank_account_id)
            .where(BankStatement.id == statement_id, BankAccount.merchant_id == merchant_id)
        ).first()
        if row is None:
            return None
        statement, account = row
        file = self.repository.file(statement.file_id)
        assert file is not None  # a statement's file is never deleted
        return FoundStatement(statement, account, file)

    def stored_entries(self, statement_id: int) -> int:
        """How many movements are stored with the statement."""
        count = self.session.scalar(
            select(func.count(StatementEntry.id)).where(StatementEntry.statement_id == statement_id)
        )
        return int(count or 0)

    def entry_files(self, statement_id: int) -> list[int]:
        """The files that brought the statement's stored movements (one, or a few when the
        same statement came again in another format with movements of its own)."""
        return list(
            self.session.scalars(
                select(StatementEntry.file_id)
                .where(StatementEntry.statement_id == statement_id)
                .distinct()
                .order_by(StatementEntry.file_id)
            )
        )

    def entries_page(
        self, statement_id: int, *, after: int | None, before: int | None, limit: int
    ) -> tuple[list[StatementEntry], bool]:
        """A page of the movements stored with the statement, in the bank's order (a file's
        entries are stored in its order): those after the entry `after`, or the ones just
        before `before`; and whether more lie beyond in that direction."""
        e = StatementEntry
        query = select(e).where(e.statement_id == statement_id)
        if before is not None:
            query = query.where(e.id < before).order_by(e.id.desc())
        else:
            if after is not None:
                query = query.where(e.id > after)
            query = query.order_by(e.id.asc())
        rows = list(self.session.scalars(query.limit(limit + 1)).all())
        has_more = len(rows) > limit
        rows = rows[:limit]
        if before is not None:
            rows.reverse()
        return rows, has_more
