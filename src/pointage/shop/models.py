"""Merchants, their shops, bank accounts and acquirer contracts."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import ForeignKey, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from pointage.db.base import Base, BigId, UTCDateTime, utcnow


class Merchant(Base):
    __tablename__ = "merchant"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Shop(Base):
    """A boutique: what the gateway knows by its 8-digit shop id."""

    __tablename__ = "shop"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    shop_id: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # IANA zone; decides which calendar day a payment belongs to.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    default_currency: Mapped[str] = mapped_column(String(3), default="EUR")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BankAccount(Base):
    """An account the acquirer credits. The French bank/branch/account codes are the ones
    CFONB 120 statements name the account by."""

    __tablename__ = "bank_account"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    iban: Mapped[str] = mapped_column(String(34), unique=True)
    bic: Mapped[str | None] = mapped_column(String(11))
    bank_code: Mapped[str | None] = mapped_column(String(5))  # code banque
    branch_code: Mapped[str | None] = mapped_column(String(5))  # code guichet
    account_number: Mapped[str | None] = mapped_column(String(11))  # numéro de compte
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Contract(Base):
    """A VAD acquirer contract (MID): who captures, where the money lands, at what cost."""

    __tablename__ = "contract"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # numéro de contrat / MID
    acquirer: Mapped[str] = mapped_column(String(100))
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_account.id"), index=True)
    # Commission schedule: basis points of each payment plus a fixed amount per payment,
    # in minor units of the payment's currency.
    fee_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    fee_fixed_minor: Mapped[int] = mapped_column(Integer, default=0)
    settlement_mode: Mapped[str] = mapped_column(String(5), default="net")
    # Business days between the remittance date and the credit on the bank account.
    credit_delay_days: Mapped[int] = mapped_column(Integer, default=1)
    # Business days after the expected credit date before an uncredited payment is shown
    # "to review" rather than "pending".
    grace_business_days: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    # How far (minor units) the bank's own commission may be from the schedule's and the
    # credit still count as explained.
    fee_tolerance_minor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Local time (shop time zone) at which the daily capture batch runs.
    cutoff_time: Mapped[time] = mapped_column(Time, default=time(23, 0))
    # Card brands this contract acquires (comma-separated, e.g. "CB,VISA,MASTERCARD").
    brands: Mapped[str] = mapped_column(String(200), default="CB,VISA,MASTERCARD")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
