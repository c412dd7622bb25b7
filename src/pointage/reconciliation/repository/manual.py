"""Queries of the manual actions: what a caller may see, what is already claimed, and the
rows a confirmation, a match by hand or an undo writes.

A `Scope` is whose objects a caller sees: every shop of a merchant (the command line), or
one shop (the API, where a shop authenticates). An object outside the scope is looked up
as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    ClaimRole,
    Match,
    MatchEntry,
    MatchRemittance,
    MatchReversal,
    MatchTransaction,
    Suggestion,
)
from pointage.remittance.models import Remittance
from pointage.shop.models import BankAccount, Contract, Merchant, Shop
from pointage.statement.models import StatementEntry


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose objects a caller sees and acts on."""

    merchant_id: int
    shop_pk: int | None = None  # None: every shop of the merchant


@dataclass(frozen=True, slots=True)
class Claim:
    """An active claim on an object: which match holds it, in which role."""

    kind: str  # "entry", "remittance" or "transaction"
    object_id: int
    role: str
    match_id: int


@dataclass(frozen=True, slots=True)
class Links:
    """What a match claims (or claimed, once reversed), with the role of each claim."""

    entries: list[tuple[int, str]]
    remittances: list[tuple[int, str]]
    transactions: list[tuple[int, str]]


class ClaimTaken(Exception):
    """Another match claimed one of these objects between our check and our insert."""


def _shop_accounts(shop_pk: int) -> Select[int]:
    """The accounts credited by the shop's contracts: the bank entries a shop may see."""
    return select(Contract.bank_account_id).where(Contract.shop_id == shop_pk)


def entries_in_scope(
    session: Session, scope: Scope, ids: Collection[int]
) -> dict[int, StatementEntry]:
    if not ids:
        return {}
    query = (
        select(StatementEntry)
        .join(BankAccount, BankAccount.id == StatementEntry.bank_account_id)
        .where(StatementEntry.id.in_(ids), BankAccount.merchant_id == scope.merchant_id)
    )
    if scope.shop_pk is not None:
        query = query.where(StatementEntry.bank_account_id.in_(_shop_accounts(scope.shop_pk)))
    return {entry.id: entry for entry in session.scalars(query)}


def remittances_in_scope(
    session: Session, scope: Scope, ids: Collection[int]
) -> dict[int, Remittance]:
    if not ids:
        return {}
    query = (
        select(Remittance)
        .join(Shop, Shop.id == Remittance.shop_id)
        .where(Remittance.id.in_(ids), Shop.merchant_id == scope.merchant_id)
    )
    if scope.shop_pk is not None:
        query = query.where(Remittance.shop_id == scope.shop_pk)
    return {remittance.id: remittance for remittance in session.scalars(query)}


def _transactions(scope: Scope) -> Select[Transaction]:
    # Statuses are written by set-based UPDATEs that bypass the identity map: a transaction
    # already loaded in this session is read again, not shown as it was.
    query = (
        select(Transaction)
        .join(Shop, Shop.id == Transaction.shop_id)
        .where(Shop.merchant_id == scope.merchant_id)
        .execution_options(populate_existing=True)
    )
    if scope.shop_pk is not None:
        query = query.where(Transaction.shop_id == scope.shop_pk)
    return query


def transactions_by_uuid(
    session: Session, scope: Scope, uuids: Collection[str]
) -> dict[str, Transaction]:
    if not uuids:
        return {}
    query = _transactions(scope).where(Transaction.uuid.in_(uuids))
    return {tx.uuid: tx for tx in session.scalars(query)}


def transactions_in_scope(
    session: Session, scope: Scope, ids: Collection[int]
) -> dict[int, Transaction]:
    if not ids:
        return {}
    query = _transactions(scope).where(Transaction.id.in_(ids))
    return {tx.id: tx for tx in session.scalars(query)}


def contract_numbers(session: Session, contract_ids: Collection[int]) -> dict[int, str]:
    if not contract_ids:
        return {}
    rows = session.execute(
        select(Contract.id, Contract.number).where(Contract.id.in_(contract_ids))
    )
    return {row[0]: row[1] for row in rows}


def grace_days(session: Session, contract_ids: Collection[int]) -> dict[int, int]:
    if not contract_ids:
        return {}
    rows = session.execute(
        select(Contract.id, Contract.grace_business_days).where(Contract.id.in_(contract_ids))
    )
    return {row[0]: row[1] for row in rows}


