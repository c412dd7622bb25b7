"""Incidents of the status page: opened by an operator (or as a draft by a probe), told
through a timeline of updates (investigating -> identified -> monitoring -> resolved, any move
forward or back except out of resolved), resolved, and completed by a postmortem.

Timestamps follow Statuspage: `updated_at` at every update, `monitoring_at` when the incident
goes to monitoring, `resolved_at` when it is resolved; publishing a postmortem puts it in the
status `postmortem`. The components' states an update tells (`affected`) are what the operator
says of them; the components' own state stays what the probes (or an override) say.

Every change is audited, and its news fanned out to the subscribers in the same transaction
(pointage.status.fanout), drafts excepted: a draft is not public until it is published.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.core.errors import InvalidInput, NotFound
from pointage.status import catalogue
from pointage.status.fanout import Event, fan_out
from pointage.status.ids import new_public_id
from pointage.status.models import (
    StatusComponent,
    StatusIncident,
    StatusIncidentComponent,
    StatusIncidentUpdate,
    StatusNotification,
)
from pointage.status.vocabulary import (
    CLOSED_STATUSES,
    INCIDENT_STATUSES,
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentStatus,
)

MAX_NAME = 200
MAX_BODY = 10_000
MAX_POSTMORTEM = 50_000
MAX_ACTOR = 200
INCIDENT_IMPACTS = (Impact.NONE, Impact.MINOR, Impact.MAJOR, Impact.CRITICAL)
# The statuses an incident may be opened in (resolved needs an incident first).
OPENING_STATUSES = (
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
)
# What an update may tell of a component (under maintenance is the maintenance's own word).
COMPONENT_STATES = (
    ComponentStatus.OPERATIONAL,
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.MAJOR_OUTAGE,
    ComponentStatus.UNDER_MAINTENANCE,
)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


# --- validation -------------------------------------------------------------------------------


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"a name of 1 to {MAX_NAME} characters is required", param="name")
    return name


def clean_body(body: str, param: str = "body", limit: int = MAX_BODY) -> str:
    body = (body or "").strip()
    if not body or len(body) > limit:
        raise InvalidInput(f"a message of 1 to {limit} characters is required", param=param)
    return body


def clean_impact(impact: str) -> Impact:
    if impact not in {i.value for i in INCIDENT_IMPACTS}:
        raise InvalidInput(
            "the impact must be one of " + ", ".join(i.value for i in INCIDENT_IMPACTS),
            param="impact",
        )
    return Impact(impact)


def clean_component_states(
    states: Mapping[str, str] | None, param: str = "components"
) -> dict[str, str]:
    """{component key: status}, every key a component of the catalogue (not a group)."""
    cleaned: dict[str, str] = {}
    for key, status in (states or {}).items():
        if key not in catalogue.KEYS:
            raise InvalidInput(f"there is no component {key!r}", param=param)
        if status not in {s.value for s in COMPONENT_STATES}:
            raise InvalidInput(
                f"the state of {key!r} must be one of "
                + ", ".join(s.value for s in COMPONENT_STATES),
                param=param,
            )
        cleaned[key] = str(status)
    return cleaned


def clean_component_keys(keys: Sequence[str], param: str = "components") -> list[str]:
    cleaned: list[str] = []
    for key in keys:
        if key not in catalogue.KEYS:
            raise InvalidInput(f"there is no component {key!r}", param=param)
        if key not in cleaned:
            cleaned.append(key)
    return cleaned


def _status(value: str, allowed: Sequence[IncidentStatus]) -> IncidentStatus:
    if value not in {s.value for s in allowed}:
        raise InvalidInput(
            "the status must be one of " + ", ".join(s.value for s in allowed), param="status"
        )
    return IncidentStatus(value)


# --- reading ----------------------------------------------------------------------------------


def get_incident(
    session: Session, public_id: str, kind: IncidentKind | None = None
) -> StatusIncident:
    incident = session.scalars(
        select(StatusIncident).where(StatusIncident.public_id == public_id)
    ).one_or_none()
    if incident is None or (kind is not None and incident.kind != kind):
        raise NotFound(f"no incident {public_id!r}")
    return incident


def list_incidents(
    session: Session,
    kind: IncidentKind = IncidentKind.INCIDENT,
    *,
    include_drafts: bool = True,
    open_only: bool = False,
    limit: int = 100,
) -> Sequence[StatusIncident]:
    """Newest first (for maintenance: by its window)."""
    query = select(StatusIncident).where(StatusIncident.kind == kind)
    if not include_drafts:
        query = query.where(StatusIncident.draft.is_(False))
    if open_only:
        query = query.where(StatusIncident.status.not_in([s.value for s in CLOSED_STATUSES]))
    first = (
        StatusIncident.scheduled_for
        if kind == IncidentKind.MAINTENANCE
        else StatusIncident.created_at
    )
    query = query.order_by(first.desc(), StatusIncident.id.desc())
    return session.scalars(query.limit(limit)).all()


def updates_of(session: Session, incident: StatusIncident) -> Sequence[StatusIncidentUpdate]:
    """The timeline, newest first (as Statuspage lists it)."""
    return session.scalars(
        select(StatusIncidentUpdate)
        .where(StatusIncidentUpdate.incident_id == incident.id)
        .order_by(StatusIncidentUpdate.created_at.desc(), StatusIncidentUpdate.id.desc())
    ).all()


def components_of(session: Session, incident: StatusIncident) -> Sequence[StatusComponent]:
    return session.scalars(
        select(StatusComponent)
        .join(StatusIncidentComponent, StatusIncidentComponent.component_id == StatusComponent.id)
        .where(StatusIncidentComponent.incident_id == incident.id)
        .order_by(StatusComponent.position)
    ).all()


# --- the shared core of incidents and maintenance ---------------------------------------------


def new_record(
    session: Session,
    *,
    kind: IncidentKind,
    name: str,
    status: IncidentStatus,
    impact: Impact,
    component_keys: Sequence[str],
    actor: str,
    now: datetime,
    draft: bool = False,
    scheduled_for: datetime | None = None,
    scheduled_until: datetime | None = None,
) -> StatusIncident:
    incident = StatusIncident(
        public_id=new_public_id(),
        kind=kind.value,
        name=name,
        status=status.value,
        impact=impact.value,
        draft=draft,
        created_at=now,
        updated_at=now,
        started_at=now if kind == IncidentKind.INCIDENT else None,
        monitoring_at=now if status == IncidentStatus.MONITORING else None,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        created_by=actor[:MAX_ACTOR],
    )
    session.add(incident)
    session.flush()
    set_components(session, incident, component_keys)
    return incident


def set_components(session: Session, incident: StatusIncident, keys: Sequence[str]) -> None:
    """The components the incident affects become `keys` (added to, never emptied by an
    update that names none)."""
    if not keys:
        return
    rows = session.execute(
        select(StatusComponent.key, StatusComponent.id).where(StatusComponent.key.in_(keys))
    )
    ids: dict[str, int] = {key: component_id for key, component_id in rows}
    missing = [key for key in keys if key not in ids]
    if missing:
        raise InvalidInput(f"there is no component {missing[0]!r}", param="components")
    present = set(
        session.scalars(
            select(StatusIncidentComponent.component_id).where(
                StatusIncidentComponent.incident_id == incident.id
            )
        )
    )
    for key in keys:
        if ids[key] not in present:
            session.add(StatusIncidentComponent(incident_id=incident.id, component_id=ids[key]))
    session.flush()


def add_update(
    session: Session,
    incident: StatusIncident,
    *,
    status: IncidentStatus,
    body: str,
    affected: Mapping[str, str] | None,
    actor: str,
    now: datetime,
) -> StatusIncidentUpdate:
    """One step of the timeline; the incident takes its status and Statuspage's times."""
    update = StatusIncidentUpdate(
        public_id=new_public_id(),
        incident_id=incident.id,
        status=status.value,
        body=body,
        affected=dict(affected) if affected else None,
        created_at=now,
        display_at=now,
        created_by=actor[:MAX_ACTOR],
    )
    session.add(update)
    incident.status = status.value
    incident.updated_at = now
    if status == IncidentStatus.MONITORING:
        incident.monitoring_at = now
    elif status in (IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED):
        incident.monitoring_at = None
    if status in (IncidentStatus.RESOLVED, IncidentStatus.COMPLETED):
        incident.resolved_at = now
    if status == IncidentStatus.IN_PROGRESS and incident.started_at is None:
        incident.started_at = now
    session.flush()
    return update


