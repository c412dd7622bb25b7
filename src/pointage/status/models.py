"""The status page's records: components and every change of their state, the probes' last
readings, incidents and scheduled maintenance with their updates, subscribers and the
notifications sent to them, and the operators' API tokens.

A component's state history (`status_component_change`) is what uptime is computed from: a
row per change, each state lasting until the next row of its component. Nothing is deleted.
Incidents and maintenance are one table, as in Statuspage's model (a maintenance is an
incident with a schedule), which keeps the timeline, the components affected and the
notifications the same for both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pointage.db.base import Base, BigId, UTCDateTime, utcnow


class StatusComponent(Base):
    """A component or a group of components (pointage.status.catalogue). `status` is what the
    page shows: the override while one holds, else what the probes last said."""

    __tablename__ = "status_component"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Statuspage-style public id (12 lower-case letters and digits), stable across deployments
    # of the same database.
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("status_component.id"))
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30), default="operational")
    # What the probes say, kept while an override holds so that the end of the override
    # returns to it at once.
    probe_status: Mapped[str] = mapped_column(String(30), default="operational")
    override_status: Mapped[str | None] = mapped_column(String(30))
    override_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    override_reason: Mapped[str | None] = mapped_column(String(500))
    override_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatusComponentChange(Base):
    """The component's shown state from `changed_at` until its next change."""

    __tablename__ = "status_component_change"
    __table_args__ = (Index("ix_status_component_change_component", "component_id", "changed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("status_component.id"))
    status: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(20))  # vocabulary.ChangeSource
    reason: Mapped[str | None] = mapped_column(String(500))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatusProbeReading(Base):
    """A probe's last reading (one row per probe, replaced each minute)."""

    __tablename__ = "status_probe_reading"

    probe: Mapped[str] = mapped_column(String(60), primary_key=True)
    component_key: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30))
    value: Mapped[float | None] = mapped_column(Float)  # milliseconds, seconds, a count
    unit: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(500))
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatusIncident(Base):
    """An incident or a scheduled maintenance (`kind`), with its current status and impact.
    A draft (opened by a probe) is not public until an operator publishes it."""

    __tablename__ = "status_incident"
    __table_args__ = (Index("ix_status_incident_kind_status", "kind", "status", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # vocabulary.IncidentKind
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))  # vocabulary.IncidentStatus
    impact: Mapped[str] = mapped_column(String(20))  # vocabulary.Impact
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    monitoring_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Scheduled maintenance: the window announced; the status moves on by itself at its ends.
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    postmortem_body: Mapped[str | None] = mapped_column(Text)
    postmortem_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))


class StatusIncidentComponent(Base):
    """A component an incident or maintenance affects."""

    __tablename__ = "status_incident_component"

    incident_id: Mapped[int] = mapped_column(ForeignKey("status_incident.id"), primary_key=True)
    component_id: Mapped[int] = mapped_column(
        ForeignKey("status_component.id"), primary_key=True, index=True
    )


class StatusIncidentUpdate(Base):
    """One step of an incident's timeline: its status at that time and what was said."""

    __tablename__ = "status_incident_update"
    __table_args__ = (Index("ix_status_incident_update_incident", "incident_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("status_incident.id"))
    status: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    # The components' states told with this update ({component key: status}), as Statuspage's
    # affected_components.
    affected: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    display_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class StatusSubscriber(Base):
    """Someone notified of incidents and maintenance: an e-mail address (confirmed by a link
    before anything else is sent: double opt-in) or a webhook URL. `token` is the secret of
    their confirmation and one-click unsubscribe links."""

    __tablename__ = "status_subscriber"
    __table_args__ = (Index("ix_status_subscriber_kind_target", "kind", "target"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # vocabulary.SubscriberKind
    target: Mapped[str] = mapped_column(String(2048))  # e-mail address (lower-case) or URL
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StatusNotification(Base):
    """One message to one subscriber about one incident update (or a confirmation request),
    sent after the commit that made it, retried with backoff."""

    __tablename__ = "status_notification"
    __table_args__ = (Index("ix_status_notification_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("status_subscriber.id"), index=True)
    # "confirm", "incident.created", "incident.updated", "incident.resolved",
    # "maintenance.started", "maintenance.completed"…
    event: Mapped[str] = mapped_column(String(40))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("status_incident.id"))
    update_id: Mapped[int | None] = mapped_column(ForeignKey("status_incident_update.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StatusOperatorToken(Base):
    """An API token of a status-page operator (a back-office user marked operator), for the
    incident and maintenance API. Stored hashed; shown once."""

    __tablename__ = "status_operator_token"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(40))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
