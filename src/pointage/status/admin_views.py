"""The status page's administration in the back office, for operators: incidents and scheduled
maintenance with their updates, component overrides.

Pages under /status-admin, for users marked operator (anyone else: the 403 page). Every action
is a POST with the session's CSRF token; the destructive ones (resolve, delete or publish a
draft, complete or cancel a maintenance, lift an override) first show a confirmation page.
A refused input is shown next to its field, nothing changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Form, Path, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.auth.models import User
from pointage.core.errors import InvalidInput, NotFound
from pointage.status import catalogue, incidents, maintenance
from pointage.status.components import ensure_components, lift_override, set_override
from pointage.status.models import StatusIncident, StatusProbeReading
from pointage.status.operators import require_operator
from pointage.status.repository import ComponentRepository
from pointage.status.vocabulary import (
    CLOSED_STATUSES,
    ComponentStatus,
    IncidentKind,
    IncidentStatus,
)
from pointage.web.backoffice import CurrentUser, gettext_for, page_router, render
from pointage.web.deps import DbSession
from pointage.web.i18n import N_
from pointage.web.session import flash
from pointage.web.templating import redirect

router = page_router()

BASE = "/status-admin"
CONFIRMED = "yes"
Text = Annotated[str, Form(max_length=60_000)]
Short = Annotated[str, Form(max_length=300)]
Keys = Annotated[list[str], Form(max_length=20)]
IncidentId = Annotated[str, Path(min_length=1, max_length=16)]
ComponentKey = Annotated[str, Path(min_length=1, max_length=40)]

STATUS_LABELS = {
    "operational": N_("Operational"),
    "degraded_performance": N_("Degraded performance"),
    "partial_outage": N_("Partial outage"),
    "major_outage": N_("Major outage"),
    "under_maintenance": N_("Under maintenance"),
}
INCIDENT_STATUS_LABELS = {
    "investigating": N_("Investigating"),
    "identified": N_("Identified"),
    "monitoring": N_("Monitoring"),
    "resolved": N_("Resolved"),
    "postmortem": N_("Postmortem"),
    "scheduled": N_("Scheduled"),
    "in_progress": N_("In progress"),
    "verifying": N_("Verifying"),
    "completed": N_("Completed"),
}
IMPACT_LABELS = {
    "none": N_("None"),
    "minor": N_("Minor"),
    "major": N_("Major"),
    "critical": N_("Critical"),
    "maintenance": N_("Maintenance"),
}
# The message shown next to a field the services refused (InvalidInput.param).
FIELD_ERRORS = {
    "name": N_("Give a name of 1 to 200 characters."),
    "impact": N_("Choose an impact."),
    "components": N_("Choose components of the list."),
    "body": N_("Write a message of 1 to 10,000 characters."),
    "status": N_("This status cannot follow the current one."),
    "postmortem": N_("A postmortem of 1 to 50,000 characters, once the incident is resolved."),
    "scheduled_for": N_("Give a start in the future (UTC)."),
    "scheduled_until": N_("Give an end after the start (UTC)."),
    "until": N_("Give an end in the future (UTC)."),
    "reason": N_("Give a reason of 1 to 500 characters."),
    "draft": N_("This action does not apply to this incident any more."),
}


def _operator(user: CurrentUser) -> User:
    return require_operator(user)  # PermissionDenied: the 403 page


Operator = Annotated[User, Depends(_operator)]


def _flash(request: Request, message: str) -> None:
    flash(request, gettext_for(request)(message))


def _actor(user: User) -> str:
    return f"user:{user.email}"


def _labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "incident_status_labels": INCIDENT_STATUS_LABELS,
        "impact_labels": IMPACT_LABELS,
        "field_errors": FIELD_ERRORS,
        "component_specs": catalogue.COMPONENTS,
        "base": BASE,
    }


def _errors(error: InvalidInput) -> dict[str, str]:
    return {error.param if error.param in FIELD_ERRORS else "body": error.param or "body"}


def _parse_time(value: str, param: str) -> datetime:
    """A datetime-local field, read as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("not a date and time", param=param) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _incident(session: Session, incident_id: str) -> StatusIncident:
    try:
        return incidents.get_incident(session, incident_id)
    except NotFound:
        raise NotFound("no such incident", param="incident_id") from None


