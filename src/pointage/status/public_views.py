"""The public status page (/status) and its feeds of incidents (Atom and RSS): no login, no
merchant data.

/status draws the page's picture (pointage.status.summary): the overall state, the
components in their groups with 90 days of uptime, active incidents and maintenance, the
upcoming maintenance and the recent past incidents by month. /status/incidents/{id} is one
incident's timeline and postmortem, /status/history every incident, a page at a time. The
page's language comes from ?lang= (kept for the visit), else the browser's. While the
database cannot be reached the page is drawn from the last known state, saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from typing import Any

from babel.numbers import format_percent
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from pointage.db.session import unit_of_work
from pointage.settings import Settings
from pointage.status import feeds, snapshot, summary
from pointage.status.statuspage_api import base_url, picture
from pointage.web import i18n
from pointage.web.backoffice import gettext_for, page_language, page_router, render
from pointage.web.i18n import N_
from pointage.web.session import LOCALE

router = page_router()

HISTORY_PAGE_SIZE = 25
MAX_PAGE = 100_000
RECENT_DAYS = 90

COMPONENT_STATUS = {
    "operational": N_("Operational"),
    "degraded_performance": N_("Degraded performance"),
    "partial_outage": N_("Partial outage"),
    "major_outage": N_("Major outage"),
    "under_maintenance": N_("Under maintenance"),
}
INCIDENT_STATUS = {
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
IMPACT = {
    "none": N_("No impact"),
    "minor": N_("Minor impact"),
    "major": N_("Major impact"),
    "critical": N_("Critical impact"),
    "maintenance": N_("Maintenance"),
}
DESCRIPTIONS = {
    "All Systems Operational": N_("All Systems Operational"),
    "Minor Service Outage": N_("Minor Service Outage"),
    "Partial System Outage": N_("Partial System Outage"),
    "Major System Outage": N_("Major System Outage"),
    "Service Under Maintenance": N_("Service Under Maintenance"),
}
# Catalogue texts, shown translated (pointage.status.catalogue).
CATALOGUE_TEXTS = (
    N_("Services"),
    N_("Daily processing"),
    N_("Infrastructure"),
    N_("Web Services API"),
    N_("Back office"),
    N_("Payment notifications (IPN)"),
    N_("Capture batch"),
    N_("Reconciliation"),
    N_("Report delivery"),
    N_("Statement import"),
    N_("Database"),
)
STATUS_ICON = {
    "operational": "✓",
    "degraded_performance": "!",
    "partial_outage": "!",
    "major_outage": "✕",
    "under_maintenance": "⚙",
}


def _choose_language(request: Request) -> None:
    """?lang=fr|en sets the page's language for the visit; anything else is ignored."""
    chosen = i18n.supported(request.query_params.get("lang"))
    if chosen is not None:
        request.session[LOCALE] = chosen


def _when(value: str | None) -> datetime | None:
    return summary.parse_iso(value) if value else None


def _percent_formatter(request: Request) -> Callable[[float | None], str]:
    locale = i18n.format_locale(page_language(request))

    def percent(value: float | None) -> str:
        if value is None:
            return ""
        return str(format_percent(value / 100, format="#,##0.00%", locale=locale))

    return percent


def _bar_class(value: float | None) -> str:
    if value is None:
        return "bar-none"
    if value >= 100:
        return "bar-up"
    if value >= 99:
        return "bar-minor"
    if value >= 90:
        return "bar-partial"
    return "bar-major"


def _common(request: Request) -> dict[str, Any]:
    return {
        "when": _when,
        "percent": _percent_formatter(request),
        "component_status": COMPONENT_STATUS,
        "incident_status": INCIDENT_STATUS,
        "impact_names": IMPACT,
        "status_icon": STATUS_ICON,
        "utc": "UTC",
    }


def _months(incidents: list[dict[str, Any]]) -> list[tuple[date, list[dict[str, Any]]]]:
    def month(incident: dict[str, Any]) -> date:
        return summary.parse_iso(incident["created_at"]).date().replace(day=1)

    return [(key, list(items)) for key, items in groupby(incidents, key=month)]


