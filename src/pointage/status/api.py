"""The operators' API of the status page under /v1/status/: incidents, scheduled
maintenance, their updates and postmortems, component overrides.

Authenticated with an operator token ("pso_…") as a Bearer token: a shop's API key, a revoked
token or a user who is no longer an operator answers 401.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.orm import Session

from pointage.auth.models import User
from pointage.core.errors import AuthenticationFailed
from pointage.status import incidents, maintenance
from pointage.status.components import ensure_components, lift_override, set_override
from pointage.status.models import StatusIncident
from pointage.status.operators import authenticate
from pointage.status.repository import ComponentRepository
from pointage.status.schemas import (
    ComponentList,
    ComponentOut,
    IncidentIn,
    IncidentList,
    IncidentOut,
    MaintenanceIn,
    OverrideIn,
    PostmortemIn,
    UpdateIn,
)
from pointage.status.vocabulary import ComponentStatus, IncidentKind
from pointage.web.auth import BEARER
from pointage.web.deps import DbSession
from pointage.web.errors import problem_responses

router = APIRouter(tags=["status page operators"])

IncidentId = Annotated[
    str, Path(min_length=1, max_length=16, description="The incident's or maintenance's id")
]
ComponentKey = Annotated[str, Path(min_length=1, max_length=40, description="The component's key")]
Limit = Annotated[int, Query(ge=1, le=100, description="How many, newest first")]


def _operator(
    session: DbSession,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> User:
    if bearer is None:
        raise AuthenticationFailed("an operator token of the status page is required (Bearer)")
    return authenticate(session, bearer.credentials)


Operator = Annotated[User, Depends(_operator)]


def _actor(user: User) -> str:
    return f"api:{user.email}"


def _out(session: Session, incident: StatusIncident) -> IncidentOut:
    return IncidentOut.of(
        incident,
        incidents.components_of(session, incident),
        incidents.updates_of(session, incident),
    )


@router.get(
    "/v1/status/incidents",
    response_model=IncidentList,
    summary="List the status page's incidents",
    responses=problem_responses(401, 422),
)
def list_incidents(operator: Operator, session: DbSession, limit: Limit = 20) -> IncidentList:
    """The incidents, drafts included, newest first, each with its timeline."""
    del operator
    rows = incidents.list_incidents(session, IncidentKind.INCIDENT, limit=limit)
    return IncidentList(data=[_out(session, row) for row in rows])


@router.post(
    "/v1/status/incidents",
    response_model=IncidentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Open an incident on the status page",
    responses=problem_responses(401, 422),
)
def create_incident(body: IncidentIn, operator: Operator, session: DbSession) -> IncidentOut:
    """Opens a published incident with its first update; its subscribers are notified."""
    ensure_components(session)
    incident = incidents.create_incident(
        session,
        name=body.name,
        impact=body.impact,
        components=dict(body.components),
        body=body.body,
        status=body.status,
        actor=_actor(operator),
    )
    return _out(session, incident)


@router.get(
    "/v1/status/incidents/{incident_id}",
    response_model=IncidentOut,
    summary="Get an incident or a maintenance",
    responses=problem_responses(401, 404, 422),
)
def get_incident(incident_id: IncidentId, operator: Operator, session: DbSession) -> IncidentOut:
    """One incident or scheduled maintenance, with its components and timeline."""
    del operator
    return _out(session, incidents.get_incident(session, incident_id))


@router.post(
    "/v1/status/incidents/{incident_id}/updates",
    response_model=IncidentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Post an update of an incident or a maintenance",
    responses=problem_responses(401, 404, 422),
)
def post_update(
    incident_id: IncidentId, body: UpdateIn, operator: Operator, session: DbSession
) -> IncidentOut:
    """An incident moves between investigating, identified, monitoring and resolved (never
    out of resolved); a maintenance to in_progress, verifying or completed (early)."""
    incident = incidents.get_incident(session, incident_id)
    actor = _actor(operator)
    if incident.kind == IncidentKind.MAINTENANCE:
        if body.status == "completed":
            maintenance.complete(session, incident, body=body.body, actor=actor)
        else:
            maintenance.post_update(
                session, incident, status=body.status, body=body.body, actor=actor
            )
    else:
        incidents.post_update(
            session,
            incident,
            status=body.status,
            body=body.body,
            components=dict(body.components),
            impact=body.impact,
            actor=actor,
        )
    return _out(session, incident)


@router.put(
    "/v1/status/incidents/{incident_id}/postmortem",
    response_model=IncidentOut,
    summary="Write the postmortem of a resolved incident",
    responses=problem_responses(401, 404, 422),
)
def put_postmortem(
    incident_id: IncidentId, body: PostmortemIn, operator: Operator, session: DbSession
) -> IncidentOut:
    """Saves the postmortem; published, it is shown and the incident's status becomes
    postmortem."""
    incident = incidents.get_incident(session, incident_id)
    incidents.write_postmortem(
        session, incident, body=body.body, publish=body.publish, actor=_actor(operator)
    )
    return _out(session, incident)


@router.get(
    "/v1/status/maintenances",
    response_model=IncidentList,
    summary="List scheduled maintenance",
    responses=problem_responses(401, 422),
)
def list_maintenances(operator: Operator, session: DbSession, limit: Limit = 20) -> IncidentList:
    """Scheduled maintenance, latest window first, each with its timeline."""
    del operator
    rows = incidents.list_incidents(session, IncidentKind.MAINTENANCE, limit=limit)
    return IncidentList(data=[_out(session, row) for row in rows])


@router.post(
    "/v1/status/maintenances",
    response_model=IncidentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Schedule a maintenance",
    responses=problem_responses(401, 422),
)
def create_maintenance(body: MaintenanceIn, operator: Operator, session: DbSession) -> IncidentOut:
    """Announces a maintenance; it starts and completes by itself at its times, its
    components shown under maintenance meanwhile."""
    ensure_components(session)
    scheduled = maintenance.schedule(
        session,
        name=body.name,
        components=body.components,
        scheduled_for=body.scheduled_for,
        scheduled_until=body.scheduled_until,
        body=body.body,
        actor=_actor(operator),
    )
    return _out(session, scheduled)


@router.get(
    "/v1/status/components",
    response_model=ComponentList,
    summary="List the status page's components",
    responses=problem_responses(401),
)
def list_components(operator: Operator, session: DbSession) -> ComponentList:
    """Every component with the state shown, what the probes say and any override."""
    del operator
    ensure_components(session)
    rows = ComponentRepository(session).all()
    keys = {row.id: row.key for row in rows}
    return ComponentList(
        data=[
            ComponentOut.of(row, keys.get(row.group_id) if row.group_id else None)
            for row in rows
            if not row.is_group
        ]
    )


def _component_out(session: Session, key: str) -> ComponentOut:
    rows = ComponentRepository(session).by_keys()
    component = rows[key]
    groups = {row.id: row.key for row in rows.values()}
    return ComponentOut.of(component, groups.get(component.group_id or 0))


@router.put(
    "/v1/status/components/{key}/override",
    response_model=ComponentOut,
    summary="Override a component's state for a while",
    responses=problem_responses(401, 404, 422),
)
def put_override(
    key: ComponentKey, body: OverrideIn, operator: Operator, session: DbSession
) -> ComponentOut:
    """The component shows this state until `until`, whatever the probes say."""
    ensure_components(session)
    set_override(
        session,
        key,
        ComponentStatus(body.status),
        body.until.astimezone(UTC),
        body.reason,
        actor=_actor(operator),
        now=datetime.now(UTC),
    )
    return _component_out(session, key)


@router.delete(
    "/v1/status/components/{key}/override",
    response_model=ComponentOut,
    summary="Lift a component's override",
    responses=problem_responses(401, 404, 422),
)
def delete_override(key: ComponentKey, operator: Operator, session: DbSession) -> ComponentOut:
    """The component shows what the probes say again."""
    ensure_components(session)
    lift_override(session, key, actor=_actor(operator))
    return _component_out(session, key)
