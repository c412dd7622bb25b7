"""Scheduled maintenance: announced with its window, moved on by itself - scheduled ->
in_progress at `scheduled_for`, in_progress or verifying -> completed at `scheduled_until` -
with an automatic update each time (advance_scheduled, called every probe round). An operator
may also post updates (in_progress, verifying), complete it early or cancel it before it starts.

While a maintenance is in progress its components show `under_maintenance` (a change with the
source `maintenance`), unless they are in a worse state or under an operator's override; the
probes keep writing what they see meanwhile, and the completion gives the components back to
them. The components held are marked by `override_by` = "maintenance:<public id>", which keeps
the probes from moving them during the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.core.errors import InvalidInput
from pointage.status.fanout import Event, fan_out
from pointage.status.incidents import (
    add_update,
    clean_body,
    clean_component_keys,
    clean_name,
    components_of,
    new_record,
    set_components,
)
from pointage.status.models import (
    StatusComponent,
    StatusComponentChange,
    StatusIncident,
    StatusIncidentComponent,
)
from pointage.status.vocabulary import (
    SEVERITY,
    ChangeSource,
    ComponentStatus,
    Impact,
    IncidentKind,
    IncidentStatus,
)

SYSTEM_ACTOR = "status-page"
STARTED_BODY = "The scheduled maintenance is in progress."
COMPLETED_BODY = "The scheduled maintenance has been completed."
CANCELLED_BODY = "The scheduled maintenance has been cancelled."
# What an operator may post on a maintenance (completion has its own action).
OPERATOR_STATUSES = (IncidentStatus.IN_PROGRESS, IncidentStatus.VERIFYING)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _marker(maintenance: StatusIncident) -> str:
    return f"maintenance:{maintenance.public_id}"


def schedule(
    session: Session,
    *,
    name: str,
    components: Sequence[str],
    scheduled_for: datetime,
    scheduled_until: datetime,
    body: str,
    actor: str,
    now: datetime | None = None,
) -> StatusIncident:
    """Announce a maintenance of `components` from `scheduled_for` to `scheduled_until`."""
    now = _now(now)
    name = clean_name(name)
    keys = clean_component_keys(components)
    if not keys:
        raise InvalidInput("choose at least one component", param="components")
    if scheduled_for.tzinfo is None or scheduled_until.tzinfo is None:
        raise InvalidInput("the times must say their time zone", param="scheduled_for")
    if scheduled_for <= now:
        raise InvalidInput("the maintenance must start in the future", param="scheduled_for")
    if scheduled_until <= scheduled_for:
        raise InvalidInput("the maintenance must end after it starts", param="scheduled_until")
    body = clean_body(body)
    maintenance = new_record(
        session,
        kind=IncidentKind.MAINTENANCE,
        name=name,
        status=IncidentStatus.SCHEDULED,
        impact=Impact.MAINTENANCE,
        component_keys=keys,
        actor=actor,
        now=now,
        scheduled_for=scheduled_for.astimezone(UTC),
        scheduled_until=scheduled_until.astimezone(UTC),
    )
    update = add_update(
        session,
        maintenance,
        status=IncidentStatus.SCHEDULED,
        body=body,
        affected={key: ComponentStatus.UNDER_MAINTENANCE.value for key in keys},
        actor=actor,
        now=now,
    )
    record(
        session,
        actor,
        "status.maintenance_scheduled",
        "status_incident",
        maintenance.public_id,
        detail={
            "name": name,
            "scheduled_for": maintenance.scheduled_for.isoformat()
            if maintenance.scheduled_for
            else None,
            "scheduled_until": maintenance.scheduled_until.isoformat()
            if maintenance.scheduled_until
            else None,
        },
    )
    fan_out(session, Event.MAINTENANCE_SCHEDULED, maintenance, update, now)
    return maintenance


def advance_scheduled(session: Session, now: datetime) -> list[StatusIncident]:
    """Move every due maintenance on: scheduled -> in_progress once `scheduled_for` is
    reached, in_progress/verifying -> completed once `scheduled_until` is (both in one call
    when a round came late). Returns the maintenances that moved."""
    due = session.scalars(
        select(StatusIncident)
        .where(
            StatusIncident.kind == IncidentKind.MAINTENANCE.value,
            StatusIncident.draft.is_(False),
            (
                (StatusIncident.status == IncidentStatus.SCHEDULED.value)
                & (StatusIncident.scheduled_for <= now)
            )
            | (
                StatusIncident.status.in_(
                    [IncidentStatus.IN_PROGRESS.value, IncidentStatus.VERIFYING.value]
                )
                & (StatusIncident.scheduled_until <= now)
            ),
        )
        .order_by(StatusIncident.scheduled_for, StatusIncident.id)
    ).all()
    moved: list[StatusIncident] = []
    for maintenance in due:
        if maintenance.status == IncidentStatus.SCHEDULED:
            _start(session, maintenance, STARTED_BODY, SYSTEM_ACTOR, now)
        if maintenance.scheduled_until is not None and maintenance.scheduled_until <= now:
            _complete(session, maintenance, COMPLETED_BODY, SYSTEM_ACTOR, now)
        moved.append(maintenance)
    return moved


def post_update(
    session: Session,
    maintenance: StatusIncident,
    *,
    status: str,
    body: str,
    actor: str,
    now: datetime | None = None,
) -> StatusIncident:
    """An operator's word on a maintenance: in_progress (starts it early) or verifying."""
    now = _now(now)
    _require_open(maintenance)
    if status not in {s.value for s in OPERATOR_STATUSES}:
        raise InvalidInput(
            "the status must be one of " + ", ".join(s.value for s in OPERATOR_STATUSES),
            param="status",
        )
    body = clean_body(body)
    target = IncidentStatus(status)
    if maintenance.status == IncidentStatus.SCHEDULED:
        if target == IncidentStatus.VERIFYING:
            raise InvalidInput("a maintenance is verified once it has started", param="status")
        _start(session, maintenance, body, actor, now)
        return maintenance
    update = add_update(
        session, maintenance, status=target, body=body, affected=None, actor=actor, now=now
    )
    record(
        session,
        actor,
        "status.maintenance_updated",
        "status_incident",
        maintenance.public_id,
        detail={"status": target.value},
    )
    # Subscribers are told when a maintenance starts and ends, not of its intermediate words.
    del update
    return maintenance


