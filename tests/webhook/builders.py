"""Builders of the webhook tests: endpoints registered through the service, and what the
database holds of events and deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.core.statuses import Mode
from pointage.settings import Settings
from pointage.shop.models import Shop
from pointage.webhook.models import (
    EventType,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
    WebhookEvent,
)
from pointage.webhook.service.endpoints import Owner, create_endpoint

ALL_TYPES = [t.value for t in EventType]


@dataclass(frozen=True)
class Registered:
    endpoint: WebhookEndpoint
    secret: str


def register(
    session: Session,
    settings: Settings,
    shop: Shop,
    url: str = "https://hooks.example.com/pointage",
    *,
    mode: Mode = Mode.PRODUCTION,
    events: Sequence[str] = tuple(ALL_TYPES),
) -> Registered:
    """An endpoint of the shop, registered and committed."""
    made = create_endpoint(
        session,
        Owner(shop, mode, "test"),
        url=url,
        event_types=list(events),
        description=None,
        enabled=True,
        secret_key=settings.secret_key,
        allow_loopback=True,
    )
    session.commit()
    return Registered(made.endpoint, made.secret)


def events(session: Session, event_type: str | None = None) -> list[WebhookEvent]:
    query = select(WebhookEvent).order_by(WebhookEvent.id)
    if event_type is not None:
        query = query.where(WebhookEvent.type == event_type)
    return list(session.scalars(query.execution_options(populate_existing=True)))


def deliveries(session: Session) -> list[WebhookDelivery]:
    return list(
        session.scalars(
            select(WebhookDelivery)
            .order_by(WebhookDelivery.id)
            .execution_options(populate_existing=True)
        )
    )


def attempts(session: Session, delivery_id: int) -> list[WebhookDeliveryAttempt]:
    return list(
        session.scalars(
            select(WebhookDeliveryAttempt)
            .where(WebhookDeliveryAttempt.delivery_id == delivery_id)
            .order_by(WebhookDeliveryAttempt.id)
        )
    )
