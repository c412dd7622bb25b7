"""The whole public picture of the status page, built from the database as plain data (what
JSON can hold): the page, the components in their groups, the overall indicator, unresolved
incidents, upcoming and active maintenance, the recent incidents and the uptime.

The objects have Statuspage's field names and values (its public API v2), so that the JSON
answers are slices of this picture, the page is drawn from it, and a copy of it (the
snapshot, pointage.status.snapshot) answers while the database cannot be reached. Drafts are
never in it. Times are UTC, ISO 8601 with milliseconds and a "Z".
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pointage.status import catalogue, uptime
from pointage.status.models import (
    StatusComponent,
    StatusIncident,
    StatusIncidentComponent,
    StatusIncidentUpdate,
)
from pointage.status.repository import ComponentRepository
from pointage.status.vocabulary import (
    CLOSED_STATUSES,
    SEVERITY,
    ComponentStatus,
    IncidentKind,
    IncidentStatus,
    worst,
)

PAGE_NAME = "Pointage"
TIME_ZONE = "Etc/UTC"
RECENT_INCIDENTS = 50  # incidents.json: Statuspage's 50 most recent
Picture = dict[str, Any]

# Statuspage's overall indicator and its words.
INDICATORS = ("none", "minor", "major", "critical")
DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}
UNDER_MAINTENANCE = "Service Under Maintenance"
_COMPONENT_INDICATOR = {
    ComponentStatus.OPERATIONAL: "none",
    ComponentStatus.UNDER_MAINTENANCE: "none",
    ComponentStatus.DEGRADED_PERFORMANCE: "minor",
    ComponentStatus.PARTIAL_OUTAGE: "major",
    ComponentStatus.MAJOR_OUTAGE: "critical",
}
_IMPACT_INDICATOR = {"none": "none", "minor": "minor", "major": "major", "critical": "critical"}
ACTIVE_MAINTENANCE = (IncidentStatus.IN_PROGRESS, IncidentStatus.VERIFYING)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def stable_id(seed: str) -> str:
    """12 lower-case letters and digits derived from `seed` (Statuspage's id shape)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:10], "big")
    chars = []
    for _ in range(12):
        number, rest = divmod(number, 36)
        chars.append(alphabet[rest])
    return "".join(chars)


def indicator(components: Sequence[dict[str, Any]], incidents: Sequence[dict[str, Any]]) -> str:
    """The worst of the components' states and of the unresolved incidents' impacts."""
    found = ["none"]
    found += [_COMPONENT_INDICATOR.get(ComponentStatus(c["status"]), "none") for c in components]
    found += [_IMPACT_INDICATOR.get(i["impact"], "none") for i in incidents]
    return max(found, key=INDICATORS.index)


def overall_status(
    components: Sequence[dict[str, Any]],
    incidents: Sequence[dict[str, Any]],
    active_maintenance: Sequence[dict[str, Any]],
) -> dict[str, str]:
    level = indicator([c for c in components if not c["group"]], incidents)
    description = DESCRIPTIONS[level]
    maintained = active_maintenance or any(
        c["status"] == ComponentStatus.UNDER_MAINTENANCE for c in components
    )
    if level == "none" and maintained:
        description = UNDER_MAINTENANCE
    return {"indicator": level, "description": description}


def group_statuses(components: list[dict[str, Any]]) -> None:
    """A group shows the worst state of its components."""
    by_group: dict[str, list[ComponentStatus]] = defaultdict(list)
    for component in components:
        if component["group_id"] is not None:
            by_group[component["group_id"]].append(ComponentStatus(component["status"]))
    for component in components:
        if component["group"]:
            component["status"] = worst(by_group.get(component["id"], [])).value


def build(session: Session, base_url: str, now: datetime | None = None) -> Picture:
    """The picture now, from the database."""
    now = now or datetime.now(UTC)
    rows, component_of, page_id = _context(session)
    if not rows:
        return from_catalogue(base_url, now)
    components = list(component_of.values())
    group_statuses(components)

    incidents = _public_incidents(session, now)
    incident_json = _incidents_json(session, incidents, component_of, rows, page_id, base_url)
    unresolved = [
        incident_json[i.id]
        for i in incidents
        if i.kind == IncidentKind.INCIDENT and i.status not in CLOSED_STATUSES
    ]
    upcoming = [
        incident_json[i.id]
        for i in sorted(incidents, key=lambda i: i.scheduled_for or i.created_at)
        if i.kind == IncidentKind.MAINTENANCE and i.status == IncidentStatus.SCHEDULED
    ]
    active = [
        incident_json[i.id]
        for i in incidents
        if i.kind == IncidentKind.MAINTENANCE and i.status in ACTIVE_MAINTENANCE
    ]
    recent = [incident_json[i.id] for i in incidents[:RECENT_INCIDENTS]]
    updated = max(
        [row.updated_at for row in rows] + [i.updated_at for i in incidents[:1]],
        default=now,
    )
    return {
        "page": _page(page_id, base_url, updated),
        "status": overall_status(components, unresolved, active),
        "components": components,
        "incidents": unresolved,
        "upcoming": upcoming,
        "active": active,
        "recent": recent,
        "uptime": _uptime(session, rows, components, now),
        "known_at": iso(now),
        "database_reachable": True,
    }


def from_catalogue(base_url: str, now: datetime) -> Picture:
    """A picture with nothing known but the catalogue: every component operational, no
    incident (the database holds no component yet, or cannot be reached and no earlier
    picture was kept)."""
    page_id = stable_id("page:catalogue")
    ids = {spec.key: stable_id(f"component:{spec.key}") for spec in catalogue.ALL}
    components = []
    for position, spec in enumerate(catalogue.ALL, start=1):
        children = [ids[c.key] for c in catalogue.COMPONENTS if c.group == spec.key]
        item: dict[str, Any] = {
            "id": ids[spec.key],
            "name": spec.name,
            "status": ComponentStatus.OPERATIONAL.value,
            "created_at": iso(now),
            "updated_at": iso(now),
            "position": position,
            "description": spec.description,
            "showcase": spec.group is not None,
            "start_date": None,
            "group_id": ids[spec.group] if spec.group else None,
            "page_id": page_id,
            "group": spec.group is None,
            "only_show_if_degraded": False,
            "key": spec.key,
        }
        if spec.group is None:
            item["components"] = children
        components.append(item)
    return {
        "page": _page(page_id, base_url, now),
        "status": overall_status(components, [], []),
        "components": components,
        "incidents": [],
        "upcoming": [],
        "active": [],
        "recent": [],
        "uptime": {"days": [], "percent": None, "components": {}},
        "known_at": None,
        "database_reachable": True,
    }


def _page(page_id: str, base_url: str, updated: datetime) -> dict[str, Any]:
    return {
        "id": page_id,
        "name": PAGE_NAME,
        "url": f"{base_url}/status",
        "time_zone": TIME_ZONE,
        "updated_at": iso(updated),
    }


def component_json(
    row: StatusComponent, by_id: dict[int, StatusComponent], page_id: str
) -> dict[str, Any]:
    group = by_id.get(row.group_id) if row.group_id is not None else None
    item: dict[str, Any] = {
        "id": row.public_id,
        "name": row.name,
        "status": row.status,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "position": row.position + 1,
        "description": row.description,
        "showcase": not row.is_group,
        "start_date": row.created_at.date().isoformat(),
        "group_id": group.public_id if group is not None else None,
        "page_id": page_id,
        "group": row.is_group,
        "only_show_if_degraded": False,
        "key": row.key,  # ours: the catalogue's key, for the page and the probes
    }
    if row.is_group:
        item["components"] = [c.public_id for c in by_id.values() if c.group_id == row.id]
    return item


def _public_incidents(session: Session, now: datetime) -> list[StatusIncident]:
    """Every open incident or maintenance, and the recent closed ones (never a draft), the
    newest first."""
    open_ones = session.scalars(
        select(StatusIncident).where(
            StatusIncident.draft.is_(False), StatusIncident.status.not_in(CLOSED_STATUSES)
        )
    ).all()
    recent = session.scalars(
        select(StatusIncident)
        .where(StatusIncident.draft.is_(False))
        .order_by(StatusIncident.created_at.desc(), StatusIncident.id.desc())
        .limit(RECENT_INCIDENTS)
    ).all()
    seen: dict[int, StatusIncident] = {i.id: i for i in [*recent, *open_ones]}
    return sorted(seen.values(), key=lambda i: (i.created_at, i.id), reverse=True)


def _incidents_json(
    session: Session,
    incidents: Sequence[StatusIncident],
    component_of: dict[int, dict[str, Any]],
    rows: Sequence[StatusComponent],
    page_id: str,
    base_url: str,
) -> dict[int, dict[str, Any]]:
    ids = [i.id for i in incidents]
    if not ids:
        return {}
    affected: dict[int, list[int]] = defaultdict(list)
    for link in session.scalars(
        select(StatusIncidentComponent).where(StatusIncidentComponent.incident_id.in_(ids))
    ):
        affected[link.incident_id].append(link.component_id)
    updates: dict[int, list[StatusIncidentUpdate]] = defaultdict(list)
    for update in session.scalars(
        select(StatusIncidentUpdate)
        .where(StatusIncidentUpdate.incident_id.in_(ids))
        .order_by(StatusIncidentUpdate.display_at, StatusIncidentUpdate.id)
    ):
        updates[update.incident_id].append(update)
    by_key = {row.key: row for row in rows}
    result = {}
    for incident in incidents:
        components = sorted(
            (component_of[c] for c in affected[incident.id] if c in component_of),
            key=lambda c: c["position"],
        )
        result[incident.id] = incident_json(
            incident, updates[incident.id], components, by_key, page_id, base_url
        )
    return result


def incident_json(
    incident: StatusIncident,
    updates: Sequence[StatusIncidentUpdate],
    components: Sequence[dict[str, Any]],
    by_key: dict[str, StatusComponent],
    page_id: str,
    base_url: str,
) -> dict[str, Any]:
    """An incident or maintenance in Statuspage's shape (updates newest first)."""
    item: dict[str, Any] = {
        "id": incident.public_id,
        "name": incident.name,
        "status": incident.status,
        "created_at": iso(incident.created_at),
        "updated_at": iso(incident.updated_at),
        "monitoring_at": iso(incident.monitoring_at),
        "resolved_at": iso(incident.resolved_at),
        "impact": incident.impact,
        "shortlink": f"{base_url}/status/incidents/{incident.public_id}",
        "started_at": iso(incident.started_at or incident.created_at),
        "page_id": page_id,
        "incident_updates": _updates_json(incident, updates, by_key),
        "components": [{k: v for k, v in c.items() if k != "components"} for c in components],
    }
    if incident.kind == IncidentKind.MAINTENANCE:
        item.update(
            scheduled_for=iso(incident.scheduled_for),
            scheduled_until=iso(incident.scheduled_until),
            scheduled_remind_prior=False,
            scheduled_reminded_at=None,
            scheduled_auto_in_progress=True,
            scheduled_auto_completed=True,
        )
    # Ours (not Statuspage's): the kind and the postmortem, for the page and the feeds.
    item["kind"] = incident.kind
    item["postmortem_body"] = (
        incident.postmortem_body if incident.postmortem_published_at is not None else None
    )
    return item


def _updates_json(
    incident: StatusIncident,
    updates: Sequence[StatusIncidentUpdate],
    by_key: dict[str, StatusComponent],
) -> list[dict[str, Any]]:
    told: dict[str, str] = {}  # each component's state as told so far
    items = []
    for update in updates:  # oldest first, to know each component's previous state
        affected = None
        if update.affected:
            affected = []
            for key, new in update.affected.items():
                component = by_key.get(key)
                if component is None:
                    continue
                affected.append(
                    {
                        "code": component.public_id,
                        "name": component.name,
                        "old_status": told.get(key, ComponentStatus.OPERATIONAL.value),
                        "new_status": str(new),
                    }
                )
                told[key] = str(new)
        items.append(
            {
                "id": update.public_id,
                "status": update.status,
                "body": update.body,
                "incident_id": incident.public_id,
                "created_at": iso(update.created_at),
                "updated_at": iso(update.created_at),
                "display_at": iso(update.display_at),
                "affected_components": affected,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
        )
    items.reverse()
    return items


def _uptime(
    session: Session,
    rows: Sequence[StatusComponent],
    components: Sequence[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    since = now - timedelta(days=uptime.DAYS)
    keys = {row.id: row.key for row in rows}
    changes = [
        uptime.Change(keys[c.component_id], c.status, c.changed_at)
        for c in ComponentRepository(session).changes_since(since)
        if c.component_id in keys
    ]
    measured = [row.key for row in rows if not row.is_group]
    result = uptime.compute(measured, changes, _maintenance_windows(session, keys, since), now)
    public = {row.key: row.public_id for row in rows}
    return {
        "days": [d.isoformat() for d in result.days],
        "percent": result.percent,
        "components": {
            public[key]: {
                "percent": figures.percent,
                "days": [d.percent for d in figures.days],
            }
            for key, figures in result.components.items()
        },
    }


def _maintenance_windows(
    session: Session, keys: dict[int, str], since: datetime
) -> list[uptime.Window]:
    """Scheduled maintenance that started, from its start (in progress) to its completion
    (still going: up to now)."""
    started = (*ACTIVE_MAINTENANCE, IncidentStatus.COMPLETED)
    maintenances = session.scalars(
        select(StatusIncident).where(
            StatusIncident.kind == IncidentKind.MAINTENANCE,
            StatusIncident.draft.is_(False),
            StatusIncident.status.in_(started),
            or_(StatusIncident.resolved_at.is_(None), StatusIncident.resolved_at >= since),
        )
    ).all()
    if not maintenances:
        return []
    links: dict[int, set[str]] = defaultdict(set)
    for link in session.scalars(
        select(StatusIncidentComponent).where(
            StatusIncidentComponent.incident_id.in_([m.id for m in maintenances])
        )
    ):
        if link.component_id in keys:
            links[link.incident_id].add(keys[link.component_id])
    windows = []
    for maintenance in maintenances:
        start = maintenance.started_at or maintenance.scheduled_for
        if start is None or not links[maintenance.id]:
            continue
        end = maintenance.resolved_at
        if end is None and maintenance.status == IncidentStatus.COMPLETED:
            end = maintenance.scheduled_until or maintenance.updated_at
        windows.append(uptime.Window(frozenset(links[maintenance.id]), start, end))
    return windows


def severity(status: str) -> int:
    return SEVERITY[ComponentStatus(status)]


def _context(session: Session) -> tuple[list[StatusComponent], dict[int, dict[str, Any]], str]:
    rows = list(ComponentRepository(session).all())
    page_id = stable_id(f"page:{rows[0].public_id}") if rows else stable_id("page:catalogue")
    by_id = {row.id: row for row in rows}
    components = [component_json(row, by_id, page_id) for row in rows]
    return rows, {row.id: c for row, c in zip(rows, components, strict=True)}, page_id


def incident_by_public_id(session: Session, public_id: str, base_url: str) -> dict[str, Any] | None:
    """One public incident or maintenance with its timeline (None: none, or a draft)."""
    incident = session.scalars(
        select(StatusIncident).where(
            StatusIncident.public_id == public_id, StatusIncident.draft.is_(False)
        )
    ).one_or_none()
    if incident is None:
        return None
    rows, component_of, page_id = _context(session)
    return _incidents_json(session, [incident], component_of, rows, page_id, base_url)[incident.id]


def past_incidents(
    session: Session, base_url: str, offset: int, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """Public incidents and maintenance, the newest first, a page of them; and whether older
    ones follow."""
    incidents = list(
        session.scalars(
            select(StatusIncident)
            .where(StatusIncident.draft.is_(False))
            .order_by(StatusIncident.created_at.desc(), StatusIncident.id.desc())
            .offset(offset)
            .limit(limit + 1)
        )
    )
    more = len(incidents) > limit
    incidents = incidents[:limit]
    rows, component_of, page_id = _context(session)
    found = _incidents_json(session, incidents, component_of, rows, page_id, base_url)
    return [found[i.id] for i in incidents], more
