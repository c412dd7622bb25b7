"""Reports: per-shop settings, the journals generated for a period, their deliveries.

A generated report is kept as a file in the reports directory (`POINTAGE_REPORTS_DIR`) with
its SHA-256, not in the database: a month's transaction journal of a large shop is hundreds
of megabytes. One report per shop, journal, period and format: the unique constraint makes
a second generation of the same period impossible, so a period is delivered once unless a
person re-sends it (a new delivery with the next `sequence`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pointage.db.base import Base, BigId, UTCDateTime, utcnow


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"  # Monday to Sunday, sent on the Monday after
    MONTHLY = "monthly"  # a calendar month, sent on the 1st after
    NONE = "none"


class ReportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class Channel(StrEnum):
    EMAIL = "email"
    SFTP = "sftp"
    LOCAL = "local"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not tried yet, or failed and waiting for its next attempt
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the last attempt; a person may re-send


class ReportSetting(Base):
    """What a shop receives, how often, in which format, and where."""

    __tablename__ = "report_setting"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), unique=True)
    journals: Mapped[list[str]] = mapped_column(JSON)  # JournalKind values
    frequency: Mapped[str] = mapped_column(String(10), default=Frequency.DAILY.value)
    format: Mapped[str] = mapped_column(String(5), default=ReportFormat.CSV.value)
    encoding: Mapped[str] = mapped_column(String(12), default="utf-8")  # or "iso-8859-15"
    send_empty: Mapped[bool] = mapped_column(Boolean, default=False)
    # File name pattern; fields {journal} (JT, JO…), {shop} (label, file-safe), {shop_id},
    # {period} (YYMMDD for a day, YYMMDD-YYMMDD for a week or a month), {ext}.
    filename_pattern: Mapped[str] = mapped_column(
        String(200), default="{journal}_{shop}_{shop_id}_{period}.{ext}"
    )
    email_recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    sftp_host: Mapped[str | None] = mapped_column(String(255))
    sftp_port: Mapped[int] = mapped_column(Integer, default=22)
    sftp_username: Mapped[str | None] = mapped_column(String(100))
    # Fernet-encrypted with the secret key, like the shops' notification keys.
    sftp_password_encrypted: Mapped[str | None] = mapped_column(Text)
    # The server's public host key ("ssh-ed25519 AAAA…"): the upload refuses any other.
    sftp_host_key: Mapped[str | None] = mapped_column(Text)
    sftp_directory: Mapped[str | None] = mapped_column(String(500))
    local_directory: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class GeneratedReport(Base):
    __tablename__ = "generated_report"
    __table_args__ = (
        UniqueConstraint("shop_id", "journal", "period_start", "period_end", "format"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), index=True)
    journal: Mapped[str] = mapped_column(String(12))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    format: Mapped[str] = mapped_column(String(5))
    encoding: Mapped[str] = mapped_column(String(12))
    filename: Mapped[str] = mapped_column(String(255))
    storage_path: Mapped[str] = mapped_column(String(500))  # relative to the reports dir
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    row_count: Mapped[int] = mapped_column(Integer)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by: Mapped[str] = mapped_column(String(200))


class Delivery(Base):
    """One report sent through one channel; `sequence` 0 is the scheduled delivery, 1, 2…
    are re-sends a person asked for."""

    __tablename__ = "report_delivery"
    __table_args__ = (UniqueConstraint("report_id", "channel", "sequence"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("generated_report.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    destination: Mapped[str] = mapped_column(Text)  # recipients, sftp://user@host/dir, folder
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryAttempt(Base):
    __tablename__ = "report_delivery_attempt"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("report_delivery.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
