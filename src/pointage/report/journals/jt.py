"""JT, the transaction journal: every transaction of the shop created on the period's days
(in the shop's time zone), accepted or refused, oldest first
(docs/formats/transaction-journal.md, "What Pointage writes")."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from pointage.formats.journals.layouts import JT_LAYOUT
from pointage.formats.journals.model import JournalDocument
from pointage.report.journals import shop_document
from pointage.report.journals.queries_jt_jo import transaction_rows
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
        JT_LAYOUT,
        shop,
        period_start,
        period_end,
        generated_at,
        transaction_rows(session, shop, period_start, period_end),
    )
