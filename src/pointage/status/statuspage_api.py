"""Statuspage-compatible JSON under /api/v2/ (summary, status, components, incidents, unresolved
incidents, upcoming and active scheduled maintenance): no login, no merchant data.

The answers have the field names and values of Atlassian Statuspage's public API v2, so that
the clients, widgets and monitors written for it read ours unchanged. They are slices of the
page's picture (pointage.status.summary): while the database cannot be reached they answer
from the last known state (pointage.status.snapshot), never with an error. Our own
additions to Statuspage's objects (a component's `key`, an incident's `kind` and
`postmortem_body`) are extra fields that its clients ignore.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pointage.settings import Settings
from pointage.status import snapshot
from pointage.status.summary import Picture

# Left out of the OpenAPI document (/docs) until its tag and public operations are declared
# there (pointage.web.openapi); docs/status.md documents every answer.
router = APIRouter(prefix="/api/v2", tags=["status page"])

# Short and public: a burst of widgets and monitors is answered by caches, and a change is
# seen within the minute the probes run in.
CACHE_CONTROL = "public, max-age=30"


def base_url(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return (settings.public_url or str(request.base_url)).rstrip("/")


def picture(request: Request) -> Picture:
    settings: Settings = request.app.state.settings
    return snapshot.current(
        request.app.state.session_factory, settings.status_snapshot_file, base_url(request)
    )


def _answer(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers={"Cache-Control": CACHE_CONTROL})


@router.get("/summary.json", summary="Summary of the status page")
def summary_json(request: Request) -> JSONResponse:
    """The page, every component, the overall status, unresolved incidents and upcoming or
    in-progress scheduled maintenance."""
    p = picture(request)
    return _answer(
        {
            "page": p["page"],
            "components": p["components"],
            "incidents": p["incidents"],
            "scheduled_maintenances": [*p["active"], *p["upcoming"]],
            "status": p["status"],
        }
    )


@router.get("/status.json", summary="Overall status")
def status_json(request: Request) -> JSONResponse:
    """The indicator (none, minor, major, critical) and its description."""
    p = picture(request)
    return _answer({"page": p["page"], "status": p["status"]})


@router.get("/components.json", summary="Components")
def components_json(request: Request) -> JSONResponse:
    """Every component and group with its current status, in the page's order."""
    p = picture(request)
    return _answer({"page": p["page"], "components": p["components"]})


@router.get("/incidents.json", summary="The 50 most recent incidents")
def incidents_json(request: Request) -> JSONResponse:
    """Unresolved and resolved incidents and scheduled maintenance, the newest first."""
    p = picture(request)
    return _answer({"page": p["page"], "incidents": p["recent"]})


@router.get("/incidents/unresolved.json", summary="Unresolved incidents")
def unresolved_json(request: Request) -> JSONResponse:
    """Incidents not yet resolved (investigating, identified, monitoring), the newest first."""
    p = picture(request)
    return _answer({"page": p["page"], "incidents": p["incidents"]})


@router.get("/scheduled-maintenances/upcoming.json", summary="Upcoming maintenance")
def upcoming_json(request: Request) -> JSONResponse:
    """Scheduled maintenance that has not started yet, the soonest first."""
    p = picture(request)
    return _answer({"page": p["page"], "scheduled_maintenances": p["upcoming"]})


@router.get("/scheduled-maintenances/active.json", summary="Maintenance in progress")
def active_json(request: Request) -> JSONResponse:
    """Scheduled maintenance in progress or being verified."""
    p = picture(request)
    return _answer({"page": p["page"], "scheduled_maintenances": p["active"]})
