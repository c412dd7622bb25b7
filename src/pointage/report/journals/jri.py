"""JRI, the chargeback journal (journal des impayés): one line per payment of the shop an
active chargeback match made in the period takes back (docs/formats/chargeback-journal.md).

Chargeback lines of the bank that no match ties to a payment are left out: the account
may be shared by the merchant's shops, so such a line belongs to no shop yet, and its
label could name another shop's customer. They stay open in reconciliation, where a person
matches them; the journal of the day of that match lists them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy.orm import Session

from pointage.formats.journals.layouts_bank import JRI_LAYOUT
from pointage.formats.journals.model import JournalDocument
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
        JRI_LAYOUT,
        shop,
        period_start,
        period_end,
        generated_at,
        _rows(session, shop, queries.window(shop, period_start, period_end)),
    )


def _rows(session: Session, shop: Shop, span: queries.Window) -> Iterator[tuple[object, ...]]:
    lines = by_match(
        queries.entries_of(session, queries.matches_made_in(shop, span), queries.CHARGEBACK)
    )
    for row in queries.chargeback_rows(session, shop, span):
        line = lines.get(row.match_id, NO_LINE)
        yield (
            shop.shop_id,
            row.contract,
            row.transaction_date,
            row.uuid,
            row.transaction_id,
            row.order_id,
            row.card_masked,
            row.amount_minor,
            row.currency,
            line.value_date,
            line.label or None,
            line.reference,
            line.reason,
            row.origin,
            row.match_id,
        )
