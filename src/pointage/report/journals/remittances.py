"""The remittance journal (suivi des remises): one line per remittance of the shop dated in
the period, and per earlier one still awaiting its credit when the period began
(docs/formats/remittance-journal.md).

An earlier remittance is listed until the journal of the period its credit was matched in
(included), so that its credit is seen arriving; one with nothing to credit (refunds equal
to payments) is listed once, on its own date. The status is the remittance's
reconciliation state when the journal is made, computed as reconciliation computes it: its
active credit match decides (reconciled, reconciled_manual, anomaly); without one, pending
or to_review by its expected credit date, its contract's grace period and the shop's
current day, or not_applicable when nothing is to be credited.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from pointage.core.statuses import ReconciliationStatus
from pointage.formats.journals.layouts_bank import REMITTANCES_LAYOUT
from pointage.formats.journals.model import JournalDocument
from pointage.reconciliation.status import of_match, without_credit
from pointage.report.journals import queries_bank as queries
from pointage.report.journals import shop_document
from pointage.report.journals.bank_lines import NO_LINE, by_match
from pointage.shop.models import Shop


def produce(
    session: Session,
    shop: Shop,
    period_start: date,
    period_end: date,
    *,
    generated_at: datetime,
) -> JournalDocument:
    return shop_document(
        REMITTANCES_LAYOUT,
        shop,
        period_start,
        period_end,
        generated_at,
        _rows(session, shop, period_start, period_end, generated_at),
    )


def _rows(
    session: Session, shop: Shop, period_start: date, period_end: date, generated_at: datetime
) -> Iterator[tuple[object, ...]]:
    today = generated_at.astimezone(ZoneInfo(shop.timezone)).date()
    lines = by_match(
        queries.entries_of(
            session, queries.remittance_matches(shop, period_start, period_end), queries.CREDIT
        )
    )
    for row in queries.remittance_rows(session, shop, period_start, period_end):
        line = lines.get(row.match_id, NO_LINE) if row.match_id is not None else NO_LINE
        yield (
            shop.shop_id,
            row.contract,
            row.number,
            row.remittance_date,
            row.payment_count,
            row.refund_count,
            row.gross_minor,
            row.refunds_minor,
            row.fee_minor,
            row.net_minor,
            row.expected_credit_minor,
            row.currency,
            row.expected_credit_date,
            line.value_date,
            line.reference,
            line.label or None,
            _status(row, today).value,
            row.match_id,
            row.difference_minor,
            None if row.match_id is None else line.currency or row.currency,
        )


def _status(row: queries.AnyRow, today: date) -> ReconciliationStatus:
    if row.match_id is not None:
        return of_match(row.origin, row.anomaly)
    return without_credit(
        row.expected_credit_minor, row.expected_credit_date, row.grace_business_days, today
    )
