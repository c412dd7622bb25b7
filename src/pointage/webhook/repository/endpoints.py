"""Queries of webhook endpoints and their subscriptions."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from pointage.webhook.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSubscription,
)


def _visible(shop_pk: int, mode: str) -> list[Any]:
    return [
        WebhookEndpoint.shop_id == shop_pk,
        WebhookEndpoint.mode == mode,
        WebhookEndpoint.deleted_at.is_(None),
    ]


def add(session: Session, endpoint: WebhookEndpoint, event_types: Iterable[str]) -> None:
    session.add(endpoint)
    session.flush()
    set_event_types(session, endpoint.id, event_types)


def set_event_types(session: Session, endpoint_id: int, event_types: Iterable[str]) -> None:
    session.execute(
        delete(WebhookSubscription).where(WebhookSubscription.endpoint_id == endpoint_id)
    )
    session.add_all(
        WebhookSubscription(endpoint_id=endpoint_id, event_type=event_type)
        for event_type in sorted(set(event_types))
    )
    session.flush()


def event_types(session: Session, endpoint_ids: Collection[int]) -> dict[int, list[str]]:
    """Endpoint id → the types it subscribes to, sorted."""
    found: dict[int, list[str]] = {endpoint_id: [] for endpoint_id in endpoint_ids}
    if endpoint_ids:
        rows = session.execute(
            select(WebhookSubscription.endpoint_id, WebhookSubscription.event_type)
            .where(WebhookSubscription.endpoint_id.in_(list(endpoint_ids)))
            .order_by(WebhookSubscription.event_type)
        )
        for endpoint_id, event_type in rows:
            found[endpoint_id].append(event_type)
    return found


def visible(
    session: Session, shop_pk: int, mode: str, endpoint_id: int, *, lock: bool = False
) -> WebhookEndpoint | None:
    """The shop's endpoint of that mode, unless deleted."""
    query = select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, *_visible(shop_pk, mode)
    )
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def count_visible(session: Session, shop_pk: int, mode: str) -> int:
    return int(
        session.scalar(select(func.count(WebhookEndpoint.id)).where(*_visible(shop_pk, mode))) or 0
    )


def listing(shop_pk: int, mode: str) -> Select[Any]:
    return select(WebhookEndpoint).where(*_visible(shop_pk, mode))


def position(session: Session, shop_pk: int, mode: str, cursor: str) -> tuple[Any, Any] | None:
    """(created_at, id) of the endpoint a cursor names, among those the caller sees."""
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        return None
    row = session.execute(
        select(WebhookEndpoint.created_at, WebhookEndpoint.id).where(
            WebhookEndpoint.id == int(cursor), *_visible(shop_pk, mode)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


def give_up_pending(session: Session, endpoint_id: int, reason: str) -> int:
    """Fail the endpoint's pending deliveries (it was disabled or deleted)."""
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == DeliveryStatus.PENDING.value,
        )
        .values(status=DeliveryStatus.FAILED.value, next_attempt_at=None, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