def _confirm(
    request: Request,
    *,
    title: str,
    question: str,
    action: str,
    button: str,
    cancel: str,
    fields: Mapping[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "status/admin_confirm.html",
        {
            "title": title,
            "question": question,
            "action": action,
            "button": button,
            "cancel": cancel,
            "fields": dict(fields or {}),
        },
    )


# -- the overview --------------------------------------------------------------------------


def _overview(
    request: Request,
    session: Session,
    *,
    override_form: Mapping[str, str] | None = None,
    override_errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    ensure_components(session)
    components = [c for c in ComponentRepository(session).all() if not c.is_group]
    readings = session.scalars(
        select(StatusProbeReading).order_by(
            StatusProbeReading.component_key, StatusProbeReading.probe
        )
    ).all()
    context = {
        **_labels(),
        "components": components,
        "readings": readings,
        "incidents": incidents.list_incidents(session, IncidentKind.INCIDENT, limit=50),
        "maintenances": incidents.list_incidents(session, IncidentKind.MAINTENANCE, limit=50),
        "closed": CLOSED_STATUSES,
        "override_form": dict(override_form or {}),
        "override_errors": dict(override_errors or {}),
    }
    return render(request, "status/admin.html", context, status_code=status_code)


@router.get(BASE)
def overview(request: Request, operator: Operator, session: DbSession) -> HTMLResponse:
    del operator
    return _overview(request, session)


# -- components ----------------------------------------------------------------------------


@router.post(BASE + "/components/override")
def override(
    request: Request,
    operator: Operator,
    session: DbSession,
    key: Short = "",
    status: Short = "",
    until: Short = "",
    reason: Text = "",
) -> Response:
    ensure_components(session)
    form = {"key": key, "status": status, "until": until, "reason": reason}
    try:
        if key not in catalogue.KEYS:
            raise InvalidInput("unknown component", param="status")
        if status not in STATUS_LABELS:
            raise InvalidInput("unknown state", param="status")
        set_override(
            session,
            key,
            ComponentStatus(status),
            _parse_time(until, "until"),
            reason,
            actor=_actor(operator),
        )
    except InvalidInput as error:
        return _overview(
            request,
            session,
            override_form=form,
            override_errors={error.param or "reason": error.param or "reason"},
            status_code=422,
        )
    _flash(request, N_("The override is in force."))
    return redirect(BASE + "#components")


@router.post(BASE + "/components/{key}/lift")
def lift(
    request: Request,
    key: ComponentKey,
    operator: Operator,
    session: DbSession,
    confirm: Short = "",
) -> Response:
    if key not in catalogue.KEYS:
        raise NotFound("no such component", param="key")
    if confirm != CONFIRMED:
        return _confirm(
            request,
            title=N_("Lift the override"),
            question=N_("Lift the override of this component?"),
            action=f"{BASE}/components/{key}/lift",
            button=N_("Lift the override"),
            cancel=BASE + "#components",
        )
    lift_override(session, key, actor=_actor(operator))
    _flash(request, N_("The component shows what the probes say again."))
    return redirect(BASE + "#components")


# -- incidents -----------------------------------------------------------------------------


def _incident_form(
    request: Request,
    form: Mapping[str, Any],
    errors: Mapping[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "status/admin_incident_form.html",
        {**_labels(), "form": form, "errors": errors},
        status_code=status_code,
    )


@router.get(BASE + "/incidents/new")
def new_incident(request: Request, operator: Operator) -> HTMLResponse:
    del operator
    return _incident_form(request, {"impact": "minor", "states": {}}, {})


@router.post(BASE + "/incidents/new")
async def create_incident(request: Request, operator: Operator, session: DbSession) -> Response:
    values = await request.form()
    name = str(values.get("name", ""))[:300]
    impact = str(values.get("impact", ""))[:20]
    body = str(values.get("body", ""))[:20_000]
    states = {
        spec.key: str(values.get(f"state_{spec.key}", ""))
        for spec in catalogue.COMPONENTS
        if values.get(f"state_{spec.key}")
    }
    form = {"name": name, "impact": impact, "body": body, "states": states}
    ensure_components(session)
    try:
        incident = incidents.create_incident(
            session,
            name=name,
            impact=impact,
            components=states,
            body=body,
            actor=_actor(operator),
        )
    except InvalidInput as error:
        return _incident_form(request, form, _errors(error), status_code=422)
    _flash(request, N_("The incident is open and its subscribers are being notified."))
    return redirect(f"{BASE}/incidents/{incident.public_id}")


def _detail(
    request: Request,
    session: Session,
    incident: StatusIncident,
    *,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    is_maintenance = incident.kind == IncidentKind.MAINTENANCE
    if is_maintenance:
        choices = [s.value for s in maintenance.OPERATOR_STATUSES]
    else:
        choices = ["investigating", "identified", "monitoring", "resolved"]
    context = {
        **_labels(),
        "incident": incident,
        "is_maintenance": is_maintenance,
        "closed": incident.status in CLOSED_STATUSES,
        "components": incidents.components_of(session, incident),
        "updates": incidents.updates_of(session, incident),
        "choices": choices,
        "form": dict(form or {"status": incident.status, "states": {}}),
        "errors": dict(errors or {}),
    }
    return render(request, "status/admin_incident.html", context, status_code=status_code)


@router.get(BASE + "/incidents/{incident_id}")
def incident_page(
    request: Request, incident_id: IncidentId, operator: Operator, session: DbSession
) -> HTMLResponse:
    del operator
    return _detail(request, session, _incident(session, incident_id))


@router.post(BASE + "/incidents/{incident_id}/updates")
async def post_update(
    request: Request, incident_id: IncidentId, operator: Operator, session: DbSession
) -> Response:
    incident = _incident(session, incident_id)
    values = await request.form()
    status = str(values.get("status", ""))[:20]
    body = str(values.get("body", ""))[:20_000]
    states = {
        spec.key: str(values.get(f"state_{spec.key}", ""))
        for spec in catalogue.COMPONENTS
        if values.get(f"state_{spec.key}")
    }
    form = {"status": status, "body": body, "states": states}
    ensure_components(session)
    resolving = status in (IncidentStatus.RESOLVED, IncidentStatus.COMPLETED)
    if resolving and values.get("confirm") != CONFIRMED:
        fields = {"status": status, "body": body}
        fields.update({f"state_{key}": value for key, value in states.items()})
        return _confirm(
            request,
            title=N_("Resolve the incident"),
            question=N_("Resolve this incident? It takes no more updates once resolved."),
            action=f"{BASE}/incidents/{incident.public_id}/updates",
            button=N_("Resolve"),
            cancel=f"{BASE}/incidents/{incident.public_id}",
            fields=fields,
        )
    try:
        if incident.kind == IncidentKind.MAINTENANCE:
            maintenance.post_update(
                session, incident, status=status, body=body, actor=_actor(operator)
            )
        else:
            incidents.post_update(
                session,
                incident,
                status=status,
                body=body,
                components=states,
                actor=_actor(operator),
            )
    except InvalidInput as error:
        return _detail(
            request, session, incident, form=form, errors=_errors(error), status_code=422
        )
    _flash(request, N_("The update is posted."))
    return redirect(f"{BASE}/incidents/{incident.public_id}")


@router.post(BASE + "/incidents/{incident_id}/postmortem")
def postmortem(
    request: Request,
    incident_id: IncidentId,
    operator: Operator,
    session: DbSession,
    body: Text = "",
    publish: Short = "",
) -> Response:
    incident = _incident(session, incident_id)
    try:
        incidents.write_postmortem(
            session, incident, body=body, publish=publish == CONFIRMED, actor=_actor(operator)
        )
    except InvalidInput as error:
        form = {"status": incident.status, "postmortem": body, "states": {}}
        errors = {"postmortem": error.param or "postmortem"}
        return _detail(request, session, incident, form=form, errors=errors, status_code=422)
    flash(
        request,
        N_("The postmortem is published.")
        if publish == CONFIRMED
        else N_("The postmortem is saved."),
    )
    return redirect(f"{BASE}/incidents/{incident.public_id}")


@router.post(BASE + "/incidents/{incident_id}/publish")
def publish(
    request: Request,
    incident_id: IncidentId,
    operator: Operator,
    session: DbSession,
    confirm: Short = "",
) -> Response:
    incident = _incident(session, incident_id)
    if not incident.draft:
        raise InvalidInput("this incident is already published", param="draft")
    if confirm != CONFIRMED:
        return _confirm(
            request,
            title=N_("Publish the draft"),
            question=N_("Publish this incident on the status page and notify its subscribers?"),
            action=f"{BASE}/incidents/{incident.public_id}/publish",
            button=N_("Publish"),
            cancel=f"{BASE}/incidents/{incident.public_id}",
        )
    incidents.publish_draft(session, incident, actor=_actor(operator))
    _flash(request, N_("The incident is published."))
    return redirect(f"{BASE}/incidents/{incident.public_id}")


@router.post(BASE + "/incidents/{incident_id}/delete")
def delete(
    request: Request,
    incident_id: IncidentId,
    operator: Operator,
    session: DbSession,
    confirm: Short = "",
) -> Response:
    incident = _incident(session, incident_id)
    if not incident.draft:
        raise InvalidInput("only a draft can be deleted", param="draft")
    if confirm != CONFIRMED:
        return _confirm(
            request,
            title=N_("Delete the draft"),
            question=N_("Delete this draft and its timeline? This cannot be undone."),
            action=f"{BASE}/incidents/{incident.public_id}/delete",
            button=N_("Delete"),
            cancel=f"{BASE}/incidents/{incident.public_id}",
        )
    incidents.delete_draft(session, incident, actor=_actor(operator))
    _flash(request, N_("The draft is deleted."))
    return redirect(BASE)


# -- maintenance ---------------------------------------------------------------------------


def _maintenance_form(
    request: Request, form: Mapping[str, Any], errors: Mapping[str, str], status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "status/admin_maintenance_form.html",
        {**_labels(), "form": form, "errors": errors},
        status_code=status_code,
    )


@router.get(BASE + "/maintenances/new")
def new_maintenance(request: Request, operator: Operator) -> HTMLResponse:
    del operator
    return _maintenance_form(request, {"components": []}, {})


@router.post(BASE + "/maintenances/new")
def schedule_maintenance(
    request: Request,
    operator: Operator,
    session: DbSession,
    name: Short = "",
    components: Keys = [],  # noqa: B006 - FastAPI copies a form's default
    scheduled_for: Short = "",
    scheduled_until: Short = "",
    body: Text = "",
) -> Response:
    form = {
        "name": name,
        "components": components,
        "scheduled_for": scheduled_for,
        "scheduled_until": scheduled_until,
        "body": body,
    }
    ensure_components(session)
    try:
        scheduled = maintenance.schedule(
            session,
            name=name,
            components=components,
            scheduled_for=_parse_time(scheduled_for, "scheduled_for"),
            scheduled_until=_parse_time(scheduled_until, "scheduled_until"),
            body=body,
            actor=_actor(operator),
        )
    except InvalidInput as error:
        return _maintenance_form(request, form, _errors(error), status_code=422)
    _flash(request, N_("The maintenance is scheduled."))
    return redirect(f"{BASE}/incidents/{scheduled.public_id}")


@router.post(BASE + "/maintenances/{incident_id}/complete")
def complete_maintenance(
    request: Request,
    incident_id: IncidentId,
    operator: Operator,
    session: DbSession,
    confirm: Short = "",
) -> Response:
    return _end_maintenance(request, incident_id, operator, session, confirm, cancel=False)


@router.post(BASE + "/maintenances/{incident_id}/cancel")
def cancel_maintenance(
    request: Request,
    incident_id: IncidentId,
    operator: Operator,
    session: DbSession,
    confirm: Short = "",
) -> Response:
    return _end_maintenance(request, incident_id, operator, session, confirm, cancel=True)


def _end_maintenance(
    request: Request,
    incident_id: str,
    operator: User,
    session: Session,
    confirm: str,
    *,
    cancel: bool,
) -> Response:
    found = _incident(session, incident_id)
    if found.kind != IncidentKind.MAINTENANCE:
        raise NotFound("no such maintenance", param="incident_id")
    verb = "cancel" if cancel else "complete"
    if confirm != CONFIRMED:
        return _confirm(
            request,
            title=N_("Cancel the maintenance") if cancel else N_("Complete the maintenance"),
            question=N_("Cancel this maintenance? Its subscribers are told.")
            if cancel
            else N_("Complete this maintenance now? Its components go back to the probes."),
            action=f"{BASE}/maintenances/{found.public_id}/{verb}",
            button=N_("Cancel the maintenance") if cancel else N_("Complete"),
            cancel=f"{BASE}/incidents/{found.public_id}",
        )
    if cancel:
        maintenance.cancel(session, found, actor=_actor(operator))
    else:
        maintenance.complete(session, found, actor=_actor(operator))
    _flash(request, N_("The maintenance is over."))
    return redirect(f"{BASE}/incidents/{found.public_id}")
