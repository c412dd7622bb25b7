"""Transactions of the gateway and the append-only log of operations on them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from pointage.db.base import Base, BigId, UTCDateTime, utcnow


class Transaction(Base):
    """A payment (DEBIT), refund (CREDIT) or card verification, as the gateway knows it.

    Amounts are integer minor units of `currency`, always positive; the operation type says
    which way the money goes.
    """

    __tablename__ = "transaction"
    __table_args__ = (
        # The gateway's 6-character transaction id is unique per shop and day.
        UniqueConstraint("shop_id", "transaction_date", "transaction_id"),
        Index(
            "ix_transaction_capture_queue", "shop_id", "detailed_status", "expected_capture_date"
        ),
        Index("ix_transaction_shop_created", "shop_id", "created_at"),
        # The API's and the back office's lists: a key sees one mode, newest first, paged
        # by (created_at, id); and their most used filter, the reconciliation status.
        Index("ix_transaction_shop_mode_created", "shop_id", "mode", "created_at", "id"),
        Index(
            "ix_transaction_shop_reconciliation",
            "shop_id",
            "mode",
            "reconciliation_status",
            "created_at",
            "id",
        ),
        # Lookups by order id (every shop's, or the list's filter: one shop and mode, newest
        # first), read from the index alone.
        Index("ix_transaction_order_shop", "order_id", "shop_id", "mode", "created_at", "id"),
        # A remittance's transactions, and how many of them are in each reconciliation
        # status (the dashboard), read from the index alone. Only captured transactions are
        # in it: those not in a remittance yet (every imported one) cost it nothing.
        Index(
            "ix_transaction_remittance_status",
            "remittance_id",
            "mode",
            "reconciliation_status",
            sqlite_where=text("remittance_id IS NOT NULL"),
            postgresql_where=text("remittance_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    transaction_id: Mapped[str] = mapped_column(String(6))
    # Day of creation in the shop's time zone (what "per day" means for the transaction id).
    transaction_date: Mapped[date] = mapped_column(Date)
    order_id: Mapped[str | None] = mapped_column(String(64))
    operation_type: Mapped[str] = mapped_column(String(12))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    """Current amount in minor units (lowered by a 'modify' before capture)."""
    original_amount_minor: Mapped[int] = mapped_column(BigInteger)
    """Amount first authorised, in minor units; never changes."""
    currency: Mapped[str] = mapped_column(String(3))
    detailed_status: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    card_brand: Mapped[str | None] = mapped_column(String(20))
    # First 6 and last 4 digits only, as "497010XXXXXX0044". Never a full PAN.
    card_masked: Mapped[str | None] = mapped_column(String(19))
    authorisation_number: Mapped[str | None] = mapped_column(String(12))
    customer_reference: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Requested capture date (deferred capture); the batch of that day captures it.
    expected_capture_date: Mapped[date] = mapped_column(Date)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"), index=True)
    remittance_id: Mapped[int | None] = mapped_column(ForeignKey("remittance.id"))
    # A refund points to its payment; a duplicate to the payment it was copied from.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("transaction.id"), index=True)
    reconciliation_status: Mapped[str] = mapped_column(String(20), default="not_applicable")
    dispute_flag: Mapped[str] = mapped_column(String(3), default="na")
    # TEST or PRODUCTION (core.statuses.Mode): test payments never reach a bank; a
    # test-mode API key sees only them.
    mode: Mapped[str] = mapped_column(String(10), default="PRODUCTION", server_default="PRODUCTION")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Operation(Base):
    """One entry of the append-only operations log (the source of the JO journal).

    Rows are inserted, never updated nor deleted: `payment.repository` has no method that
    would, a test checks it, and the ORM refuses to flush such a change (below).
    """

    __tablename__ = "operation"
    __table_args__ = (Index("ix_operation_shop_at", "shop_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    transaction_pk: Mapped[int] = mapped_column(ForeignKey("transaction.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)


class AppendOnlyViolation(RuntimeError):
    """Code tried to change the operations log: a programming error, not a user's."""


@event.listens_for(Operation, "before_update")
@event.listens_for(Operation, "before_delete")
def _refuse_changing_the_log(_mapper: Mapper[Operation], _conn: Connection, op: Operation) -> None:
    # The JO journal and the merchant's audit trail rest on this log: a correction is a new
    # operation, never an edit. Bulk SQL bypasses ORM events: a trigger (migration 0002)
    # makes the database refuse it too.
    raise AppendOnlyViolation(f"the operations log is append-only; operation {op.id} cannot change")
