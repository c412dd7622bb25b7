"""All queries on imported bank files, statements, entries and CSV mapping profiles.

Entries arrive by the hundred thousand, so they go in through the driver's own bulk path
(`executemany` on SQLite, `COPY` on PostgreSQL) on the session's connection, inside the
caller's transaction: a failure anywhere rolls every row back with the rest. Values go
through the column types' own bind processors, so the stored text is exactly what the ORM
would have written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from pointage.db.bulk import column_dumper, insert_rows, large_page_cache
from pointage.shop.models import BankAccount, Contract
from pointage.statement.models import (
    BankStatement,
    CsvMappingProfile,
    StatementEntry,
    StatementFile,
)

# The columns an entry row fills, in the order of the tuples given to `insert_entries`.
# The SQL below is built from these constants only, never from input.
ENTRY_COLUMNS = (
    "bank_account_id",
    "statement_id",
    "file_id",
    "record",
    "amount_minor",
    "currency",
    "booking_date",
    "value_date",
    "label",
    "bank_operation_code",
    "references",
    "details",
    "status",
    "reversal",
    "dedup_key",
    "created_at",
)
_ENTRY_TABLE = StatementEntry.__table__
_CHUNK = 5_000  # bound parameters per IN (...) query, well under every driver's limit


class KnownFile(NamedTuple):
    id: int
    filename: str
    imported_at: datetime


class KnownStatement(NamedTuple):
    id: int
    closing_amount_minor: int
    closing_date: date | None


class DuplicateEntry(Exception):
    """The database refused an entry as one already stored for its account."""


class FileStoredMeanwhile(Exception):
    """Another import of the same bytes for the merchant committed while this one ran."""


class StatementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # Files

    def file_by_hash(self, sha256: str, merchant_id: int | None) -> KnownFile | None:
        """The file with these bytes, of the merchant (of any merchant when None)."""
        query = select(StatementFile.id, StatementFile.filename, StatementFile.imported_at).where(
            StatementFile.sha256 == sha256
        )
        if merchant_id is not None:
            query = query.where(StatementFile.merchant_id == merchant_id)
        row = self.session.execute(query.order_by(StatementFile.id).limit(1)).first()
        return KnownFile(*row) if row else None

    def file(self, pk: int) -> StatementFile | None:
        """The file's record, without loading its content."""
        return self.session.scalar(
            select(StatementFile)
            .where(StatementFile.id == pk)
            .options(defer(StatementFile.content))
        )

    def add_file(self, file: StatementFile) -> StatementFile:
        """Insert the file row, or raise FileStoredMeanwhile (the unique hash per merchant)."""
        try:
            with self.session.begin_nested():
                self.session.add(file)
                self.session.flush()
        except IntegrityError:
            raise FileStoredMeanwhile(file.sha256) from None
        return file

    def add_statements(self, statements: Sequence[BankStatement]) -> None:
        self.session.add_all(statements)
        self.session.flush()

    def statements_of_file(self, file_id: int) -> Sequence[BankStatement]:
        return self.session.scalars(
            select(BankStatement).where(BankStatement.file_id == file_id).order_by(BankStatement.id)
        ).all()

    def imported_counts(self, file_id: int) -> dict[int, int]:
        """Statement id -> entries this file brought to it."""
        query = (
            select(StatementEntry.statement_id, func.count(StatementEntry.id))
            .where(StatementEntry.file_id == file_id)
            .group_by(StatementEntry.statement_id)
        )
        return {statement_id: int(count) for statement_id, count in self.session.execute(query)}

    # The lists of the API: a merchant's files and accounts, newest first

    def files_query(
        self,
        merchant_id: int,
        *,
        bank_account_id: int | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> Select[StatementFile]:
        """The merchant's files (without their content); with a filter, those with a
        statement of that account, or whose period (opening to closing date, or the
        report's from and to dates) meets [date_from, date_to]."""
        query = (
            select(StatementFile)
            .where(StatementFile.merchant_id == merchant_id)
            .options(defer(StatementFile.content))
        )
        if bank_account_id is None and date_from is None and date_to is None:
            return query
        s = BankStatement
        wanted: list[ColumnElement[bool]] = [s.file_id == StatementFile.id]
        if bank_account_id is not None:
            wanted.append(s.bank_account_id == bank_account_id)
        if date_from is not None:
            end = func.coalesce(s.closing_date, s.to_date, s.opening_date, s.from_date)
            wanted.append(end >= date_from)
        if date_to is not None:
            start = func.coalesce(s.opening_date, s.from_date, s.closing_date, s.to_date)
            wanted.append(start <= date_to)
        return query.where(select(s.id).where(*wanted).exists())

    def file_of_merchant(self, file_id: int, merchant_id: int) -> int | None:
        """The file's id if it is the merchant's: another merchant's file reads as absent."""
        return self.session.scalar(
            select(StatementFile.id).where(
                StatementFile.id == file_id, StatementFile.merchant_id == merchant_id
            )
        )

    def accounts_query(self, merchant_id: int) -> Select[BankAccount]:
        return select(BankAccount).where(BankAccount.merchant_id == merchant_id)

    def account_of_merchant(self, account_id: int, merchant_id: int) -> BankAccount | None:
        return self.session.scalar(
            select(BankAccount).where(
                BankAccount.id == account_id, BankAccount.merchant_id == merchant_id
            )
        )

    def contracts_of_shop_by_account(
        self, shop_pk: int, account_ids: Iterable[int]
    ) -> dict[int, list[str]]:
        """Account id -> numbers of the shop's contracts credited on it."""
        rows = self.session.execute(
            select(Contract.bank_account_id, Contract.number)
            .where(Contract.shop_id == shop_pk, Contract.bank_account_id.in_(set(account_ids)))
            .order_by(Contract.number)
        )
        found: dict[int, list[str]] = {}
        for account_id, number in rows:
            found.setdefault(account_id, []).append(number)
        return found

    # Bank accounts

    def accounts(self, pks: Iterable[int]) -> dict[int, BankAccount]:
        found = self.session.scalars(select(BankAccount).where(BankAccount.id.in_(set(pks))))
        return {account.id: account for account in found}

    def accounts_by_iban(self, iban: str, merchant_id: int | None) -> Sequence[BankAccount]:
        return self._accounts(BankAccount.iban == iban, merchant_id)

    def accounts_by_codes(
        self, bank_code: str, branch_code: str, merchant_id: int | None
    ) -> Sequence[BankAccount]:
        """Accounts of a bank and branch; the caller compares the account numbers."""
        condition = and_(BankAccount.bank_code == bank_code, BankAccount.branch_code == branch_code)
        return self._accounts(condition, merchant_id)

    def accounts_by_bban(self, bban: str, merchant_id: int | None) -> Sequence[BankAccount]:
        """Accounts whose IBAN, without its country code and check digits, is `bban`."""
        return self._accounts(func.substr(BankAccount.iban, 5) == bban, merchant_id)

    def _accounts(
        self, condition: ColumnElement[bool], merchant_id: int | None
    ) -> Sequence[BankAccount]:
        query = select(BankAccount).where(condition)
        if merchant_id is not None:
            query = query.where(BankAccount.merchant_id == merchant_id)
        return self.session.scalars(query.order_by(BankAccount.id)).all()

    # Statements

    def previous_statement(self, bank_account_id: int, on_or_before: date) -> KnownStatement | None:
        """The account's latest stored statement with a closing balance dated no later than
        `on_or_before`."""
        s = BankStatement
        row = self.session.execute(
            select(s.id, s.closing_amount_minor, s.closing_date)
            .where(
                s.bank_account_id == bank_account_id,
                s.closing_amount_minor.is_not(None),
                s.closing_date <= on_or_before,
            )
            .order_by(s.closing_date.desc(), s.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        pk, amount, closing_date = row
        assert amount is not None  # by the WHERE clause; said for the type checker
        return KnownStatement(pk, amount, closing_date)

    def identical_statement(self, bank_account_id: int, candidate: BankStatement) -> int | None:
        """Id of a stored statement of the account with the same dated balances."""
        s = BankStatement
        same = [
            getattr(s, name) == getattr(candidate, name)
            for name in (
                "opening_amount_minor",
                "opening_date",
                "closing_amount_minor",
                "closing_date",
            )
        ]
        return self.session.scalar(
            select(s.id).where(s.bank_account_id == bank_account_id, *same).order_by(s.id).limit(1)
        )

    # Entries

    def movements_of_statement(self, statement_id: int) -> list[tuple[Any, ...]]:
        """(booking date, value date, amount, file id) of each entry stored with it."""
        e = StatementEntry
        query = select(e.booking_date, e.value_date, e.amount_minor, e.file_id).where(
            e.statement_id == statement_id
        )
        return [tuple(row) for row in self.session.execute(query)]

    def keys_between(
        self, bank_account_id: int, first: date | None, last: date | None, undated: bool
    ) -> dict[str, int]:
        """De-duplication key -> file id of the account's entries valued from `first` to
        `last`, and of those without a value date when `undated`: one query."""
        e = StatementEntry
        dated = e.value_date.between(first, last) if first and last else None
        wanted = [c for c in (dated, e.value_date.is_(None) if undated else None) if c is not None]
        if not wanted:
            return {}
        query = select(e.dedup_key, e.file_id).where(
            e.bank_account_id == bank_account_id, or_(*wanted)
        )
        return {key: file_id for key, file_id in self.session.execute(query)}

    def keys_among(self, bank_account_id: int, keys: Iterable[str]) -> dict[str, int]:
        """De-duplication key -> file id of those of `keys` stored for the account."""
        wanted = sorted(set(keys))
        found: dict[str, int] = {}
        e = StatementEntry
        for start in range(0, len(wanted), _CHUNK):
            query = select(e.dedup_key, e.file_id).where(
                e.bank_account_id == bank_account_id,
                e.dedup_key.in_(wanted[start : start + _CHUNK]),
            )
            found.update((key, file_id) for key, file_id in self.session.execute(query))
        return found

    def entries_of_file(self, file_id: int) -> Sequence[StatementEntry]:
        return self.session.scalars(
            select(StatementEntry)
            .where(StatementEntry.file_id == file_id)
            .order_by(StatementEntry.id)
        ).all()

    def dumper(self, column: str) -> Callable[[Any], Any]:
        return column_dumper(self.session, _ENTRY_TABLE.c[column])

    @contextmanager
    def large_page_cache(self) -> Iterator[None]:
        with large_page_cache(self.session):
            yield

    def insert_entries(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert rows (tuples in ENTRY_COLUMNS order, values already dumped)."""
        insert_rows(self.session, "statement_entry", ENTRY_COLUMNS, rows, duplicate=DuplicateEntry)

    # CSV mapping profiles

    def profiles_named(self, name: str, merchant_id: int | None) -> Sequence[CsvMappingProfile]:
        """Profiles of that name: the shared one first, then the merchant's (any merchant's
        when None)."""
        query = select(CsvMappingProfile).where(CsvMappingProfile.name == name)
        if merchant_id is not None:
            query = query.where(
                or_(
                    CsvMappingProfile.merchant_id.is_(None),
                    CsvMappingProfile.merchant_id == merchant_id,
                )
            )
        order = (CsvMappingProfile.merchant_id.is_not(None), CsvMappingProfile.merchant_id)
        return self.session.scalars(query.order_by(*order)).all()

    def profile_owned(self, name: str, merchant_id: int | None) -> CsvMappingProfile | None:
        """The profile of exactly this owner (None: the shared ones)."""
        owner = (
            CsvMappingProfile.merchant_id.is_(None)
            if merchant_id is None
            else CsvMappingProfile.merchant_id == merchant_id
        )
        return self.session.scalar(
            select(CsvMappingProfile).where(CsvMappingProfile.name == name, owner)
        )

    def profiles(self, merchant_id: int | None = None) -> Sequence[CsvMappingProfile]:
        """Every profile, or those a merchant may use (its own and the shared ones)."""
        query = select(CsvMappingProfile)
        if merchant_id is not None:
            query = query.where(
                or_(
                    CsvMappingProfile.merchant_id.is_(None),
                    CsvMappingProfile.merchant_id == merchant_id,
                )
            )
        order = (CsvMappingProfile.name, CsvMappingProfile.merchant_id.is_not(None))
        return self.session.scalars(query.order_by(*order)).all()

    def add_profile(self, profile: CsvMappingProfile) -> CsvMappingProfile:
        self.session.add(profile)
        self.session.flush()
        return profile
