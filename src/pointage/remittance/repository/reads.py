"""Queries of the resource API's remittances: the list with its filters, and what a
remittance's answer shows of its contract, its credit match and the bank entries of it.

A remittance's credit is the active match claiming it in the role `credit` (at most one: a
partial unique index guarantees it, reconciliation.models); the bank entries are the ones
that match claims in the same role.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from pointage.reconciliation.models import (
    ClaimRole,
    Match,
    MatchEntry,
    MatchOrigin,
    MatchRemittance,
)
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract
from pointage.statement.models import StatementEntry, StatementFile

CREDIT = ClaimRole.CREDIT.value
ENGINE = MatchOrigin.ENGINE.value
Rows = Select[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class CreditMatch:
    id: int
    rule: str
    origin: str
    anomaly: str | None
    difference_minor: int
    late_business_days: int
    created_at: datetime
    credited_on: date | None  # the latest value (else booking) date of its credit entries


@dataclass(frozen=True, slots=True)
class RemittanceFacts:
    """What a remittance's answer shows beyond its own row."""

    contract_number: str
    grace_business_days: int
    credit: CreditMatch | None


@dataclass(frozen=True, slots=True)
class EntryRow:
    entry: StatementEntry
    filename: str
    format: str


@dataclass(frozen=True, slots=True)
class RemittanceQuery:
    """The list's filters, as the SQL needs them (remittance.listing checks them)."""

    contract: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    currencies: tuple[str, ...] = ()
    # Status names → their SQL conditions are built here; `overdue_until` gives, per grace
    # period of the shop's contracts, the last expected credit date already overdue today.
    statuses: tuple[str, ...] = ()
    overdue_until: tuple[tuple[int, date], ...] = ()


def _credit_claim(remittance_id: Any) -> Any:
    return and_(
        MatchRemittance.remittance_id == remittance_id,
        MatchRemittance.active,
        MatchRemittance.role == CREDIT,
    )


def _has_credit(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(
        _credit_claim(Remittance.id), Match.id == MatchRemittance.match_id, *conditions
    )


def _no_anomaly() -> ColumnElement[bool]:
    return or_(Match.anomaly.is_(None), Match.anomaly == "")


def _overdue(query: RemittanceQuery, shop_pk: int) -> ColumnElement[bool]:
    """Expected credit date on or before its contract's last overdue date."""
    by_grace = [
        and_(
            Remittance.contract_id.in_(
                select(Contract.id).where(
                    Contract.shop_id == shop_pk, Contract.grace_business_days == grace
                )
            ),
            Remittance.expected_credit_date <= last_overdue,
        )
        for grace, last_overdue in query.overdue_until
    ]
    return or_(false(), *by_grace)


def _status_condition(status: str, query: RemittanceQuery, shop_pk: int) -> ColumnElement[bool]:
    """The SQL of reconciliation.status.of_match / without_credit for one status."""
    uncredited = and_(~_has_credit(), Remittance.expected_credit_minor != 0)
    conditions: dict[str, ColumnElement[bool]] = {
        "reconciled": _has_credit(Match.origin == ENGINE, _no_anomaly()),
        "reconciled_manual": _has_credit(Match.origin != ENGINE, _no_anomaly()),
        "anomaly": _has_credit(~_no_anomaly()),
        "not_applicable": and_(~_has_credit(), Remittance.expected_credit_minor == 0),
        "to_review": and_(uncredited, _overdue(query, shop_pk)),
        "pending": and_(uncredited, ~_overdue(query, shop_pk)),
    }
    return conditions[status]


class RemittanceReads:
    def __init__(self, session: Session) -> None:
        self.session = session

    def of_shop(self, shop_pk: int, remittance_id: int) -> Remittance | None:
        return self.session.scalar(
            select(Remittance).where(Remittance.id == remittance_id, Remittance.shop_id == shop_pk)
        )

    def listing(self, shop_pk: int, query: RemittanceQuery) -> Rows:
        """The shop's remittances that pass the filters (unordered)."""
        conditions: list[ColumnElement[bool]] = [Remittance.shop_id == shop_pk]
        if query.contract is not None:
            conditions.append(
                Remittance.contract_id.in_(
                    select(Contract.id).where(
                        Contract.shop_id == shop_pk, Contract.number == query.contract
                    )
                )
            )
        if query.date_from is not None:
            conditions.append(Remittance.remittance_date >= query.date_from)
        if query.date_to is not None:
            conditions.append(Remittance.remittance_date <= query.date_to)
        if query.currencies:
            conditions.append(Remittance.currency.in_(query.currencies))
        if query.statuses:
            conditions.append(or_(*(_status_condition(s, query, shop_pk) for s in query.statuses)))
        return select(Remittance).where(*conditions)

    def position(self, shop_pk: int, remittance_id: int) -> tuple[date, int] | None:
        row = self.session.execute(
            select(Remittance.remittance_date, Remittance.id).where(
                Remittance.id == remittance_id, Remittance.shop_id == shop_pk
            )
        ).first()
        return (row[0], row[1]) if row is not None else None

    def grace_periods(self, shop_pk: int) -> list[int]:
        """The distinct grace periods (business days) of the shop's contracts."""
        return list(
            self.session.scalars(
                select(Contract.grace_business_days)
                .where(Contract.shop_id == shop_pk)
                .distinct()
                .order_by(Contract.grace_business_days)
            )
        )

    def facts(self, remittance_ids: Collection[int]) -> dict[int, RemittanceFacts]:
        """Remittance id → its contract and active credit match, in two queries."""
        if not remittance_ids:
            return {}
        ids = list(remittance_ids)
        credited_on = (
            select(func.max(func.coalesce(StatementEntry.value_date, StatementEntry.booking_date)))
            .join(MatchEntry, MatchEntry.entry_id == StatementEntry.id)
            .where(MatchEntry.match_id == Match.id, MatchEntry.active, MatchEntry.role == CREDIT)
            .scalar_subquery()
        )
        rows = self.session.execute(
            select(
                Remittance.id,
                Contract.number,
                Contract.grace_business_days,
                Match.id,
                Match.rule,
                Match.origin,
                Match.anomaly,
                Match.difference_minor,
                Match.late_business_days,
                Match.created_at,
                credited_on,
            )
            .join(Contract, Contract.id == Remittance.contract_id)
            .outerjoin(MatchRemittance, _credit_claim(Remittance.id))
            .outerjoin(Match, Match.id == MatchRemittance.match_id)
            .where(Remittance.id.in_(ids))
        )
        out = {}
        for remittance_id, number, grace, match_id, *match in rows:
            credit = CreditMatch(match_id, *match) if match_id is not None else None
            out[remittance_id] = RemittanceFacts(number, grace, credit)
        return out

    def credit_entries(self, match_id: int) -> list[EntryRow]:
        """The bank entries a match claims as the credit, by value date, with their file."""
        rows = self.session.execute(
            select(StatementEntry, StatementFile.filename, StatementFile.format)
            .join(MatchEntry, MatchEntry.entry_id == StatementEntry.id)
            .join(StatementFile, StatementFile.id == StatementEntry.file_id)
            .where(MatchEntry.match_id == match_id, MatchEntry.active, MatchEntry.role == CREDIT)
            .order_by(
                func.coalesce(StatementEntry.value_date, StatementEntry.booking_date),
                StatementEntry.id,
            )
        )
        return [EntryRow(*row) for row in rows]
