"""Remittances (remises): the daily capture batch per shop, contract and currency."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pointage.db.base import Base, BigId, UTCDateTime, utcnow


class Remittance(Base):
    __tablename__ = "remittance"
    __table_args__ = (
        # One remittance per contract, currency and day: the constraint, not the code,
        # guarantees that two batches running at once cannot both create one.
        UniqueConstraint("contract_id", "currency", "remittance_date"),
        UniqueConstraint("contract_id", "number"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    currency: Mapped[str] = mapped_column(String(3))
    remittance_date: Mapped[date] = mapped_column(Date, index=True)
    number: Mapped[int] = mapped_column(Integer)
    """Sequential per contract, as the acquirer numbers remises (1, 2, 3…)."""
    payment_count: Mapped[int] = mapped_column(Integer)
    refund_count: Mapped[int] = mapped_column(Integer)
    gross_minor: Mapped[int] = mapped_column(BigInteger)
    """Sum of the captured payments, minor units."""
    refunds_minor: Mapped[int] = mapped_column(BigInteger)
    """Sum of the refunds captured with them, minor units (positive)."""
    fee_minor: Mapped[int] = mapped_column(BigInteger)
    """Commission of the contract schedule on the payments, minor units (positive)."""
    net_minor: Mapped[int] = mapped_column(BigInteger)
    """gross - refunds - fee, minor units."""
    expected_credit_minor: Mapped[int] = mapped_column(BigInteger)
    """What the bank should credit: net, or gross - refunds for a gross-settled contract."""
    expected_credit_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaptureBatchRun(Base):
    """The claim that the capture batch of a contract for a day has run (once, ever).

    The batch inserts this row first, in the same transaction as its captures: the unique
    constraint, not the code, makes a second run of the same contract and day fail.
    """

    __tablename__ = "capture_batch_run"
    __table_args__ = (UniqueConstraint("contract_id", "business_date"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), index=True)
    business_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    captured_count: Mapped[int] = mapped_column(Integer, default=0)
    expired_count: Mapped[int] = mapped_column(Integer, default=0)
    remittance_count: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(20), default="batch")