def remittances_by_pk(session: Session, ids: Collection[int]) -> dict[int, Remittance]:
    if not ids:
        return {}
    return {r.id: r for r in session.scalars(select(Remittance).where(Remittance.id.in_(ids)))}


def suggestion(
    session: Session, merchant_id: int, suggestion_id: int, *, lock: bool = False
) -> Suggestion | None:
    query = select(Suggestion).where(
        Suggestion.id == suggestion_id, Suggestion.merchant_id == merchant_id
    )
    if lock:
        # Two people confirming the same suggestion at once: the second waits, then sees
        # it confirmed (a no-op on SQLite, where the write lock is taken at BEGIN).
        query = query.with_for_update()
    return session.scalars(query).first()


def suggestions_after(
    session: Session, merchant_id: int, statuses: Collection[str], after_id: int, size: int
) -> Sequence[Suggestion]:
    """The merchant's suggestions with these statuses, by id, after `after_id`."""
    query = (
        select(Suggestion)
        .where(
            Suggestion.merchant_id == merchant_id,
            Suggestion.status.in_(statuses),
            Suggestion.id > after_id,
        )
        .order_by(Suggestion.id)
        .limit(size)
    )
    return session.scalars(query).all()


def suggestions_naming(
    session: Session, merchant_id: int, *, remittance_id: int | None, transaction_id: int
) -> Sequence[Suggestion]:
    """The merchant's suggestions (any status) that would claim this remittance or this
    transaction, oldest first, found by their claim key 'e:1,2|r:7|t:' (sorted ids)."""
    patterns = [f"%|t:{transaction_id}", f"%|t:{transaction_id},%", f"%,{transaction_id}"]
    patterns.append(f"%|t:%,{transaction_id},%")
    if remittance_id is not None:
        patterns += [f"%|r:{remittance_id}|%", f"%|r:{remittance_id},%"]
        patterns += [f"%,{remittance_id}|t:%", f"%|r:%,{remittance_id},%|t:%"]
    query = (
        select(Suggestion)
        .where(
            Suggestion.merchant_id == merchant_id,
            or_(*(Suggestion.claim_key.like(pattern) for pattern in patterns)),
        )
        .order_by(Suggestion.id)
    )
    return session.scalars(query).all()


def match(session: Session, merchant_id: int, match_id: int, *, lock: bool = False) -> Match | None:
    query = select(Match).where(Match.id == match_id, Match.merchant_id == merchant_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).first()


def active_claims(
    session: Session,
    *,
    entry_ids: Collection[int] = (),
    remittance_ids: Collection[int] = (),
    transaction_ids: Collection[int] = (),
    role: ClaimRole = ClaimRole.CREDIT,
) -> list[Claim]:
    """Active claims on these entries (any role: an entry pays one thing), and on these
    remittances and transactions in `role`."""
    claims: list[Claim] = []
    if entry_ids:
        rows = session.execute(
            select(MatchEntry.entry_id, MatchEntry.role, MatchEntry.match_id).where(
                MatchEntry.entry_id.in_(entry_ids), MatchEntry.active
            )
        )
        claims += [Claim("entry", *row) for row in rows]
    if remittance_ids:
        rows = session.execute(
            select(MatchRemittance.remittance_id, MatchRemittance.role, MatchRemittance.match_id)
            .where(MatchRemittance.remittance_id.in_(remittance_ids), MatchRemittance.active)
            .where(MatchRemittance.role == role.value)
        )
        claims += [Claim("remittance", *row) for row in rows]
    if transaction_ids:
        rows = session.execute(
            select(
                MatchTransaction.transaction_id, MatchTransaction.role, MatchTransaction.match_id
            )
            .where(MatchTransaction.transaction_id.in_(transaction_ids), MatchTransaction.active)
            .where(MatchTransaction.role == role.value)
        )
        claims += [Claim("transaction", *row) for row in rows]
    return claims


def own_credit_claims_in(session: Session, remittance_ids: Collection[int]) -> list[Claim]:
    """Transactions of these remittances that a person reconciled on their own."""
    if not remittance_ids:
        return []
    rows = session.execute(
        select(MatchTransaction.transaction_id, MatchTransaction.role, MatchTransaction.match_id)
        .join(Transaction, Transaction.id == MatchTransaction.transaction_id)
        .where(
            Transaction.remittance_id.in_(remittance_ids),
            MatchTransaction.active,
            MatchTransaction.role == ClaimRole.CREDIT.value,
        )
    )
    return [Claim("transaction", *row) for row in rows]


