"""A status page with something to show, written straight into its tables: the catalogue's
components (the API in partial outage for a while), an unresolved incident with two
updates, a resolved one with a postmortem, a draft (never public), a maintenance in
progress and an upcoming one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from pointage.status.components import ensure_components, set_probe_status
from pointage.status.ids import new_public_id
from pointage.status.models import StatusIncident, StatusIncidentComponent, StatusIncidentUpdate
from pointage.status.vocabulary import ComponentStatus


@dataclass(frozen=True)
class Seeded:
    unresolved: str
    resolved: str
    draft: str
    active: str
    upcoming: str
    api: str  # public ids


def incident(
    session: Session,
    name: str,
    status: str,
    *,
    at: datetime,
    kind: str = "incident",
    impact: str = "minor",
    draft: bool = False,
    components: list[int] = (),  # type: ignore[assignment]
    updates: list[tuple[str, str, dict[str, str] | None]] = (),  # type: ignore[assignment]
    **values: object,
) -> StatusIncident:
    row = StatusIncident(
        public_id=new_public_id(),
        kind=kind,
        name=name,
        status=status,
        impact=impact,
        draft=draft,
        created_at=at,
        updated_at=at,
        created_by="ops@example.com",
        **values,
    )
    session.add(row)
    session.flush()
    for component_id in components:
        session.add(StatusIncidentComponent(incident_id=row.id, component_id=component_id))
    for n, (update_status, body, affected) in enumerate(updates):
        when = at + timedelta(minutes=10 * n)
        session.add(
            StatusIncidentUpdate(
                public_id=new_public_id(),
                incident_id=row.id,
                status=update_status,
                body=body,
                affected=affected,
                created_at=when,
                display_at=when,
                created_by="ops@example.com",
            )
        )
    session.flush()
    return row


def seed(factory: sessionmaker[Session], now: datetime) -> Seeded:
    with factory() as session, session.begin():
        components = ensure_components(session, now - timedelta(days=120))
        api = components["api"]
        set_probe_status(session, api, ComponentStatus.PARTIAL_OUTAGE, now - timedelta(hours=2))
        unresolved = incident(
            session,
            "Slow answers from the API",
            "identified",
            at=now - timedelta(hours=2),
            components=[api.id],
            updates=[
                (
                    "investigating",
                    "We are looking into slow answers.",
                    {"api": "degraded_performance"},
                ),
                ("identified", "A database index is missing.", {"api": "partial_outage"}),
            ],
        )
        resolved = incident(
            session,
            "Reports delivered late",
            "resolved",
            at=now - timedelta(days=3),
            impact="major",
            components=[components["report_delivery"].id],
            updates=[
                ("investigating", "Reports are late.", None),
                ("resolved", "All reports were delivered.", None),
            ],
            resolved_at=now - timedelta(days=3) + timedelta(minutes=10),
            postmortem_body="A full disk stopped the delivery.",
            postmortem_published_at=now - timedelta(days=2),
        )
        draft = incident(
            session,
            "Probe says the IPN is down",
            "investigating",
            at=now - timedelta(minutes=5),
            impact="critical",
            draft=True,
            components=[components["ipn"].id],
        )
        active = incident(
            session,
            "Database upgrade",
            "in_progress",
            kind="maintenance",
            impact="maintenance",
            at=now - timedelta(days=1),
            components=[components["statement_import"].id],
            updates=[("in_progress", "The upgrade has started.", None)],
            scheduled_for=now - timedelta(minutes=30),
            scheduled_until=now + timedelta(minutes=30),
            started_at=now - timedelta(minutes=30),
        )
        upcoming = incident(
            session,
            "Network maintenance",
            "scheduled",
            kind="maintenance",
            impact="maintenance",
            at=now - timedelta(hours=1),
            components=[components["ipn"].id],
            updates=[("scheduled", "The network will be upgraded.", None)],
            scheduled_for=now + timedelta(days=2),
            scheduled_until=now + timedelta(days=2, hours=2),
        )
        return Seeded(
            unresolved.public_id,
            resolved.public_id,
            draft.public_id,
            active.public_id,
            upcoming.public_id,
            api.public_id,
        )
