"""Reconciliation records: runs, matches with their evidence, suggestions, reversals.

A match claims bank entries, remittances and transactions through link rows. A claim is
*active* until the match is reversed; partial unique indexes (on SQLite and PostgreSQL
alike) guarantee that an entry, a remittance's credit or fee, and a transaction's chargeback
are claimed by at most one active match — the database, not the code, forbids a double
claim. Undo never deletes: a `MatchReversal` row is written, the links turn inactive, and
the match stays in the history with `reversed_at` set.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from pointage.db.base import Base, BigId, UTCDateTime, utcnow


class RunTrigger(StrEnum):
    IMPORT = "import"  # after a statement import
    DAILY = "daily"  # after the day's capture batches
    CLI = "cli"
    API = "api"
    BACKOFFICE = "backoffice"  # started from the back office's reconciliation page
    DEMO = "demo"


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class MatchOrigin(StrEnum):
    ENGINE = "engine"  # applied automatically by a run
    CONFIRMED = "confirmed"  # a suggestion a person confirmed
    MANUAL = "manual"  # picked by a person (entries and remittances or transactions)
    WITHOUT_ENTRY = "without_entry"  # marked reconciled by a person with no bank entry


class ClaimRole(StrEnum):
    CREDIT = "credit"  # the entry/entries that pay a remittance or a transaction
    FEE = "fee"  # a commission debit covering a remittance's fee
    CHARGEBACK = "chargeback"  # a chargeback debit taking a transaction back


class SuggestionStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a later run proposed again, or something else claimed it


class ReconciliationRun(Base):
    __tablename__ = "reconciliation_run"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(200))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.RUNNING.value)
    business_date: Mapped[date] = mapped_column(Date)
    """The day the run reconciled as of: decides what is overdue."""
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    suggested: Mapped[int] = mapped_column(Integer, default=0)
    open_entries: Mapped[int] = mapped_column(Integer, default=0)
    open_remittances: Mapped[int] = mapped_column(Integer, default=0)
    to_review: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class RunOpenItem(Base):
    """Why an entry or a remittance stayed open after a run."""

    __tablename__ = "reconciliation_open_item"
    # An entry's or remittance's latest reason (the statement entries' match state, the
    # explanations): found by object, newest first.
    __table_args__ = (Index("ix_reconciliation_open_item_object", "kind", "object_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_run.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "entry" or "remittance"
    object_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(20))  # matching.model.OpenReason
    detail: Mapped[str] = mapped_column(Text)


class Match(Base):
    __tablename__ = "reconciliation_match"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_run.id"), index=True)
    rule: Mapped[str] = mapped_column(String(30))  # matching.model.Rule
    origin: Mapped[str] = mapped_column(String(15))  # MatchOrigin
    score: Mapped[int] = mapped_column(Integer, default=0)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """The criteria, in order: name, expected, actual, outcome, points, note."""
    difference_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    late_business_days: Mapped[int] = mapped_column(Integer, default=0)
    anomaly: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    suggestion_id: Mapped[int | None] = mapped_column(BigInteger)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MatchEntry(Base):
    __tablename__ = "reconciliation_match_entry"
    __table_args__ = (
        Index(
            "uq_match_entry_active",
            "entry_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_match.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("statement_entry.id"), index=True)
    role: Mapped[str] = mapped_column(String(12))  # ClaimRole
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MatchRemittance(Base):
    __tablename__ = "reconciliation_match_remittance"
    __table_args__ = (
        Index(
            "uq_match_remittance_active",
            "remittance_id",
            "role",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_match.id"), index=True)
    remittance_id: Mapped[int] = mapped_column(ForeignKey("remittance.id"), index=True)
    role: Mapped[str] = mapped_column(String(12))  # ClaimRole.CREDIT or FEE
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MatchTransaction(Base):
    """A transaction claimed on its own: taken back by a chargeback, or matched or marked
    reconciled by a person without its remittance."""

    __tablename__ = "reconciliation_match_transaction"
    __table_args__ = (
        Index(
            "uq_match_transaction_active",
            "transaction_id",
            "role",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_match.id"), index=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("transaction.id"), index=True)
    role: Mapped[str] = mapped_column(String(12))  # ClaimRole.CREDIT or CHARGEBACK
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MatchReversal(Base):
    """The undo of a match: who, when, why. The match itself is never deleted."""

    __tablename__ = "reconciliation_match_reversal"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_match.id"), unique=True)
    actor: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Suggestion(Base):
    """A match the engine proposes and a person confirms or rejects in one click."""

    __tablename__ = "reconciliation_suggestion"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_run.id"), index=True)
    rule: Mapped[str] = mapped_column(String(30))
    score: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    entry_ids: Mapped[list[int]] = mapped_column(JSON)
    remittance_ids: Mapped[list[int]] = mapped_column(JSON)
    transaction_ids: Mapped[list[int]] = mapped_column(JSON)
    difference_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    late_business_days: Mapped[int] = mapped_column(Integer, default=0)
    anomaly: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    # Identifies what the suggestion would claim ("e:1,2|r:7|t:"), so that a rejected one
    # is not proposed again by the next run.
    claim_key: Mapped[str] = mapped_column(String(400), index=True)
    status: Mapped[str] = mapped_column(String(12), default=SuggestionStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)
    match_id: Mapped[int | None] = mapped_column(BigInteger)
