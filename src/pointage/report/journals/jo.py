"""JO, the operations journal: what the merchant did to the shop's payments during the
period's days (in the shop's time zone), from the back office or through the API, oldest
first (docs/formats/operations-journal.md).

Its source is the append-only operations log, which keeps, for each operation, the
transaction's amount, status and requested capture date before and after. A refund or a
duplicate creates a new transaction and is logged on it: its line names the payment it was
made on (TRANSACTION_*) and the transaction it created (NEW_TRANSACTION_*).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from pointage.core.statuses import OperationKind
from pointage.formats.journals.layouts import JO_LAYOUT
from pointage.formats.journals.model import JournalDocument
from pointage.report.journals import shop_document
from pointage.report.journals.queries_jt_jo import operation_rows
from pointage.shop.models import Shop

_CREATING = frozenset({OperationKind.REFUND.value, OperationKind.DUPLICATE.value})


def produce(
    session: Session,
    shop: Shop,
    period_start: date,
    period_end: date,
    *,
    generated_at: datetime,
) -> JournalDocument:
    return shop_document(
        JO_LAYOUT,
        shop,
        period_start,
        period_end,
        generated_at,
        _rows(session, shop, period_start, period_end),
    )


def _day(snapshot: dict[str, Any], key: str) -> date | None:
    value = snapshot.get(key)
    return date.fromisoformat(value) if isinstance(value, str) else None


def _rows(
    session: Session, shop: Shop, period_start: date, period_end: date
) -> Iterator[tuple[object, ...]]:
    for op in operation_rows(session, shop, period_start, period_end):
        before: dict[str, Any] = op.before or {}
        after: dict[str, Any] = op.after or {}
        created = op.kind in _CREATING and op.parent_uuid is not None
        yield (
            shop.shop_id,
            op.at,
            op.kind.upper(),
            op.source.upper(),
            op.actor,
            op.parent_uuid if created else op.uuid,
            op.parent_transaction_id if created else op.transaction_id,
            op.parent_transaction_date if created else op.transaction_date,
            op.parent_order_id if created else op.order_id,
            before.get("amount_minor"),
            after.get("amount_minor"),
            op.currency,
            before.get("detailed_status"),
            after.get("detailed_status"),
            _day(before, "expected_capture_date"),
            _day(after, "expected_capture_date"),
            op.uuid if created else None,
            op.transaction_id if created else None,
            op.comment,
        )
