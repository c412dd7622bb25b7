"""Components and their state: created from the catalogue, moved by the probes, overridden by
an operator for a while. Every change of the state the page shows is recorded
(StatusComponentChange), which is what uptime is computed from.

A component shows its override while one holds, else what its probes last said. The probes
keep writing `probe_status` during an override, so that the page returns to the truth the
moment the override ends.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.core.errors import InvalidInput, NotFound
from pointage.status import catalogue
from pointage.status.ids import new_public_id
from pointage.status.models import StatusComponent, StatusComponentChange
from pointage.status.repository import ComponentRepository
from pointage.status.vocabulary import ChangeSource, ComponentStatus

MAX_OVERRIDE_REASON = 500


def ensure_components(session: Session, now: datetime | None = None) -> dict[str, StatusComponent]:
    """The catalogue's components and groups, created when missing (idempotent: run at
    start-up, by the probes and by the demo). Names and order follow the catalogue."""
    now = now or datetime.now(UTC)
    repo = ComponentRepository(session)
    existing = repo.by_keys()
    for position, spec in enumerate(catalogue.ALL):
        component = existing.get(spec.key)
        if component is None:
            component = StatusComponent(
                public_id=new_public_id(),
                key=spec.key,
                name=spec.name,
                description=spec.description,
                position=position,
                is_group=spec.group is None,
                status=ComponentStatus.OPERATIONAL,
                probe_status=ComponentStatus.OPERATIONAL,
                created_at=now,
                updated_at=now,
            )
            session.add(component)
            existing[spec.key] = component
            if spec.group is not None:
                session.flush()
                session.add(
                    StatusComponentChange(
                        component_id=component.id,
                        status=ComponentStatus.OPERATIONAL,
                        source=ChangeSource.PROBE,
                        reason="component created",
                        changed_at=now,
                    )
                )
        component.name = spec.name
        component.description = spec.description
        component.position = position
    session.flush()
    for spec in catalogue.COMPONENTS:
        existing[spec.key].group_id = existing[spec.group].id if spec.group else None
    session.flush()
    return existing


def set_probe_status(
    session: Session,
    component: StatusComponent,
    status: ComponentStatus,
    now: datetime,
    *,
    reason: str | None = None,
) -> bool:
    """What the probes say of the component now; True when the state shown changed."""
    component.probe_status = status
    if component.override_status is not None:
        return False
    return _show(session, component, status, ChangeSource.PROBE, now, reason)


def set_override(
    session: Session,
    key: str,
    status: ComponentStatus,
    until: datetime,
    reason: str,
    *,
    actor: str,
    now: datetime | None = None,
) -> StatusComponent:
    """An operator says the component is in `status` until `until`, whatever the probes say
    (a known problem the probes cannot see, or a false alarm)."""
    now = now or datetime.now(UTC)
    component = _component(session, key)
    if until <= now:
        raise InvalidInput("the override must end in the future", param="until")
    reason = reason.strip()
    if not reason or len(reason) > MAX_OVERRIDE_REASON:
        raise InvalidInput(
            f"a reason of 1 to {MAX_OVERRIDE_REASON} characters is required", param="reason"
        )
    component.override_status = status
    component.override_until = until
    component.override_reason = reason
    component.override_by = actor
    _show(session, component, status, ChangeSource.OVERRIDE, now, reason)
    record(
        session,
        actor,
        "status.component_overridden",
        "status_component",
        component.id,
        detail={"status": status.value, "until": until.isoformat(), "reason": reason},
    )
    return component


def lift_override(
    session: Session, key: str, *, actor: str, now: datetime | None = None
) -> StatusComponent:
    now = now or datetime.now(UTC)
    component = _component(session, key)
    if component.override_status is not None:
        _end_override(session, component, now, f"lifted by {actor}")
        record(session, actor, "status.override_lifted", "status_component", component.id)
    return component


def end_expired_overrides(session: Session, now: datetime) -> list[StatusComponent]:
    """Overrides whose time is over give the state back to the probes (each probe round)."""
    ended = list(ComponentRepository(session).with_expired_override(now))
    for component in ended:
        _end_override(session, component, now, "override expired")
    return ended


def _end_override(session: Session, component: StatusComponent, now: datetime, why: str) -> None:
    component.override_status = None
    component.override_until = None
    component.override_reason = None
    component.override_by = None
    _show(
        session,
        component,
        ComponentStatus(component.probe_status),
        ChangeSource.OVERRIDE_ENDED,
        now,
        why,
    )


def _show(
    session: Session,
    component: StatusComponent,
    status: ComponentStatus,
    source: ChangeSource,
    now: datetime,
    reason: str | None,
) -> bool:
    if component.status == status:
        return False
    component.status = status
    component.updated_at = now
    session.add(
        StatusComponentChange(
            component_id=component.id,
            status=status,
            source=source,
            reason=reason[:500] if reason else None,
            changed_at=now,
        )
    )
    session.flush()
    return True


def _component(session: Session, key: str) -> StatusComponent:
    component = ComponentRepository(session).by_key(key)
    if component is None or component.is_group:
        raise NotFound(f"no component {key!r}")
    return component
