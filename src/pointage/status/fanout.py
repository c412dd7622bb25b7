"""The fan-out of an incident's or a maintenance's news to its subscribers: one
StatusNotification row per confirmed subscriber who has not unsubscribed, written in the same
transaction as the change it tells of. Sending them is the notifications job's work
(pointage.status.notify*); a change rolled back leaves no message behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.status.models import (
    StatusIncident,
    StatusIncidentUpdate,
    StatusNotification,
    StatusSubscriber,
)
from pointage.status.vocabulary import NotificationStatus


class Event(StrEnum):
    INCIDENT_CREATED = "incident.created"
    INCIDENT_UPDATED = "incident.updated"
    INCIDENT_RESOLVED = "incident.resolved"
    MAINTENANCE_SCHEDULED = "maintenance.scheduled"
    MAINTENANCE_STARTED = "maintenance.started"
    MAINTENANCE_COMPLETED = "maintenance.completed"


def active_subscribers(session: Session) -> Sequence[StatusSubscriber]:
    """Subscribers who confirmed (double opt-in) and have not unsubscribed."""
    return session.scalars(
        select(StatusSubscriber)
        .where(
            StatusSubscriber.confirmed_at.is_not(None),
            StatusSubscriber.unsubscribed_at.is_(None),
        )
        .order_by(StatusSubscriber.id)
    ).all()


def fan_out(
    session: Session,
    event: Event,
    incident: StatusIncident,
    update: StatusIncidentUpdate | None,
    now: datetime,
) -> list[StatusNotification]:
    """One pending notification per active subscriber; none for a draft (not public)."""
    if incident.draft:
        return []
    rows = [
        StatusNotification(
            subscriber_id=subscriber.id,
            event=event.value,
            incident_id=incident.id,
            update_id=update.id if update is not None else None,
            status=NotificationStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for subscriber in active_subscribers(session)
    ]
    session.add_all(rows)
    session.flush()
    return rows
