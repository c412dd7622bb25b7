"""Queries of the bank-side journals (JRB, JRI, remittances).

The detail rows stream (`yield_per`): a journal of a million lines never sits in memory.
What each row needs from elsewhere is loaded first, keyed by match or remittance, and is
as small as the number of matches or remittances: the bank entries of the matches, and the
rare commission correction of a remittance whose contract schedule changed after capture.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, and_, exists, func, or_, select, union_all
from sqlalchemy.orm import Session

from pointage.core.statuses import OperationType, ReconciliationStatus
from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    ClaimRole,
    Match,
    MatchEntry,
    MatchRemittance,
    MatchTransaction,
)
from pointage.remittance.models import Remittance
from pointage.shop.models import Contract, Shop
from pointage.statement.models import StatementEntry

# A query, and a row, of any columns: SQLAlchemy types them by the tuple of their columns.
Rows = Select[*tuple[Any, ...]]
AnyRow = Row[*tuple[Any, ...]]
YIELD_PER = 5_000
RECONCILED = (
    ReconciliationStatus.RECONCILED.value,
    ReconciliationStatus.RECONCILED_MANUAL.value,
    ReconciliationStatus.ANOMALY.value,
)
CREDIT = ClaimRole.CREDIT.value
CHARGEBACK = ClaimRole.CHARGEBACK.value


@dataclass(frozen=True, slots=True)
class Window:
    """The shop's local days of a period, as UTC instants: [start, end)."""

    start: datetime
    end: datetime


def window(shop: Shop, period_start: date, period_end: date) -> Window:
    zone = ZoneInfo(shop.timezone)
    first = datetime.combine(period_start, time(0), tzinfo=zone)
    after = datetime.combine(period_end + timedelta(days=1), time(0), tzinfo=zone)
    return Window(first.astimezone(UTC), after.astimezone(UTC))


@dataclass(frozen=True, slots=True)
class EntryFacts:
    """A bank entry claimed by a match, as a journal line shows it."""

    match_id: int
    currency: str
    value_date: date | None
    booking_date: date | None
    label: str
    references: dict[str, str]
    details: list[dict[str, Any]]


def _made_in(shop: Shop, span: Window) -> list[Any]:
    return [
        Match.merchant_id == shop.merchant_id,
        Match.created_at >= span.start,
        Match.created_at < span.end,
    ]


def _stream(session: Session, query: Rows) -> Iterator[AnyRow]:
    # Plain column rows need none of the ORM's loading: the session's connection runs the
    # query (in its transaction) twice as fast, fetching YIELD_PER rows at a time.
    yield from session.connection().execute(query.execution_options(yield_per=YIELD_PER))


def entries_of(session: Session, match_ids: Rows, role: str) -> Iterator[EntryFacts]:
    """The entries the matches `match_ids` (a query of ids) claim in `role`, by match and
    value date."""
    query = (
        select(
            MatchEntry.match_id,
            StatementEntry.currency,
            StatementEntry.value_date,
            StatementEntry.booking_date,
            StatementEntry.label,
            StatementEntry.references,
            StatementEntry.details,
        )
        .join(StatementEntry, StatementEntry.id == MatchEntry.entry_id)
        .where(MatchEntry.active, MatchEntry.role == role, MatchEntry.match_id.in_(match_ids))
        .order_by(
            MatchEntry.match_id,
            func.coalesce(StatementEntry.value_date, StatementEntry.booking_date),
            StatementEntry.id,
        )
    )
    for match_id, currency, value, booking, label, references, details in _stream(session, query):
        yield EntryFacts(match_id, currency, value, booking, label, references, details)


def matches_made_in(shop: Shop, span: Window) -> Rows:
    """The ids of the shop's merchant's matches made in the window."""
    return select(Match.id).where(*_made_in(shop, span))


# -- JRB ------------------------------------------------------------------------------------


