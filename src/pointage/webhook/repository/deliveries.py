"""Queries of deliveries and their attempts, and of the events the API lists."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from pointage.webhook.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
    WebhookEvent,
)

Due = tuple[WebhookDelivery, WebhookEndpoint, WebhookEvent]


def lock_next_due(session: Session, now: datetime, busy_endpoints: Collection[int]) -> Due | None:
    """The pending delivery due first, locked, with its endpoint and event; none of the
    `busy_endpoints`. SKIP LOCKED lets several workers on PostgreSQL each take a different
    one; SQLite has no row locks (the clause is not rendered) and serialises writers with
    BEGIN IMMEDIATE instead."""
    query = (
        select(WebhookDelivery, WebhookEndpoint, WebhookEvent)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING.value,
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )
    if busy_endpoints:
        query = query.where(WebhookDelivery.endpoint_id.not_in(list(busy_endpoints)))
    row = session.execute(query).first()
    return (row[0], row[1], row[2]) if row is not None else None


def lock(session: Session, delivery_id: int) -> WebhookDelivery:
    return session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
    ).one()


def with_endpoint_and_event(session: Session, delivery_id: int) -> Due | None:
    row = session.execute(
        select(WebhookDelivery, WebhookEndpoint, WebhookEvent)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id == delivery_id)
    ).first()
    return (row[0], row[1], row[2]) if row is not None else None


def add_attempt(session: Session, attempt: WebhookDeliveryAttempt) -> None:
    session.add(attempt)


# -- what the API shows ------------------------------------------------------------------


def _deliveries_of(shop_pk: int, mode: str) -> Select[Any]:
    return (
        select(WebhookDelivery)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookEndpoint.shop_id == shop_pk, WebhookEndpoint.mode == mode)
    )


def delivery_listing(
    shop_pk: int,
    mode: str,
    *,
    endpoint_id: int | None = None,
    status: str | None = None,
    event_type: str | None = None,
) -> Select[Any]:
    query = _deliveries_of(shop_pk, mode)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if event_type is not None:
        query = query.join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id).where(
            WebhookEvent.type == event_type
        )
    return query


def visible_delivery(
    session: Session, shop_pk: int, mode: str, delivery_id: int
) -> WebhookDelivery | None:
    return session.scalars(
        _deliveries_of(shop_pk, mode).where(WebhookDelivery.id == delivery_id)
    ).one_or_none()


def delivery_position(
    session: Session, shop_pk: int, mode: str, cursor: str
) -> tuple[Any, Any] | None:
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        return None
    found = visible_delivery(session, shop_pk, mode, int(cursor))
    return (found.created_at, found.id) if found is not None else None


def attempts_of(
    session: Session, delivery_ids: Collection[int]
) -> dict[int, list[WebhookDeliveryAttempt]]:
    found: dict[int, list[WebhookDeliveryAttempt]] = {i: [] for i in delivery_ids}
    if delivery_ids:
        rows = session.scalars(
            select(WebhookDeliveryAttempt)
            .where(WebhookDeliveryAttempt.delivery_id.in_(list(delivery_ids)))
            .order_by(WebhookDeliveryAttempt.at, WebhookDeliveryAttempt.id)
        )
        for attempt in rows:
            found[attempt.delivery_id].append(attempt)
    return found


def events_by_pk(session: Session, event_ids: Collection[int]) -> dict[int, WebhookEvent]:
    if not event_ids:
        return {}
    rows = session.scalars(select(WebhookEvent).where(WebhookEvent.id.in_(list(event_ids))))
    return {event.id: event for event in rows}


def event_listing(shop_pk: int, mode: str, event_type: str | None = None) -> Select[Any]:
    query = select(WebhookEvent).where(
        WebhookEvent.shop_id == shop_pk,
        WebhookEvent.mode == mode,
        WebhookEvent.payload.is_not(None),
    )
    if event_type is not None:
        query = query.where(WebhookEvent.type == event_type)
    return query


def visible_event(session: Session, shop_pk: int, mode: str, public_id: str) -> WebhookEvent | None:
    return session.scalars(
        select(WebhookEvent).where(
            WebhookEvent.public_id == public_id,
            WebhookEvent.shop_id == shop_pk,
            WebhookEvent.mode == mode,
        )
    ).one_or_none()


def event_position(
    session: Session, shop_pk: int, mode: str, cursor: str
) -> tuple[Any, Any] | None:
    found = visible_event(session, shop_pk, mode, cursor)
    return (found.created_at, found.id) if found is not None else None
