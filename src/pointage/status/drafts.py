"""Draft incidents opened by the probes: when a component goes to major outage and no incident
still open (or draft) covers it, a draft incident is opened on it (one per probe that read
the outage, on every component it took down), investigating, with a first
update saying what the probe read. A draft is not public and tells no subscriber: an operator
publishes it (or deletes a false alarm) from the back office."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.status.ids import new_public_id
from pointage.status.models import (
    StatusComponent,
    StatusIncident,
    StatusIncidentComponent,
    StatusIncidentUpdate,
)
from pointage.status.probes import FOLLOWS, Reading
from pointage.status.vocabulary import (
    CLOSED_STATUSES,
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentStatus,
)

ACTOR = "status-probes"
# Components whose loss stops everything: their draft is opened as critical.
CRITICAL = frozenset({"database", "api"})


def covered(session: Session, component_id: int) -> bool:
    """Whether an incident still open, draft or published, already covers the component."""
    query = (
        select(StatusIncident.id)
        .join(StatusIncidentComponent, StatusIncidentComponent.incident_id == StatusIncident.id)
        .where(
            StatusIncidentComponent.component_id == component_id,
            StatusIncident.kind == IncidentKind.INCIDENT.value,
            StatusIncident.status.not_in([s.value for s in CLOSED_STATUSES]),
        )
        .limit(1)
    )
    return session.scalar(query) is not None


def open_drafts(
    session: Session,
    components: dict[str, StatusComponent],
    gone_major: Sequence[str],
    readings: Sequence[Reading],
    now: datetime,
) -> list[str]:
    """Drafts for the components of `gone_major` that no open incident covers: one per probe
    that put them in major outage, named for the probe's component and linked to every
    component it took down (the database's round trip: the database, the notifications and
    the statement imports). Their public ids."""
    left = [key for key in gone_major if not covered(session, components[key].id)]
    opened = []
    for item in readings:
        if item.status != ComponentStatus.MAJOR_OUTAGE:
            continue
        targets = [key for key in left if item.probe in FOLLOWS[key]]
        if not targets:
            continue
        left = [key for key in left if key not in targets]
        owner = components[item.component_key]
        affected = [components[key] for key in targets]
        opened.append(_open(session, owner, affected, readings, now).public_id)
    return opened


def _open(
    session: Session,
    owner: StatusComponent,
    affected: Sequence[StatusComponent],
    readings: Sequence[Reading],
    now: datetime,
) -> StatusIncident:
    critical = any(component.key in CRITICAL for component in affected)
    incident = StatusIncident(
        public_id=new_public_id(),
        kind=IncidentKind.INCIDENT.value,
        name=f"{owner.name}: major outage detected"[:200],
        status=IncidentStatus.INVESTIGATING.value,
        impact=(Impact.CRITICAL if critical else Impact.MAJOR).value,
        draft=True,
        created_at=now,
        updated_at=now,
        started_at=now,
        created_by=ACTOR,
    )
    session.add(incident)
    session.flush()
    for component in affected:
        session.add(StatusIncidentComponent(incident_id=incident.id, component_id=component.id))
    session.add(
        StatusIncidentUpdate(
            public_id=new_public_id(),
            incident_id=incident.id,
            status=IncidentStatus.INVESTIGATING.value,
            body=_body(affected, readings),
            affected={c.key: ComponentStatus.MAJOR_OUTAGE.value for c in affected},
            created_at=now,
            display_at=now,
            created_by=ACTOR,
        )
    )
    session.flush()
    record(
        session,
        ACTOR,
        "status.draft_opened",
        "status_incident",
        incident.public_id,
        detail={"components": [c.key for c in affected]},
    )
    return incident


def _body(affected: Sequence[StatusComponent], readings: Sequence[Reading]) -> str:
    names = ", ".join(component.name for component in affected)
    lines = [f"The automatic probes found in major outage: {names}."]
    probes = {probe for component in affected for probe in FOLLOWS[component.key]}
    for item in readings:
        if item.probe in probes and item.status == ComponentStatus.MAJOR_OUTAGE:
            value = "no reading" if item.value is None else f"{item.value:g} {item.unit or ''}"
            lines.append(f"- {item.probe}: {value.strip()} ({item.detail})")
    return "\n".join(lines)