def _jrb_columns() -> tuple[Any, ...]:
    return (
        Transaction.id.label("transaction_pk"),
        Contract.number.label("contract"),
        Transaction.transaction_date,
        Transaction.uuid,
        Transaction.transaction_id,
        Transaction.order_id,
        Transaction.operation_type,
        Transaction.remittance_id,
        Remittance.remittance_date,
        Remittance.number.label("remittance_number"),
        Transaction.amount_minor,
        Transaction.currency,
        Transaction.reconciliation_status,
        Contract.fee_rate_bp,
        Contract.fee_fixed_minor,
        Match.id.label("match_id"),
        Match.rule,
        Match.difference_minor,
    )


def _own_credit(transaction_id: Any) -> Any:
    return exists().where(
        MatchTransaction.transaction_id == transaction_id,
        MatchTransaction.active,
        MatchTransaction.role == CREDIT,
    )


def reconciled_rows(session: Session, shop: Shop, span: Window) -> Iterator[AnyRow]:
    """The shop's reconciled transactions whose active credit match was made in the
    window: through their remittance's match, or their own (a person's match of the
    transaction alone, which then overrides its remittance's)."""
    common = [
        *_made_in(shop, span),
        Transaction.shop_id == shop.id,
        Transaction.reconciliation_status.in_(RECONCILED),
    ]
    through_remittance = (
        select(*_jrb_columns())
        .select_from(Match)
        .join(MatchRemittance, MatchRemittance.match_id == Match.id)
        .join(Remittance, Remittance.id == MatchRemittance.remittance_id)
        .join(Transaction, Transaction.remittance_id == Remittance.id)
        .outerjoin(Contract, Contract.id == Transaction.contract_id)
        .where(
            *common,
            MatchRemittance.active,
            MatchRemittance.role == CREDIT,
            ~_own_credit(Transaction.id),
        )
    )
    on_its_own = (
        select(*_jrb_columns())
        .select_from(Match)
        .join(MatchTransaction, MatchTransaction.match_id == Match.id)
        .join(Transaction, Transaction.id == MatchTransaction.transaction_id)
        .outerjoin(Remittance, Remittance.id == Transaction.remittance_id)
        .outerjoin(Contract, Contract.id == Transaction.contract_id)
        .where(*common, MatchTransaction.active, MatchTransaction.role == CREDIT)
    )
    both = union_all(through_remittance, on_its_own).subquery()
    yield from _stream(session, select(both).order_by(both.c.match_id, both.c.transaction_pk))


@dataclass(frozen=True, slots=True)
class FeeCorrection:
    """What the schedule's per-payment fees miss of a remittance's stored fee, and the
    payment (the remittance's first) that carries the difference."""

    transaction_pk: int
    minor: int


def fee_corrections(session: Session, shop: Shop, span: Window) -> dict[int, FeeCorrection]:
    """Remittance id → correction, for the JRB's remittances whose per-payment fees at
    today's contract schedule do not add up to the fee the batch stored (the schedule
    changed since): empty in the usual case."""
    in_journal = union_all(
        select(MatchRemittance.remittance_id.label("id"))
        .join(Match, Match.id == MatchRemittance.match_id)
        .where(*_made_in(shop, span), MatchRemittance.active, MatchRemittance.role == CREDIT),
        select(Transaction.remittance_id.label("id"))
        .join(MatchTransaction, MatchTransaction.transaction_id == Transaction.id)
        .join(Match, Match.id == MatchTransaction.match_id)
        .where(*_made_in(shop, span), MatchTransaction.active, MatchTransaction.role == CREDIT),
    ).subquery()
    # percentage_of rounds half up, per payment: floor((amount * bp + 5000) / 10000) for the
    # positive amounts of payments, in integer arithmetic on both databases.
    scheduled = func.sum(
        (Transaction.amount_minor * Contract.fee_rate_bp + 5_000) // 10_000
        + Contract.fee_fixed_minor
    )
    query = (
        select(Remittance.id, Remittance.fee_minor - scheduled, func.min(Transaction.id))
        .join(Contract, Contract.id == Remittance.contract_id)
        .join(Transaction, Transaction.remittance_id == Remittance.id)
        .where(
            Remittance.shop_id == shop.id,
            Remittance.id.in_(select(in_journal.c.id)),
            Transaction.operation_type == OperationType.DEBIT.value,
        )
        .group_by(Remittance.id, Remittance.fee_minor)
        .having(Remittance.fee_minor != scheduled)
    )
    rows = session.execute(query)
    return {rid: FeeCorrection(int(first), int(diff)) for rid, diff, first in rows}


