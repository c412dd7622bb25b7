"""Queries of the reconciliation lists of the API: runs, what a run left open, matches and
suggestions, each limited to what the caller sees (`repository.manual.Scope`).

The queries select one entity, filtered, without order: the caller pages through them
newest first (web.pagination), seeking to a cursor found by the `*_position` functions.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import Session

from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    Match,
    MatchEntry,
    MatchRemittance,
    MatchTransaction,
    ReconciliationRun,
    RunOpenItem,
    Suggestion,
)
from pointage.reconciliation.repository.manual import Scope
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract
from pointage.statement.models import StatementEntry


def _same(pk: int | None) -> tuple[int, int] | None:
    """The (sort, pk) position of a list ordered by its primary key alone."""
    return None if pk is None else (pk, pk)


# Runs


def runs_query(
    merchant_id: int, *, status: str | None = None, trigger: str | None = None
) -> Select[ReconciliationRun]:
    query = select(ReconciliationRun).where(ReconciliationRun.merchant_id == merchant_id)
    if status is not None:
        query = query.where(ReconciliationRun.status == status)
    if trigger is not None:
        query = query.where(ReconciliationRun.trigger == trigger)
    return query


# What a run left open


def _shop_accounts(shop_pk: int) -> Select[int]:
    """The accounts credited by the shop's contracts: the bank entries a shop may see."""
    return select(Contract.bank_account_id).where(Contract.shop_id == shop_pk)


def open_items_query(
    run_id: int, shop_pk: int, *, kind: str | None = None, reason: str | None = None
) -> Select[RunOpenItem]:
    """The run's open items the shop may see: its own contracts' remittances, and the
    entries of the accounts its contracts credit."""
    own_remittance = exists().where(
        Remittance.id == RunOpenItem.object_id, Remittance.shop_id == shop_pk
    )
    own_entry = exists().where(
        StatementEntry.id == RunOpenItem.object_id,
        StatementEntry.bank_account_id.in_(_shop_accounts(shop_pk)),
    )
    query = select(RunOpenItem).where(
        RunOpenItem.run_id == run_id,
        or_(
            and_(RunOpenItem.kind == "remittance", own_remittance),
            and_(RunOpenItem.kind == "entry", own_entry),
        ),
    )
    if kind is not None:
        query = query.where(RunOpenItem.kind == kind)
    if reason is not None:
        query = query.where(RunOpenItem.reason == reason)
    return query


def open_item_position(
    session: Session, run_id: int, shop_pk: int, item_id: int
) -> tuple[int, int] | None:
    query = open_items_query(run_id, shop_pk).where(RunOpenItem.id == item_id)
    return _same(session.scalar(query.with_only_columns(RunOpenItem.id)))


# Matches


def _foreign_claims(shop_pk: int) -> list[ColumnElement[bool]]:
    """Conditions that hold when a match claims nothing of another shop: a shop sees a
    match only when all it claims is its own."""
    foreign_entry = (
        select(MatchEntry.id)
        .join(StatementEntry, StatementEntry.id == MatchEntry.entry_id)
        .where(
            MatchEntry.match_id == Match.id,
            StatementEntry.bank_account_id.not_in(_shop_accounts(shop_pk)),
        )
    )
    foreign_remittance = (
        select(MatchRemittance.id)
        .join(Remittance, Remittance.id == MatchRemittance.remittance_id)
        .where(MatchRemittance.match_id == Match.id, Remittance.shop_id != shop_pk)
    )
    foreign_transaction = (
        select(MatchTransaction.id)
        .join(Transaction, Transaction.id == MatchTransaction.transaction_id)
        .where(MatchTransaction.match_id == Match.id, Transaction.shop_id != shop_pk)
    )
    return [~q.exists() for q in (foreign_entry, foreign_remittance, foreign_transaction)]


def matches_query(
    scope: Scope,
    *,
    run_id: int | None = None,
    origin: str | None = None,
    rule: str | None = None,
    active: bool | None = None,
    anomaly: bool | None = None,
) -> Select[Match]:
    query = select(Match).where(Match.merchant_id == scope.merchant_id)
    if scope.shop_pk is not None:
        query = query.where(*_foreign_claims(scope.shop_pk))
    filters: dict[str, Any] = {"run_id": run_id, "origin": origin, "rule": rule}
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(Match, name) == value)
    if active is not None:
        query = query.where(
            Match.reversed_at.is_(None) if active else Match.reversed_at.is_not(None)
        )
    if anomaly is not None:
        query = query.where(Match.anomaly.is_not(None) if anomaly else Match.anomaly.is_(None))
    return query


def match_position(session: Session, scope: Scope, match_id: int) -> tuple[int, int] | None:
    query = matches_query(scope).where(Match.id == match_id).with_only_columns(Match.id)
    return _same(session.scalar(query))


# Suggestions (whose claims are JSON lists: the caller checks the scope of each)


def suggestions_beyond(
    session: Session,
    merchant_id: int,
    statuses: Collection[str],
    *,
    run_id: int | None,
    bound: int | None,
    ascending: bool,
    size: int,
) -> Sequence[Suggestion]:
    """The merchant's suggestions with these statuses, by id, beyond `bound`: below it
    newest first, or above it oldest first when `ascending`."""
    query = select(Suggestion).where(
        Suggestion.merchant_id == merchant_id, Suggestion.status.in_(statuses)
    )
    if run_id is not None:
        query = query.where(Suggestion.run_id == run_id)
    if bound is not None:
        query = query.where(Suggestion.id > bound if ascending else Suggestion.id < bound)
    order = Suggestion.id.asc() if ascending else Suggestion.id.desc()
    return session.scalars(query.order_by(order).limit(size)).all()