@router.get("/status")
def status_page(request: Request) -> HTMLResponse:
    _choose_language(request)
    p = picture(request)
    _ = gettext_for(request)
    now = datetime.now(UTC)
    recent_since = now - timedelta(days=RECENT_DAYS)
    past = [
        i
        for i in p["recent"]
        if i["status"] in ("resolved", "postmortem", "completed")
        and summary.parse_iso(i["created_at"]) >= recent_since
    ]
    components = p["components"]
    groups = [
        (group, [c for c in components if c["group_id"] == group["id"]])
        for group in components
        if group["group"]
    ]
    uptime = p["uptime"]
    days = [date.fromisoformat(d) for d in uptime["days"]]
    bars = {
        component_id: [
            (day, value, _bar_class(value))
            for day, value in zip(days, figures["days"], strict=True)
        ]
        for component_id, figures in uptime["components"].items()
    }
    context = {
        **_common(request),
        "p": p,
        "description": _(DESCRIPTIONS.get(p["status"]["description"], p["status"]["description"])),
        "groups": groups,
        "bars": bars,
        "uptime": uptime,
        "months": _months(past),
        "known_at": _when(p.get("known_at")),
    }
    return render(request, "status/public.html", context)


@router.get("/status/incidents/{public_id}")
def incident_page(request: Request, public_id: str) -> HTMLResponse:
    _choose_language(request)
    settings: Settings = request.app.state.settings
    reachable = True
    incident: dict[str, Any] | None
    try:
        with unit_of_work(request.app.state.session_factory, read_only=True) as session:
            incident = summary.incident_by_public_id(session, public_id[:40], base_url(request))
    except SQLAlchemyError:
        reachable = False
        kept = snapshot.last_known(settings.status_snapshot_file) or {}
        incident = next((i for i in kept.get("recent", []) if i["id"] == public_id), None)
    if incident is None:
        return _not_found(request, reachable)
    context = {**_common(request), "incident": incident, "reachable": reachable}
    return render(request, "status/public_incident.html", context)


@router.get("/status/history")
def history_page(request: Request) -> HTMLResponse:
    _choose_language(request)
    _ = gettext_for(request)
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        message = _("page: must be a whole number from 1 to 100000.")
        context = {**_common(request), "months": [], "page": 1, "more": False, "error": message}
        return render(request, "status/public_history.html", context, status_code=400)
    number = int(raw)
    try:
        with unit_of_work(request.app.state.session_factory, read_only=True) as session:
            incidents, more = summary.past_incidents(
                session, base_url(request), (number - 1) * HISTORY_PAGE_SIZE, HISTORY_PAGE_SIZE
            )
    except SQLAlchemyError:
        return _unavailable(request)
    context = {
        **_common(request),
        "months": _months(incidents),
        "page": number,
        "more": more,
        "error": None,
    }
    return render(request, "status/public_history.html", context)


@router.get("/status/history.atom", response_class=Response)
def history_atom(request: Request) -> Response:
    p = picture(request)
    return Response(feeds.atom(p), media_type="application/atom+xml; charset=utf-8")


@router.get("/status/history.rss", response_class=Response)
def history_rss(request: Request) -> Response:
    p = picture(request)
    return Response(feeds.rss(p), media_type="application/rss+xml; charset=utf-8")


def _not_found(request: Request, reachable: bool) -> HTMLResponse:
    if not reachable:
        return _unavailable(request)
    _ = gettext_for(request)
    context = {
        **_common(request),
        "heading": _("Incident not found"),
        "message": _("There is no incident at this address."),
    }
    return render(request, "status/public_message.html", context, status_code=404)


def _unavailable(request: Request) -> HTMLResponse:
    _ = gettext_for(request)
    context = {
        **_common(request),
        "heading": _("History unavailable"),
        "message": _(
            "The status page's records cannot be reached just now. The current state is "
            "still shown on the status page."
        ),
    }
    return render(request, "status/public_message.html", context, status_code=503)
