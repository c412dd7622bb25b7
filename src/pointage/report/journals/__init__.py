"""Row producers of the journals: one module per journal kind, named after its value
(`jt.py`, `jo.py`, `jrb.py`, `jri.py`, `remittances.py`), each with

    produce(session, shop, period_start, period_end, *, generated_at) -> JournalDocument

whose rows stream from the database (never all in memory)."""

from __future__ import annotations

from datetime import date, datetime
from importlib import import_module
from typing import Protocol

from sqlalchemy.orm import Session

from pointage.formats.journals.model import JournalDocument, JournalKind
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
