"""Imported bank statements: the raw file, its statements and their movements.

A file is kept whole (`StatementFile.content`) with its SHA-256, so that any stored entry
can be traced back to the bank's bytes through its `file_id` and `record`. Entries are
unique per bank account by their de-duplication key (docs/statements.md): a movement seen
in two overlapping files is stored once, from the file that brought it first.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pointage.db.base import Base, BigId, UTCDateTime, utcnow


class StatementFile(Base):
    """A bank file as it was imported, byte for byte."""

    __tablename__ = "statement_file"
    __table_args__ = (
        # The same bytes are imported once per merchant: the constraint, not the code,
        # stops two imports of one file running at the same time from both storing it.
        UniqueConstraint("merchant_id", "sha256"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(12))
    version: Mapped[str | None] = mapped_column(String(20))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(200))
    # Set when a statement of the file did not add up and someone accepted it anyway.
    accepted_unbalanced_reason: Mapped[str | None] = mapped_column(Text)
    accepted_by: Mapped[str | None] = mapped_column(String(200))


class BankStatement(Base):
    """One statement of a file: an account's balances and movements over a period."""

    __tablename__ = "bank_statement"
    __table_args__ = (
        Index("ix_bank_statement_account_closing", "bank_account_id", "closing_date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("statement_file.id"), index=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_account.id"))
    record: Mapped[int] = mapped_column(Integer)
    identifier: Mapped[str | None] = mapped_column(String(140))
    kind: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    opening_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    """Opening balance in minor units, signed (credit balance > 0); None when not given."""
    opening_date: Mapped[date | None] = mapped_column(Date)
    closing_amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    """Closing balance in minor units, signed (credit balance > 0); None when not given."""
    closing_date: Mapped[date | None] = mapped_column(Date)
    from_date: Mapped[date | None] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)
    entry_count: Mapped[int] = mapped_column(Integer)
    balance_difference_minor: Mapped[int | None] = mapped_column(BigInteger)
    """closing - (opening + booked movements), minor units: 0 when the statement adds up,
    non-zero for an accepted unbalanced one, None when it cannot be checked (a balance
    missing, or an intraday report or notification)."""
    continuity_gap_minor: Mapped[int | None] = mapped_column(BigInteger)
    """opening - the closing balance of the account's previous statement, minor units: 0
    when they follow each other, None when there is no previous statement to compare with."""


class StatementEntry(Base):
    """A movement on a bank account (écriture), stored once whatever the files that carry it.

    Rows are written in bulk by the import (`statement.repository.insert_entries`)."""

    __tablename__ = "statement_entry"
    __table_args__ = (
        UniqueConstraint("bank_account_id", "dedup_key"),
        Index("ix_statement_entry_account_value_date", "bank_account_id", "value_date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_account.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statement.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("statement_file.id"), index=True)
    record: Mapped[int] = mapped_column(Integer)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    """Signed minor units seen from the account holder: credit > 0, debit < 0."""
    currency: Mapped[str] = mapped_column(String(3))
    booking_date: Mapped[date | None] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date)
    label: Mapped[str] = mapped_column(Text)
    bank_operation_code: Mapped[str | None] = mapped_column(String(40))
    references: Mapped[dict[str, str]] = mapped_column(JSON)
    details: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str | None] = mapped_column(String(10))
    reversal: Mapped[bool] = mapped_column(Boolean, default=False)
    dedup_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CsvMappingProfile(Base):
    """A saved way of reading one bank's CSV export (`formats.statements.csv_profile`)."""

    __tablename__ = "csv_mapping_profile"
    __table_args__ = (UniqueConstraint("merchant_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # None: a profile every merchant may use (a bank's standard export).
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchant.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
