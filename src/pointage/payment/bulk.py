"""Bulk SQL on transactions: the queries and inserts of a journal file import.

A journal holds up to millions of transactions, so rows go in through the driver's own
bulk path (`executemany` on SQLite, `COPY` on PostgreSQL) on the session's connection,
inside the caller's transaction: a failure anywhere rolls every row back with the rest.
Values go through the column types' own bind processors (memoised, since a day's journal
repeats each instant and date many times), so the stored text is exactly what the ORM
would have written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pointage.core.statuses import OperationType
from pointage.db.bulk import column_dumper, insert_rows, large_page_cache
from pointage.payment.models import Transaction
from pointage.payment.repository import DEAD_REFUND_STATUSES
from pointage.shop.models import Contract, Shop

# The columns a journal row fills, in the order of the tuples given to `insert`. The SQL
# below is built from these constants only, never from input.
INSERT_COLUMNS = (
    "uuid",
    "shop_id",
    "transaction_id",
    "transaction_date",
    "order_id",
    "operation_type",
    "amount_minor",
    "original_amount_minor",
    "currency",
    "detailed_status",
    "status",
    "card_brand",
    "card_masked",
    "authorisation_number",
    "customer_reference",
    "created_at",
    "expected_capture_date",
    "contract_id",
    "parent_id",
    "reconciliation_status",
    "dispute_flag",
    "updated_at",
)


class StoredTransaction(NamedTuple):
    pk: int
    shop_pk: int
    operation_type: str
    currency: str
    amount_minor: int


_CHUNK = 5_000  # bound parameters per IN (...) query, well under every driver's limit
_TABLE = Transaction.__table__


class DuplicateKey(Exception):
    """The database refused a row as a duplicate of a stored one (uuid or shop/day/id)."""


class TransactionBulk:
    def __init__(self, session: Session) -> None:
        self.session = session

    def shops(self, shop_ids: Iterable[str]) -> dict[str, Shop]:
        wanted = sorted(set(shop_ids))
        found = self.session.scalars(select(Shop).where(Shop.shop_id.in_(wanted))).all()
        return {shop.shop_id: shop for shop in found}

    def contracts(self, shop_pks: Iterable[int]) -> dict[int, list[Contract]]:
        by_shop: dict[int, list[Contract]] = defaultdict(list)
        query = select(Contract).where(Contract.shop_id.in_(set(shop_pks))).order_by(Contract.id)
        for contract in self.session.scalars(query):
            by_shop[contract.shop_id].append(contract)
        return by_shop

    def stored_between(self, shop_pk: int, first: date, last: date) -> dict[str, tuple[date, str]]:
        """uuid -> (day, transaction id) of the shop's transactions of those days."""
        query = select(
            Transaction.uuid, Transaction.transaction_date, Transaction.transaction_id
        ).where(
            Transaction.shop_id == shop_pk,
            Transaction.transaction_date.between(first, last),
        )
        return {uuid: (day, tx_id) for uuid, day, tx_id in self.session.execute(query)}

    def by_uuids(self, uuids: Iterable[str]) -> dict[str, StoredTransaction]:
        """uuid -> what the import needs to know of the stored ones among `uuids`."""
        wanted = sorted(set(uuids))
        found: dict[str, StoredTransaction] = {}
        t = Transaction
        for start in range(0, len(wanted), _CHUNK):
            query = select(
                t.uuid, t.id, t.shop_id, t.operation_type, t.currency, t.amount_minor
            ).where(t.uuid.in_(wanted[start : start + _CHUNK]))
            for uuid, pk, shop_pk, kind, currency, amount in self.session.execute(query):
                found[uuid] = StoredTransaction(pk, shop_pk, kind, currency, amount)
        return found

    def refunded_totals(self, payment_pks: Iterable[int]) -> dict[int, int]:
        """Payment pk -> minor units refunded or being refunded, for the stored refunds."""
        wanted = sorted(set(payment_pks))
        totals: dict[int, int] = {}
        for start in range(0, len(wanted), _CHUNK):
            query = (
                select(Transaction.parent_id, func.sum(Transaction.amount_minor))
                .where(
                    Transaction.parent_id.in_(wanted[start : start + _CHUNK]),
                    Transaction.operation_type == OperationType.CREDIT.value,
                    Transaction.detailed_status.not_in(DEAD_REFUND_STATUSES),
                )
                .group_by(Transaction.parent_id)
            )
            for pk, total in self.session.execute(query):
                if pk is not None:  # always, by the WHERE clause; said for the type checker
                    totals[pk] = int(total)
        return totals

    @contextmanager
    def large_page_cache(self) -> Iterator[None]:
        with large_page_cache(self.session):
            yield

    def dumper(self, column: str) -> Callable[[Any], Any]:
        return column_dumper(self.session, _TABLE.c[column])

    def insert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert rows (tuples in INSERT_COLUMNS order, values already dumped)."""
        insert_rows(self.session, "transaction", INSERT_COLUMNS, rows, duplicate=DuplicateKey)
