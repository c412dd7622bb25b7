"""Credentials and the records that protect them.

API keys are random and long: a SHA-256 hash is enough to check one (nothing to brute-force),
and it lets a Bearer key be found by its hash alone. The key is also kept encrypted under the
deployment's secret, because the gateway signs its notifications (IPN) with HMAC keyed by the
shop's key, and checking a signature needs the key itself. Passwords of people are short and
guessable: they get argon2.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pointage.db.base import Base, BigId, UTCDateTime, utcnow


class ApiKey(Base):
    """A shop's key for the API, in test or production mode (core.statuses.Mode)."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), index=True)
    mode: Mapped[str] = mapped_column(String(10))
    # The key's first characters, shown in lists so that a person can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(40))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_encrypted: Mapped[str] = mapped_column(String(400))
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    # Written at most once a minute per key, so that busy keys do not write on every call.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(200))


class User(Base):
    """A person who signs in to the back office (core.statuses.Role)."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, PHC string
    role: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str | None] = mapped_column(String(5))  # "fr" or "en"; None: the browser's
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Runs the public status page: incidents, maintenance, component overrides. Independent of
    # the role, which is about the user's shops.
    operator: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class UserShop(Base):
    """A shop a user is given. An admin sees the shops listed here, like everyone else."""

    __tablename__ = "user_shop"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), primary_key=True, index=True)


class AuthFailure(Base):
    """One failed authentication, counted per scope ("ip:<address>", "login:<email>") over a
    sliding window to refuse guessing. In the database, so every web process sees them."""

    __tablename__ = "auth_failure"
    __table_args__ = (Index("ix_auth_failure_scope_at", "scope", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyKey(Base):
    """A POST made with an `Idempotency-Key`: the request's fingerprint and, once it has
    finished, the answer to replay. Keys are per credential - a shop's API key, or a status
    page operator's token - and kept for a day."""

    __tablename__ = "idempotency_key"
    __table_args__ = (
        UniqueConstraint("api_key_id", "key"),
        UniqueConstraint("operator_token_id", "key"),
        CheckConstraint(
            "(api_key_id IS NULL) <> (operator_token_id IS NULL)", name="one_credential"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"), index=True)
    operator_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_operator_token.id"), index=True
    )
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path, body
    state: Mapped[str] = mapped_column(String(12))  # "in_progress" or "done"
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_content_type: Mapped[str | None] = mapped_column(String(200))
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
