"""What a webhook subscriber receives: a JSON body shaped like Statuspage's webhook
notifications, signed like Pointage's own webhooks (pointage.webhook.signature).

    {"meta": {"unsubscribe": "<one-click link>", "documentation": "<status page>",
              "generated_at": "…"},
     "page": {"id": …, "status_indicator": "none|minor|major|critical",
              "status_description": "All Systems Operational"…},
     "incident": {…}}

The page id and indicator are those of /api/v2/summary.json, and the incident is exactly
as /api/v2/incidents.json shows it (pointage.status.summary): its components, and its
updates newest first with their affected components.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.status import summary
from pointage.status.models import (
    StatusComponent,
    StatusIncident,
    StatusIncidentComponent,
    StatusIncidentUpdate,
)
from pointage.status.repository import ComponentRepository
from pointage.status.vocabulary import CLOSED_STATUSES, IncidentKind
from pointage.webhook import signature

CONTENT_TYPE = "application/json"


def page_state(session: Session, rows: Sequence[StatusComponent]) -> dict[str, str]:
    """The webhook's "page": the page id and overall indicator of /api/v2/summary.json."""
    page_id = summary.stable_id(f"page:{rows[0].public_id}" if rows else "page:catalogue")
    open_impacts = [
        {"impact": impact}
        for impact in session.scalars(
            select(StatusIncident.impact).where(
                StatusIncident.draft.is_(False),
                StatusIncident.kind == IncidentKind.INCIDENT.value,
                StatusIncident.status.not_in(CLOSED_STATUSES),
            )
        )
    ]
    shown = [{"status": row.status} for row in rows if not row.is_group]
    level = summary.indicator(shown, open_impacts)
    return {
        "id": page_id,
        "status_indicator": level,
        "status_description": summary.DESCRIPTIONS[level],
    }


def incident_json(
    session: Session,
    incident: StatusIncident,
    rows: Sequence[StatusComponent],
    page_id: str,
    base_url: str,
) -> dict[str, Any]:
    """The incident (or maintenance) as /api/v2/incidents.json shows it."""
    by_id = {row.id: row for row in rows}
    affected = set(
        session.scalars(
            select(StatusIncidentComponent.component_id).where(
                StatusIncidentComponent.incident_id == incident.id
            )
        )
    )
    # The component as summary.json shows it, built by summary.json's own builder.
    components = [summary.component_json(row, by_id, page_id) for row in rows if row.id in affected]
    updates = session.scalars(
        select(StatusIncidentUpdate)
        .where(StatusIncidentUpdate.incident_id == incident.id)
        .order_by(StatusIncidentUpdate.display_at, StatusIncidentUpdate.id)
    ).all()
    by_key = {row.key: row for row in rows}
    return summary.incident_json(incident, updates, components, by_key, page_id, base_url)


def body(
    session: Session,
    incident: StatusIncident,
    *,
    event: str,
    base_url: str,
    unsubscribe_url: str,
    now: datetime,
) -> bytes:
    rows = ComponentRepository(session).all()
    page = page_state(session, rows)
    document = {
        "meta": {
            "unsubscribe": unsubscribe_url,
            "documentation": f"{base_url}/status",
            "event": event,
            "generated_at": summary.iso(now),
        },
        "page": page,
        "incident": incident_json(session, incident, rows, page["id"], base_url),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def headers(secret: str, content: bytes, event: str, now: datetime) -> dict[str, str]:
    return {
        "Content-Type": CONTENT_TYPE,
        "Pointage-Event": event,
        signature.HEADER: signature.header_value([secret], content, int(now.timestamp())),
    }