# --- incidents --------------------------------------------------------------------------------


def create_incident(
    session: Session,
    *,
    name: str,
    impact: str,
    components: Mapping[str, str] | None,
    body: str,
    actor: str,
    status: str = IncidentStatus.INVESTIGATING.value,
    draft: bool = False,
    now: datetime | None = None,
) -> StatusIncident:
    """Open an incident with its first update; subscribers are told unless it is a draft."""
    now = _now(now)
    name = clean_name(name)
    impact_value = clean_impact(impact)
    states = clean_component_states(components)
    body = clean_body(body)
    opening = _status(status, OPENING_STATUSES)
    incident = new_record(
        session,
        kind=IncidentKind.INCIDENT,
        name=name,
        status=opening,
        impact=impact_value,
        component_keys=list(states),
        actor=actor,
        now=now,
        draft=draft,
    )
    update = add_update(
        session, incident, status=opening, body=body, affected=states, actor=actor, now=now
    )
    record(
        session,
        actor,
        "status.incident_created",
        "status_incident",
        incident.public_id,
        detail={"name": name, "impact": impact_value.value, "draft": draft},
    )
    fan_out(session, Event.INCIDENT_CREATED, incident, update, now)
    return incident


def post_update(
    session: Session,
    incident: StatusIncident,
    *,
    status: str,
    body: str,
    components: Mapping[str, str] | None = None,
    impact: str | None = None,
    actor: str,
    now: datetime | None = None,
) -> StatusIncidentUpdate:
    """A new step of an incident's timeline. Any move between investigating, identified,
    monitoring and resolved is allowed, none out of resolved (or its postmortem)."""
    now = _now(now)
    if incident.kind != IncidentKind.INCIDENT:
        raise InvalidInput("this is a scheduled maintenance, not an incident", param="status")
    if incident.status in CLOSED_STATUSES:
        raise InvalidInput("a resolved incident takes no more updates", param="status")
    new_status = _status(status, INCIDENT_STATUSES)
    body = clean_body(body)
    states = clean_component_states(components)
    if impact is not None:
        incident.impact = clean_impact(impact).value
    set_components(session, incident, list(states))
    update = add_update(
        session, incident, status=new_status, body=body, affected=states, actor=actor, now=now
    )
    resolved = new_status == IncidentStatus.RESOLVED
    record(
        session,
        actor,
        "status.incident_resolved" if resolved else "status.incident_updated",
        "status_incident",
        incident.public_id,
        detail={"status": new_status.value},
    )
    fan_out(
        session,
        Event.INCIDENT_RESOLVED if resolved else Event.INCIDENT_UPDATED,
        incident,
        update,
        now,
    )
    return update


