"""Queries of emission: who subscribes, events inserted one by one or by INSERT … SELECT,
their payloads filled in, and their deliveries fanned out to the endpoints."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from pointage.db.base import UTCDateTime
from pointage.webhook.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSubscription,
)

CHUNK = 5_000
PUBLIC_ID_PREFIX = "evt_"


def chunks(ids: Collection[int]) -> Iterator[Sequence[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def new_public_id() -> str:
    return PUBLIC_ID_PREFIX + secrets.token_hex(16)


def _live_endpoint(event_type: str) -> list[ColumnElement[bool]]:
    return [
        WebhookEndpoint.enabled.is_(True),
        WebhookEndpoint.deleted_at.is_(None),
        WebhookSubscription.endpoint_id == WebhookEndpoint.id,
        WebhookSubscription.event_type == event_type,
    ]


def subscribed_shops(session: Session, event_type: str) -> set[int]:
    """The shops (primary keys) with an enabled endpoint, in any mode, subscribed to the
    type: a handful of rows read through the subscription index."""
    return set(
        session.scalars(
            select(WebhookEndpoint.shop_id)
            .select_from(WebhookSubscription)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookSubscription.endpoint_id)
            .where(*_live_endpoint(event_type))
            .distinct()
        )
    )


def is_subscribed(session: Session, event_type: str, shop_pk: int, mode: str) -> bool:
    return bool(session.scalar(select(subscribed(event_type, literal(shop_pk), literal(mode)))))


def subscribed(event_type: str, shop: Any, mode: Any) -> ColumnElement[bool]:
    """EXISTS an enabled endpoint of `shop` in `mode` subscribed to the type (correlated
    to the columns given, for an INSERT … SELECT)."""
    return exists().where(
        WebhookEndpoint.shop_id == shop,
        WebhookEndpoint.mode == mode,
        *_live_endpoint(event_type),
    )


def _public_id(session: Session) -> ColumnElement[str]:
    """A fresh "evt_" + 32 hexadecimal characters per row, computed by the database."""
    if session.get_bind().dialect.name == "postgresql":
        random_hex = func.replace(cast(func.gen_random_uuid(), Text()), "-", "")
    else:
        random_hex = func.lower(func.hex(func.randomblob(16)))
    return literal(PUBLIC_ID_PREFIX) + random_hex


def json_object(session: Session, **pairs: Any) -> ColumnElement[Any]:
    """A JSON object built by the database from columns of the row."""
    builder = (
        func.json_build_object
        if session.get_bind().dialect.name == "postgresql"
        else func.json_object
    )
    arguments: list[Any] = []
    for key, value in pairs.items():
        arguments += [literal(key), value]
    return builder(*arguments)


def insert_event(
    session: Session,
    *,
    shop_pk: int,
    mode: str,
    event_type: str,
    subject_id: int,
    previous: dict[str, Any] | None,
    at: datetime,
) -> int:
    return int(
        session.scalars(
            insert(WebhookEvent)
            .values(
                public_id=new_public_id(),
                shop_id=shop_pk,
                mode=mode,
                type=event_type,
                created_at=at,
                subject_id=subject_id,
                previous=previous,
            )
            .returning(WebhookEvent.id)
        ).one()
    )


def insert_events_from(
    session: Session, event_type: str, rows: Select[*tuple[Any, ...]], at: datetime
) -> list[int]:
    """Insert one event of `event_type` per row of `rows` — (shop pk, mode, subject id,
    previous attributes as a JSON object or NULL) — in one statement; their ids."""
    source = rows.add_columns(_public_id(session), literal(event_type), literal(at, UTCDateTime))
    columns = ["shop_id", "mode", "subject_id", "previous", "public_id", "type", "created_at"]
    statement = insert(WebhookEvent).from_select(columns, source).returning(WebhookEvent.id)
    return list(session.scalars(statement))


def unpublished(session: Session, event_ids: Collection[int]) -> list[tuple[int, str, int]]:
    """(id, type, subject id) of these events."""
    found: list[tuple[int, str, int]] = []
    for chunk in chunks(event_ids):
        rows = session.execute(
            select(WebhookEvent.id, WebhookEvent.type, WebhookEvent.subject_id).where(
                WebhookEvent.id.in_(chunk)
            )
        )
        found.extend((row[0], row[1], row[2]) for row in rows)
    return found


def set_payloads(session: Session, payloads: dict[int, dict[str, Any]]) -> None:
    if payloads:
        session.execute(
            update(WebhookEvent),
            [{"id": event_id, "payload": payload} for event_id, payload in payloads.items()],
        )


def drop_events(session: Session, event_ids: Collection[int]) -> None:
    """Events whose object vanished in the same unit of work (nothing to tell)."""
    for chunk in chunks(event_ids):
        session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(chunk)))


def fan_out(session: Session, event_ids: Collection[int], at: datetime) -> None:
    """A pending delivery, due now, of each event to each enabled endpoint of its shop in
    its mode subscribed to its type."""
    for chunk in chunks(event_ids):
        rows = (
            select(
                WebhookEndpoint.id,
                WebhookEvent.id,
                literal(DeliveryStatus.PENDING.value),
                literal(0),
                literal(at, UTCDateTime),
                literal(at, UTCDateTime),
            )
            .select_from(WebhookEvent)
            .join(
                WebhookEndpoint,
                and_(
                    WebhookEndpoint.shop_id == WebhookEvent.shop_id,
                    WebhookEndpoint.mode == WebhookEvent.mode,
                ),
            )
            .join(
                WebhookSubscription,
                and_(
                    WebhookSubscription.endpoint_id == WebhookEndpoint.id,
                    WebhookSubscription.event_type == WebhookEvent.type,
                ),
            )
            .where(
                WebhookEvent.id.in_(chunk),
                WebhookEndpoint.enabled.is_(True),
                WebhookEndpoint.deleted_at.is_(None),
            )
        )
        columns = ["endpoint_id", "event_id", "status", "attempts", "next_attempt_at"]
        session.execute(insert(WebhookDelivery).from_select([*columns, "created_at"], rows))
