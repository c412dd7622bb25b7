"""Pieces shared by ingestion and operations: who acts, snapshots, the log, new ids."""

from __future__ import annotations

import secrets
import uuid as uuid_lib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from pointage.core.statuses import OperationKind, OperationSource
from pointage.payment.models import Operation, Transaction
from pointage.payment.repository import TransactionRepository
from pointage.shop.models import Shop

# A card authorisation is valid 7 days; a capture later than that needs a new one.
AUTHORISATION_VALIDITY_DAYS = 7


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs an operation and through which channel."""

    name: str
    source: OperationSource


def local_date(shop: Shop, instant: datetime) -> date:
    """The calendar day of an instant in the shop's time zone."""
    return instant.astimezone(ZoneInfo(shop.timezone)).date()


def now_utc() -> datetime:
    return datetime.now(UTC)


def snapshot(tx: Transaction) -> dict[str, Any]:
    """What the operations log keeps of a transaction before and after an operation."""
    return {
        "detailed_status": tx.detailed_status,
        "status": tx.status,
        "amount_minor": tx.amount_minor,
        "currency": tx.currency,
        "expected_capture_date": tx.expected_capture_date.isoformat(),
    }


def log_operation(
    session: Session,
    tx: Transaction,
    kind: OperationKind,
    actor: Actor,
    *,
    before: dict[str, Any] | None,
    comment: str | None = None,
    at: datetime | None = None,
) -> Operation:
    return TransactionRepository(session).log(
        Operation(
            shop_id=tx.shop_id,
            transaction_pk=tx.id,
            kind=kind.value,
            source=actor.source.value,
            actor=actor.name,
            at=at or now_utc(),
            before=before,
            after=snapshot(tx),
            comment=comment,
        )
    )


def new_uuid() -> str:
    return uuid_lib.uuid4().hex


def new_transaction_id(session: Session, shop_pk: int, day: date) -> str:
    """A 6-digit transaction id free for this shop and day (the gateway's trans_id)."""
    repo = TransactionRepository(session)
    for _ in range(50):
        candidate = f"{secrets.randbelow(900_000):06d}"
        if not repo.transaction_id_taken(shop_pk, day, candidate):
            return candidate
    raise RuntimeError("could not find a free transaction id")  # 50 collisions in 900,000