def complete(
    session: Session,
    maintenance: StatusIncident,
    *,
    body: str | None = None,
    actor: str,
    now: datetime | None = None,
) -> StatusIncident:
    """Complete a maintenance now, before its end time if need be; one that has not started
    is cancelled."""
    now = _now(now)
    _require_open(maintenance)
    if maintenance.status == IncidentStatus.SCHEDULED:
        # Never started: nothing was held, it is called off.
        return cancel(session, maintenance, body=body, actor=actor, now=now)
    text = clean_body(body) if body and body.strip() else COMPLETED_BODY
    _complete(session, maintenance, text, actor, now)
    return maintenance


def cancel(
    session: Session,
    maintenance: StatusIncident,
    *,
    body: str | None = None,
    actor: str,
    now: datetime | None = None,
) -> StatusIncident:
    """Call off a maintenance that has not started: completed without ever holding its
    components; subscribers are told."""
    now = _now(now)
    _require_open(maintenance)
    if maintenance.status != IncidentStatus.SCHEDULED:
        raise InvalidInput(
            "a maintenance that has started is completed, not cancelled", param="status"
        )
    text = clean_body(body) if body and body.strip() else CANCELLED_BODY
    update = add_update(
        session,
        maintenance,
        status=IncidentStatus.COMPLETED,
        body=text,
        affected=None,
        actor=actor,
        now=now,
    )
    record(session, actor, "status.maintenance_cancelled", "status_incident", maintenance.public_id)
    fan_out(session, Event.MAINTENANCE_COMPLETED, maintenance, update, now)
    return maintenance


def _require_open(maintenance: StatusIncident) -> None:
    if maintenance.kind != IncidentKind.MAINTENANCE:
        raise InvalidInput("this is an incident, not a scheduled maintenance", param="status")
    if maintenance.status == IncidentStatus.COMPLETED:
        raise InvalidInput("this maintenance is completed", param="status")


