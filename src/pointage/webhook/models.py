"""Webhooks: the endpoints merchants register, the events that happened, and the deliveries
of each event to each endpoint subscribed to it, with the log of every attempt.

An event is written in the same database transaction as the change it tells of (a
transactional outbox): it exists if and only if the change committed. Its deliveries are
written with it, one per enabled endpoint of the shop, in the event's mode, subscribed to
its type; the dispatcher (pointage.jobs.webhooks) sends them after the commit.

An endpoint's signing secret is kept encrypted under the deployment's secret key, like
the shops' API keys: signing needs the secret itself. During a rotation the previous secret
signs too, until it expires, so that receivers can switch without losing a delivery.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pointage.db.base import Base, BigId, UTCDateTime, utcnow


class EventType(StrEnum):
    TRANSACTION_UPDATED = "transaction.updated"
    RECONCILIATION_STATUS_CHANGED = "transaction.reconciliation_status_changed"
    REMITTANCE_CREDITED = "remittance.credited"
    CHARGEBACK_RECEIVED = "chargeback.received"
    REPORT_READY = "report.ready"
    STATEMENT_IMPORTED = "statement.imported"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not sent yet, or failed and waiting for its next attempt
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # given up: the retry window is over, or the endpoint went away


class WebhookEndpoint(Base):
    """A URL of a shop's that receives the events it subscribed to, in one mode (TEST or
    PRODUCTION, the mode of the API key that registered it)."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (Index("ix_webhook_endpoint_shop_mode", "shop_id", "mode", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    mode: Mapped[str] = mapped_column(String(10))
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(500))
    # Fernet ciphertext of the "whsec_…" secret (pointage.auth.keys.encrypt_key).
    secret_encrypted: Mapped[str] = mapped_column(Text)
    # The secret before the last rotation, still signing until it expires.
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deleted endpoints stay, so that the delivery log keeps its history; the API no longer
    # shows them and nothing is sent to them.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookSubscription(Base):
    """One event type an endpoint receives: a row per (endpoint, type), so that emitting an
    event finds its endpoints with an index, not by reading every endpoint's list."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (Index("ix_webhook_subscription_event_type", "event_type", "endpoint_id"),)

    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(60), primary_key=True)


class WebhookEvent(Base):
    """Something that happened to a shop's object (`subject_id`: the primary key of the
    transaction, remittance, report or statement file). `payload` is the object as the API
    shows it once the change is made; `previous` the attributes that changed, as they were
    before.

    Events of a bulk change are inserted by one INSERT … SELECT without their payload; the
    unit of work fills the payloads in before it commits (`webhook.service.emit`), so a
    committed event always has one."""

    __tablename__ = "webhook_event"
    __table_args__ = (Index("ix_webhook_event_shop_mode_created", "shop_id", "mode", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)  # "evt_" + 32 hex
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    mode: Mapped[str] = mapped_column(String(10))
    type: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    subject_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class WebhookDelivery(Base):
    """One event sent to one endpoint, with retries until it is delivered or given up."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint_created", "endpoint_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_event.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_response_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDeliveryAttempt(Base):
    """One POST of a delivery: the log a merchant reads to see what their endpoint said."""

    __tablename__ = "webhook_delivery_attempt"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    response_status: Mapped[int | None] = mapped_column(Integer)  # None: no answer
    error: Mapped[str | None] = mapped_column(Text)  # why it failed, in a sentence
    response_excerpt: Mapped[str | None] = mapped_column(String(500))
    replay: Mapped[bool] = mapped_column(Boolean, default=False)  # asked for by a person
