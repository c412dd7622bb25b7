"""Queries of the back office's reconciliation page: the bank entries no active match
claims, in the caller's scope (`repository.manual.Scope`), the remittances and captured
transactions a person may match one to by hand, the recent runs and the matches people
made.

The lists are ordered newest first by primary key; the caller pages through them
(web.pagination) or takes the first few.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, exists, or_, select
from sqlalchemy.orm import Session

from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    Match,
    MatchEntry,
    MatchRemittance,
    MatchTransaction,
    ReconciliationRun,
    RunOpenItem,
)
from pointage.reconciliation.repository.lists import matches_query
from pointage.reconciliation.repository.manual import Scope
from pointage.remittance.models import Remittance
from pointage.shop.models import BankAccount, Contract, Shop
from pointage.statement.models import StatementEntry

# The open reasons that put an entry aside rather than in the queue of work.
IGNORED_REASONS = ("not_gateway",)
DUPLICATE_REASONS = ("duplicate_line",)
ASIDE_REASONS = (*IGNORED_REASONS, *DUPLICATE_REASONS)


def _entries_in_scope(scope: Scope) -> Select[StatementEntry]:
    query = (
        select(StatementEntry)
        .join(BankAccount, BankAccount.id == StatementEntry.bank_account_id)
        .where(BankAccount.merchant_id == scope.merchant_id)
    )
    if scope.shop_pk is not None:
        accounts = select(Contract.bank_account_id).where(Contract.shop_id == scope.shop_pk)
        query = query.where(StatementEntry.bank_account_id.in_(accounts))
    return query


def _claimed() -> ColumnElement[bool]:
    return exists().where(MatchEntry.entry_id == StatementEntry.id, MatchEntry.active)


def unmatched_query(
    scope: Scope, state: str, suggested: Collection[int], entry_id: int | None = None
) -> Select[StatementEntry]:
    """The scope's entries no active match claims, in `state`: `todo` (suggested or open),
    `suggested` (named by one of the open suggestions `suggested`), `open`, `ignored`
    (not a card movement), `duplicate` (a copy of a line matched), `all`; only the entry
    `entry_id` when given."""
    query = _entries_in_scope(scope).where(~_claimed())
    if entry_id is not None:
        query = query.where(StatementEntry.id == entry_id)
    if state == "all":
        return query
    named = StatementEntry.id.in_(sorted(suggested))
    if state == "suggested":
        return query.where(named)
    reason = (
        select(RunOpenItem.reason)
        .where(RunOpenItem.kind == "entry", RunOpenItem.object_id == StatementEntry.id)
        .order_by(RunOpenItem.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    aside = reason.in_(ASIDE_REASONS)
    if state == "todo":
        return query.where(or_(named, reason.is_(None), ~aside))
    query = query.where(~named)
    if state == "ignored":
        return query.where(reason.in_(IGNORED_REASONS))
    if state == "duplicate":
        return query.where(reason.in_(DUPLICATE_REASONS))
    return query.where(or_(reason.is_(None), ~aside))  # open


def entry_position(session: Session, scope: Scope, entry_id: int) -> tuple[int, int] | None:
    """The (sort, pk) of an entry of the scope (a cursor must name one)."""
    found = session.scalar(
        _entries_in_scope(scope)
        .where(StatementEntry.id == entry_id)
        .with_only_columns(StatementEntry.id)
    )
    return None if found is None else (found, found)


def entry_in_scope(session: Session, scope: Scope, entry_id: int) -> StatementEntry | None:
    return session.scalars(_entries_in_scope(scope).where(StatementEntry.id == entry_id)).first()


def entry_is_claimed(session: Session, entry_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(MatchEntry.entry_id == entry_id, MatchEntry.active),
            )
        )
    )


def shop_pks_of_merchant(session: Session, merchant_id: int) -> set[int]:
    return set(session.scalars(select(Shop.id).where(Shop.merchant_id == merchant_id)))


# What a person may match an entry to


@dataclass(frozen=True, slots=True)
class FoundRemittance:
    remittance: Remittance
    contract_number: str
    shop_id: str


def search_remittances(
    session: Session,
    scope: Scope,
    currency: str,
    *,
    number: int | None = None,
    amount_minor: int | None = None,
    day: date | None = None,
    limit: int = 20,
) -> list[FoundRemittance]:
    """The scope's remittances in `currency` whose credit no active match claims, newest
    first: of this number, of this gross, net or expected credit, of this day."""
    credited = exists().where(
        MatchRemittance.remittance_id == Remittance.id,
        MatchRemittance.active,
        MatchRemittance.role == "credit",
    )
    query = (
        select(Remittance, Contract.number, Shop.shop_id)
        .join(Shop, Shop.id == Remittance.shop_id)
        .join(Contract, Contract.id == Remittance.contract_id)
        .where(Shop.merchant_id == scope.merchant_id, Remittance.currency == currency, ~credited)
    )
    if scope.shop_pk is not None:
        query = query.where(Remittance.shop_id == scope.shop_pk)
    if number is not None:
        query = query.where(Remittance.number == number)
    if amount_minor is not None:
        query = query.where(
            or_(
                Remittance.gross_minor == amount_minor,
                Remittance.net_minor == amount_minor,
                Remittance.expected_credit_minor == amount_minor,
            )
        )
    if day is not None:
        query = query.where(Remittance.remittance_date == day)
    rows = session.execute(query.order_by(Remittance.id.desc()).limit(limit))
    return [FoundRemittance(*row) for row in rows]


def search_transactions(
    session: Session,
    scope: Scope,
    currency: str,
    *,
    order_id: str | None = None,
    amount_minor: int | None = None,
    day: date | None = None,
    number: int | None = None,
    limit: int = 20,
) -> list[tuple[Transaction, int, str]]:
    """The scope's captured transactions in `currency` that nothing reconciles yet (no
    active claim on them nor on their remittance's credit), newest first, with their
    remittance's number and their shop's id."""
    own = exists().where(
        MatchTransaction.transaction_id == Transaction.id,
        MatchTransaction.active,
        MatchTransaction.role == "credit",
    )
    through = exists().where(
        MatchRemittance.remittance_id == Transaction.remittance_id,
        MatchRemittance.active,
        MatchRemittance.role == "credit",
    )
    query = (
        select(Transaction, Remittance.number, Shop.shop_id)
        .join(Shop, Shop.id == Transaction.shop_id)
        .join(Remittance, Remittance.id == Transaction.remittance_id)
        .where(
            Shop.merchant_id == scope.merchant_id,
            Transaction.currency == currency,
            Transaction.mode == "PRODUCTION",
            ~own,
            ~through,
        )
        .execution_options(populate_existing=True)
    )
    if scope.shop_pk is not None:
        query = query.where(Transaction.shop_id == scope.shop_pk)
    if order_id is not None:
        query = query.where(Transaction.order_id == order_id)
    if amount_minor is not None:
        query = query.where(Transaction.amount_minor == amount_minor)
    if day is not None:
        query = query.where(Transaction.transaction_date == day)
    if number is not None:
        query = query.where(Remittance.number == number)
    rows = session.execute(query.order_by(Transaction.id.desc()).limit(limit))
    return [(tx, remittance_number, shop_id) for tx, remittance_number, shop_id in rows]


# History


def recent_runs(session: Session, merchant_id: int, limit: int) -> Sequence[ReconciliationRun]:
    return session.scalars(
        select(ReconciliationRun)
        .where(ReconciliationRun.merchant_id == merchant_id)
        .order_by(ReconciliationRun.id.desc())
        .limit(limit)
    ).all()


def recent_matches_by_people(
    session: Session, scope: Scope, origins: Collection[str], limit: int
) -> Sequence[Match]:
    """The scope's matches in force that people made (these origins), newest first."""
    query = matches_query(scope, active=True).where(Match.origin.in_(origins))
    return session.scalars(query.order_by(Match.id.desc()).limit(limit)).all()