def _start(
    session: Session, maintenance: StatusIncident, body: str, actor: str, now: datetime
) -> None:
    held: dict[str, str] = {}
    for component in components_of(session, maintenance):
        if _hold(session, maintenance, component, now):
            held[component.key] = ComponentStatus.UNDER_MAINTENANCE.value
    update = add_update(
        session,
        maintenance,
        status=IncidentStatus.IN_PROGRESS,
        body=body,
        affected=held or None,
        actor=actor,
        now=now,
    )
    record(session, actor, "status.maintenance_started", "status_incident", maintenance.public_id)
    fan_out(session, Event.MAINTENANCE_STARTED, maintenance, update, now)


def _complete(
    session: Session, maintenance: StatusIncident, body: str, actor: str, now: datetime
) -> None:
    released: dict[str, str] = {}
    for component in components_of(session, maintenance):
        if component.override_by == _marker(maintenance):
            if not _pass_on(session, maintenance, component):
                _release(session, component, now, f"maintenance {maintenance.name} completed")
            released[component.key] = component.status
    update = add_update(
        session,
        maintenance,
        status=IncidentStatus.COMPLETED,
        body=body,
        affected=released or None,
        actor=actor,
        now=now,
    )
    record(session, actor, "status.maintenance_completed", "status_incident", maintenance.public_id)
    fan_out(session, Event.MAINTENANCE_COMPLETED, maintenance, update, now)


def _pass_on(session: Session, ended: StatusIncident, component: StatusComponent) -> bool:
    """Another maintenance still running on the component holds it in its turn (it stays
    under maintenance, no change recorded); False when there is none."""
    running = session.scalars(
        select(StatusIncident)
        .join(StatusIncidentComponent, StatusIncidentComponent.incident_id == StatusIncident.id)
        .where(
            StatusIncidentComponent.component_id == component.id,
            StatusIncident.kind == IncidentKind.MAINTENANCE.value,
            StatusIncident.id != ended.id,
            StatusIncident.status.in_(
                [IncidentStatus.IN_PROGRESS.value, IncidentStatus.VERIFYING.value]
            ),
        )
        .order_by(StatusIncident.scheduled_until.desc())
    ).first()
    if running is None:
        return False
    component.override_reason = f"maintenance {running.name}"[:500]
    component.override_by = _marker(running)
    return True


def _hold(
    session: Session, maintenance: StatusIncident, component: StatusComponent, now: datetime
) -> bool:
    """The component goes under maintenance unless an override holds it or it is worse."""
    if component.override_status is not None:
        return False
    current = ComponentStatus(component.status)
    if SEVERITY[current] > SEVERITY[ComponentStatus.UNDER_MAINTENANCE]:
        return False
    component.override_status = ComponentStatus.UNDER_MAINTENANCE.value
    # No end time: the completion releases it, not the expiry of overrides.
    component.override_until = None
    component.override_reason = f"maintenance {maintenance.name}"[:500]
    component.override_by = _marker(maintenance)
    _change(session, component, ComponentStatus.UNDER_MAINTENANCE, now, component.override_reason)
    return True


def _release(session: Session, component: StatusComponent, now: datetime, why: str) -> None:
    component.override_status = None
    component.override_until = None
    component.override_reason = None
    component.override_by = None
    _change(session, component, ComponentStatus(component.probe_status), now, why)


def _change(
    session: Session,
    component: StatusComponent,
    status: ComponentStatus,
    now: datetime,
    reason: str | None,
) -> None:
    if component.status == status:
        return
    component.status = status.value
    component.updated_at = now
    session.add(
        StatusComponentChange(
            component_id=component.id,
            status=status.value,
            source=ChangeSource.MAINTENANCE.value,
            reason=reason[:500] if reason else None,
            changed_at=now,
        )
    )
    session.flush()


def held_by(session: Session, maintenance: StatusIncident) -> list[str]:
    """The keys of the components this maintenance holds under maintenance now."""
    return [
        component.key
        for component in components_of(session, maintenance)
        if component.override_by == _marker(maintenance)
    ]


__all__ = [
    "advance_scheduled",
    "cancel",
    "complete",
    "held_by",
    "post_update",
    "schedule",
    "set_components",
]