# -- JRI ------------------------------------------------------------------------------------


def chargeback_rows(session: Session, shop: Shop, span: Window) -> Iterator[AnyRow]:
    """The shop's payments an active chargeback match made in the window takes back."""
    query = (
        select(
            Contract.number.label("contract"),
            Transaction.transaction_date,
            Transaction.uuid,
            Transaction.transaction_id,
            Transaction.order_id,
            Transaction.card_masked,
            Transaction.amount_minor,
            Transaction.currency,
            Match.id.label("match_id"),
            Match.origin,
        )
        .select_from(Match)
        .join(MatchTransaction, MatchTransaction.match_id == Match.id)
        .join(Transaction, Transaction.id == MatchTransaction.transaction_id)
        .outerjoin(Contract, Contract.id == Transaction.contract_id)
        .where(
            *_made_in(shop, span),
            Transaction.shop_id == shop.id,
            MatchTransaction.active,
            MatchTransaction.role == CHARGEBACK,
        )
        .order_by(Match.id, Transaction.id)
    )
    yield from _stream(session, query)


# -- remittances ----------------------------------------------------------------------------


def _remittance_filter(shop: Shop, period_start: date, period_end: date, span: Window) -> Any:
    """Dated in the period; or dated before, something to credit, and no credit match made
    before the period began (none yet, or one made since its start)."""
    return and_(
        Remittance.shop_id == shop.id,
        or_(
            Remittance.remittance_date.between(period_start, period_end),
            and_(
                Remittance.remittance_date < period_start,
                Remittance.expected_credit_minor != 0,
                or_(Match.id.is_(None), Match.created_at >= span.start),
            ),
        ),
    )


def _with_credit_match(query: Rows) -> Rows:
    return query.outerjoin(
        MatchRemittance,
        (MatchRemittance.remittance_id == Remittance.id)
        & MatchRemittance.active
        & (MatchRemittance.role == CREDIT),
    ).outerjoin(Match, Match.id == MatchRemittance.match_id)


def remittance_rows(
    session: Session, shop: Shop, period_start: date, period_end: date
) -> Iterator[AnyRow]:
    """The remittances of the journal (see `_remittance_filter`) with their active credit
    match, by date, contract and number."""
    span = window(shop, period_start, period_end)
    query = _with_credit_match(
        select(
            Contract.number.label("contract"),
            Contract.grace_business_days,
            Remittance.number,
            Remittance.remittance_date,
            Remittance.payment_count,
            Remittance.refund_count,
            Remittance.gross_minor,
            Remittance.refunds_minor,
            Remittance.fee_minor,
            Remittance.net_minor,
            Remittance.expected_credit_minor,
            Remittance.currency,
            Remittance.expected_credit_date,
            Match.id.label("match_id"),
            Match.origin,
            Match.anomaly,
            Match.difference_minor,
        ).join(Contract, Contract.id == Remittance.contract_id)
    )
    query = query.where(_remittance_filter(shop, period_start, period_end, span)).order_by(
        Remittance.remittance_date, Contract.number, Remittance.number
    )
    yield from _stream(session, query)


def remittance_matches(shop: Shop, period_start: date, period_end: date) -> Rows:
    """The ids of the credit matches of the remittance journal's remittances."""
    span = window(shop, period_start, period_end)
    query = _with_credit_match(select(Match.id).select_from(Remittance))
    return query.where(
        Match.id.is_not(None), _remittance_filter(shop, period_start, period_end, span)
    )
