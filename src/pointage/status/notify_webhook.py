"""What a webhook subscriber receives: a JSON body shaped like Statuspage's webhook
notifications, signed like Pointage's own webhooks (pointage.webhook.signature).

    {"meta": {"unsubscribe": "<one-click link>", "documentation": "<status page>",
              "generated_at": "…"},
     "page": {"id": …, "status_indicator": "none|minor|major|critical|maintenance",
              "status_description": "All Systems Operational"…},
     "incident": {"id", "name", "status", "impact", "created_at", "updated_at",
                  "monitoring_at", "resolved_at", "shortlink", "scheduled_for",
                  "scheduled_until", "page_id", "components": […],
                  "incident_updates": [newest first, with "affected_components"]}}
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.status.models import (
    StatusComponent,
    StatusIncident,
    StatusIncidentComponent,
    StatusIncidentUpdate,
)
from pointage.status.vocabulary import ComponentStatus, worst
from pointage.webhook import signature

PAGE_ID = "pointage"
CONTENT_TYPE = "application/json"

# The page's indicator and sentence from the worst state of a component (Statuspage's).
_INDICATORS: dict[ComponentStatus, tuple[str, str]] = {
    ComponentStatus.OPERATIONAL: ("none", "All Systems Operational"),
    ComponentStatus.UNDER_MAINTENANCE: ("maintenance", "Service Under Maintenance"),
    ComponentStatus.DEGRADED_PERFORMANCE: ("minor", "Minor Service Outage"),
    ComponentStatus.PARTIAL_OUTAGE: ("major", "Partial System Outage"),
    ComponentStatus.MAJOR_OUTAGE: ("critical", "Major Service Outage"),
}


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def page_state(session: Session) -> dict[str, str]:
    statuses = [
        ComponentStatus(status)
        for status in session.scalars(
            select(StatusComponent.status).where(StatusComponent.is_group.is_(False))
        )
        if status in ComponentStatus.__members__.values()
    ]
    indicator, description = _INDICATORS[worst(statuses)]
    return {"id": PAGE_ID, "status_indicator": indicator, "status_description": description}


def _component(component: StatusComponent, groups: dict[int, str]) -> dict[str, Any]:
    return {
        "id": component.public_id,
        "name": component.name,
        "status": component.status,
        "created_at": _time(component.created_at),
        "updated_at": _time(component.updated_at),
        "position": component.position,
        "description": component.description,
        "showcase": True,
        "group_id": groups.get(component.group_id) if component.group_id else None,
        "page_id": PAGE_ID,
        "group": component.is_group,
        "only_show_if_degraded": False,
    }


def incident_json(session: Session, incident: StatusIncident, status_url: str) -> dict[str, Any]:
    """The incident (or maintenance) with its components and updates, newest update first."""
    groups = {
        row.id: row.public_id
        for row in session.execute(
            select(StatusComponent.id, StatusComponent.public_id).where(
                StatusComponent.is_group.is_(True)
            )
        )
    }
    components = list(
        session.scalars(
            select(StatusComponent)
            .join(
                StatusIncidentComponent, StatusIncidentComponent.component_id == StatusComponent.id
            )
            .where(StatusIncidentComponent.incident_id == incident.id)
            .order_by(StatusComponent.position)
        )
    )
    by_key = {c.key: c for c in session.scalars(select(StatusComponent))}
    updates = session.scalars(
        select(StatusIncidentUpdate)
        .where(StatusIncidentUpdate.incident_id == incident.id)
        .order_by(StatusIncidentUpdate.display_at.desc(), StatusIncidentUpdate.id.desc())
    )
    return {
        "id": incident.public_id,
        "name": incident.name,
        "status": incident.status,
        "impact": incident.impact,
        "created_at": _time(incident.created_at),
        "updated_at": _time(incident.updated_at),
        "monitoring_at": _time(incident.monitoring_at),
        "resolved_at": _time(incident.resolved_at),
        "started_at": _time(incident.started_at or incident.created_at),
        "shortlink": status_url,
        "scheduled_for": _time(incident.scheduled_for),
        "scheduled_until": _time(incident.scheduled_until),
        "page_id": PAGE_ID,
        "postmortem_body": incident.postmortem_body if incident.postmortem_published_at else None,
        "postmortem_published_at": _time(incident.postmortem_published_at),
        "components": [_component(c, groups) for c in components],
        "incident_updates": [
            {
                "id": update.public_id,
                "incident_id": incident.public_id,
                "status": update.status,
                "body": update.body,
                "created_at": _time(update.created_at),
                "updated_at": _time(update.created_at),
                "display_at": _time(update.display_at),
                "affected_components": [
                    {
                        "code": by_key[key].public_id if key in by_key else key,
                        "name": by_key[key].name if key in by_key else key,
                        "old_status": None,
                        "new_status": status,
                    }
                    for key, status in (update.affected or {}).items()
                ],
            }
            for update in updates
        ],
    }


def body(
    session: Session,
    incident: StatusIncident,
    *,
    event: str,
    status_url: str,
    unsubscribe_url: str,
    now: datetime,
) -> bytes:
    document = {
        "meta": {
            "unsubscribe": unsubscribe_url,
            "documentation": status_url,
            "event": event,
            "generated_at": _time(now),
        },
        "page": page_state(session),
        "incident": incident_json(session, incident, status_url),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def headers(secret: str, content: bytes, event: str, now: datetime) -> dict[str, str]:
    return {
        "Content-Type": CONTENT_TYPE,
        "Pointage-Event": event,
        signature.HEADER: signature.header_value([secret], content, int(now.timestamp())),
    }
