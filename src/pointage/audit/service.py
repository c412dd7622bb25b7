"""Recording audit events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pointage.audit.models import AuditEvent


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    *,
    shop_pk: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        shop_id=shop_pk,
        detail=detail,
    )
    session.add(event)
    return event