def resolve(
    session: Session,
    incident: StatusIncident,
    *,
    body: str,
    components: Mapping[str, str] | None = None,
    actor: str,
    now: datetime | None = None,
) -> StatusIncidentUpdate:
    return post_update(
        session,
        incident,
        status=IncidentStatus.RESOLVED.value,
        body=body,
        components=components,
        actor=actor,
        now=now,
    )


def write_postmortem(
    session: Session,
    incident: StatusIncident,
    *,
    body: str,
    publish: bool,
    actor: str,
    now: datetime | None = None,
) -> StatusIncident:
    """The postmortem of a resolved incident: saved, and once published shown on the page,
    the incident then in the status `postmortem` (as Statuspage does)."""
    now = _now(now)
    if incident.kind != IncidentKind.INCIDENT:
        raise InvalidInput("a scheduled maintenance has no postmortem", param="postmortem")
    if incident.status not in (IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM):
        raise InvalidInput(
            "a postmortem is written once the incident is resolved", param="postmortem"
        )
    incident.postmortem_body = clean_body(body, "postmortem", MAX_POSTMORTEM)
    incident.updated_at = now
    if publish:
        incident.status = IncidentStatus.POSTMORTEM.value
        incident.postmortem_published_at = incident.postmortem_published_at or now
    record(
        session,
        actor,
        "status.postmortem_published" if publish else "status.postmortem_saved",
        "status_incident",
        incident.public_id,
    )
    session.flush()
    return incident


def publish_draft(
    session: Session, incident: StatusIncident, *, actor: str, now: datetime | None = None
) -> StatusIncident:
    """A draft (opened by a probe) becomes public; subscribers are told of it."""
    now = _now(now)
    if not incident.draft:
        raise InvalidInput("this incident is already published", param="draft")
    incident.draft = False
    incident.updated_at = now
    latest = updates_of(session, incident)
    record(session, actor, "status.draft_published", "status_incident", incident.public_id)
    event = (
        Event.INCIDENT_RESOLVED if incident.status in CLOSED_STATUSES else Event.INCIDENT_CREATED
    )
    fan_out(session, event, incident, latest[0] if latest else None, now)
    session.flush()
    return incident


def delete_draft(session: Session, incident: StatusIncident, *, actor: str) -> None:
    """A draft that was a false alarm goes, with its timeline; a published incident stays."""
    if not incident.draft:
        raise InvalidInput("only a draft can be deleted", param="draft")
    record(
        session,
        actor,
        "status.draft_deleted",
        "status_incident",
        incident.public_id,
        detail={"name": incident.name},
    )
    for table in (StatusNotification, StatusIncidentUpdate, StatusIncidentComponent):
        session.execute(delete(table).where(table.incident_id == incident.id))
    session.delete(incident)
    session.flush()