def add_match(
    session: Session,
    match_row: Match,
    *,
    entries: Iterable[tuple[int, str]] = (),
    remittances: Iterable[tuple[int, str]] = (),
    transactions: Iterable[tuple[int, str]] = (),
) -> Match:
    """Store the match and its claims; raises ClaimTaken, with nothing stored, when the
    partial unique indexes refuse a claim."""
    try:
        with session.begin_nested():
            session.add(match_row)
            session.flush()
            session.add_all(
                [MatchEntry(match_id=match_row.id, entry_id=i, role=r) for i, r in entries]
                + [
                    MatchRemittance(match_id=match_row.id, remittance_id=i, role=r)
                    for i, r in remittances
                ]
                + [
                    MatchTransaction(match_id=match_row.id, transaction_id=i, role=r)
                    for i, r in transactions
                ]
            )
            session.flush()
    except IntegrityError:
        raise ClaimTaken from None
    return match_row


def links(session: Session, match_id: int) -> Links:
    entries = session.execute(
        select(MatchEntry.entry_id, MatchEntry.role)
        .where(MatchEntry.match_id == match_id)
        .order_by(MatchEntry.id)
    )
    remittances = session.execute(
        select(MatchRemittance.remittance_id, MatchRemittance.role)
        .where(MatchRemittance.match_id == match_id)
        .order_by(MatchRemittance.id)
    )
    transactions = session.execute(
        select(MatchTransaction.transaction_id, MatchTransaction.role)
        .where(MatchTransaction.match_id == match_id)
        .order_by(MatchTransaction.id)
    )
    return Links(
        entries=[(row[0], row[1]) for row in entries],
        remittances=[(row[0], row[1]) for row in remittances],
        transactions=[(row[0], row[1]) for row in transactions],
    )


def reverse(session: Session, match_row: Match, actor: str, comment: str, at: datetime) -> None:
    """Write the reversal and release every claim of the match; the match itself stays."""
    session.add(MatchReversal(match_id=match_row.id, actor=actor, comment=comment, at=at))
    for link in (MatchEntry, MatchRemittance, MatchTransaction):
        session.execute(
            update(link)
            .where(link.match_id == match_row.id)
            .values(active=False)
            .execution_options(synchronize_session=False)
        )
    match_row.reversed_at = at
    session.flush()


# Whose object it is: the command line acts for whichever merchant owns what it names.


def merchant_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Merchant.id).order_by(Merchant.id)))


def merchant_of(session: Session, kind: str, key: int | str) -> int | None:
    """The merchant owning a transaction (by uuid), an entry, a remittance, a match, a
    suggestion or a merchant (by id); None when there is no such object."""
    query: Select[int]
    if kind == "merchant":
        query = select(Merchant.id).where(Merchant.id == key)
    elif kind == "transaction":
        query = (
            select(Shop.merchant_id)
            .join(Transaction, Transaction.shop_id == Shop.id)
            .where(Transaction.uuid == str(key))
        )
    elif kind == "entry":
        query = (
            select(BankAccount.merchant_id)
            .join(StatementEntry, StatementEntry.bank_account_id == BankAccount.id)
            .where(StatementEntry.id == key)
        )
    elif kind == "remittance":
        query = (
            select(Shop.merchant_id)
            .join(Remittance, Remittance.shop_id == Shop.id)
            .where(Remittance.id == key)
        )
    elif kind == "match":
        query = select(Match.merchant_id).where(Match.id == key)
    else:
        query = select(Suggestion.merchant_id).where(Suggestion.id == key)
    return session.scalar(query)


def reversed_claim_keys(session: Session, merchant_id: int) -> set[str]:
    """What each undone match of the merchant claimed, as a suggestion's `claim_key`
    ('e:1,2|r:7|t:', sorted ids): a pairing a person undid is not to be applied again."""
    claimed: dict[int, tuple[set[int], set[int], set[int]]] = {}
    undone = select(Match.id).where(
        Match.merchant_id == merchant_id, Match.reversed_at.is_not(None)
    )
    for place, link, column in (
        (0, MatchEntry, MatchEntry.entry_id),
        (1, MatchRemittance, MatchRemittance.remittance_id),
        (2, MatchTransaction, MatchTransaction.transaction_id),
    ):
        rows = session.execute(select(link.match_id, column).where(link.match_id.in_(undone)))
        for match_id, object_id in rows:
            claimed.setdefault(match_id, (set(), set(), set()))[place].add(object_id)
    return {
        "e:{}|r:{}|t:{}".format(*(",".join(map(str, sorted(ids))) for ids in sets))
        for sets in claimed.values()
    }
