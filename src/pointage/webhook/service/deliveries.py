"""What a shop sees of its events and deliveries, and a replay of a delivery.

Everything is scoped to the shop and the mode of the key that asks: another shop's event or
delivery, or one of the other mode, is not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pointage.core.errors import Conflict, InvalidInput, NotFound
from pointage.db.base import utcnow
from pointage.settings import Settings
from pointage.web.pagination import Keyset, PageRequest, fetch_page
from pointage.webhook.models import (
    DeliveryStatus,
    EventType,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEvent,
)
from pointage.webhook.repository import deliveries as queries
from pointage.webhook.service.endpoints import Owner
from pointage.webhook.service.sending import Job, job_of


@dataclass(frozen=True)
class DeliveryView:
    delivery: WebhookDelivery
    event: WebhookEvent
    attempts: list[WebhookDeliveryAttempt]


def event_page(
    session: Session, owner: Owner, page: PageRequest, event_type: str | None
) -> tuple[Sequence[WebhookEvent], bool]:
    shop_pk, mode = owner.shop.id, owner.mode.value
    keyset = Keyset(
        WebhookEvent.created_at,
        WebhookEvent.id,
        lambda cursor: queries.event_position(session, shop_pk, mode, cursor),
    )
    if event_type is not None:
        _known_type(event_type, "type")
    query = queries.event_listing(shop_pk, mode, event_type)
    return fetch_page(session, query, keyset, page)


def get_event(session: Session, owner: Owner, public_id: str) -> WebhookEvent:
    event = queries.visible_event(session, owner.shop.id, owner.mode.value, public_id)
    if event is None or event.payload is None:
        raise NotFound(f"event {public_id} not found", param="event_id")
    return event


def delivery_page(
    session: Session,
    owner: Owner,
    page: PageRequest,
    *,
    endpoint_id: int | None,
    status: str | None,
    event_type: str | None,
) -> tuple[list[DeliveryView], bool]:
    shop_pk, mode = owner.shop.id, owner.mode.value
    if status is not None and status not in {s.value for s in DeliveryStatus}:
        raise InvalidInput("status must be pending, delivered or failed", param="status")
    if event_type is not None:
        _known_type(event_type, "event_type")
    keyset = Keyset(
        WebhookDelivery.created_at,
        WebhookDelivery.id,
        lambda cursor: queries.delivery_position(session, shop_pk, mode, cursor),
    )
    query = queries.delivery_listing(
        shop_pk, mode, endpoint_id=endpoint_id, status=status, event_type=event_type
    )
    rows, has_more = fetch_page(session, query, keyset, page)
    return views(session, rows), has_more


def views(session: Session, rows: Sequence[WebhookDelivery]) -> list[DeliveryView]:
    events = queries.events_by_pk(session, {d.event_id for d in rows})
    attempts = queries.attempts_of(session, [d.id for d in rows])
    return [DeliveryView(d, events[d.event_id], attempts[d.id]) for d in rows]


def get_delivery(session: Session, owner: Owner, delivery_id: int) -> DeliveryView:
    delivery = queries.visible_delivery(session, owner.shop.id, owner.mode.value, delivery_id)
    if delivery is None:
        raise NotFound(f"webhook delivery {delivery_id} not found", param="delivery_id")
    return views(session, [delivery])[0]


def replay_job(session: Session, owner: Owner, delivery_id: int, settings: Settings) -> Job:
    """What a replay sends: the event again, signed now, to the endpoint's current URL.
    The caller commits, sends (sending.attempt) and records (sending.record)."""
    get_delivery(session, owner, delivery_id)
    due = queries.with_endpoint_and_event(session, delivery_id)
    assert due is not None  # just found
    _delivery, endpoint, _event = due
    if endpoint.deleted_at is not None:
        raise Conflict("the endpoint of this delivery was deleted", param="delivery_id")
    if not endpoint.enabled:
        raise Conflict("the endpoint is disabled: enable it first", param="delivery_id")
    return job_of(due, settings, utcnow(), replay=True)


def _known_type(value: str, param: str) -> None:
    if value not in {t.value for t in EventType}:
        raise InvalidInput(f"unknown event type {value!r}", param=param)
