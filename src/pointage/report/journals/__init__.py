"""Row producers of the journals: one module per journal kind, named after its value
(`jt.py`, `jo.py`, `jrb.py`, `jri.py`, `remittances.py`), each with

    produce(session, shop, period_start, period_end, *, generated_at) -> JournalDocument

whose rows stream from the database (never all in memory)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from importlib import import_module
from typing import Protocol

from sqlalchemy.orm import Session

from pointage.formats.journals.model import JournalDocument, JournalKind, Layout
from pointage.shop.models import Shop


class Producer(Protocol):
    def __call__(
        self,
        session: Session,
        shop: Shop,
        period_start: date,
        period_end: date,
        *,
        generated_at: datetime,
    ) -> JournalDocument: ...


def producer(kind: JournalKind) -> Producer:
    """The producer of a journal kind."""
    module = import_module(f"pointage.report.journals.{kind.value}")
    produce: Producer = module.produce
    return produce


def shop_document(
    layout: Layout,
    shop: Shop,
    period_start: date,
    period_end: date,
    generated_at: datetime,
    rows: Iterable[tuple[object, ...]],
) -> JournalDocument:
    """A shop's journal of a period: what every producer returns around its rows."""
    return JournalDocument(
        layout=layout,
        shop_label=shop.name,
        shop_id=shop.shop_id,
        generated_at=generated_at,
        period_start=period_start,
        period_end=period_end,
        rows=rows,
    )
