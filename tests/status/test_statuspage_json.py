"""The Statuspage-compatible JSON, checked field by field (name and type) against the shape of
Statuspage's public API v2, on a seeded page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pointage.settings import Settings
from pointage.status import snapshot
from pointage.web.app import create_app
from tests.status.public_seed import Seeded, seed

STR, INT, BOOL, LIST, DICT, NONE = str, int, bool, list, dict, type(None)
TIME = "time"  # an ISO 8601 string
OPT_TIME = "optional time"

# Statuspage's public API v2 (https://<page>.statuspage.io/api/v2/), object by object.
PAGE = {"id": STR, "name": STR, "url": STR, "time_zone": STR, "updated_at": TIME}
STATUS = {"indicator": STR, "description": STR}
COMPONENT = {
    "id": STR,
    "name": STR,
    "status": STR,
    "created_at": TIME,
    "updated_at": TIME,
    "position": INT,
    "description": (STR, NONE),
    "showcase": BOOL,
    "start_date": (STR, NONE),
    "group_id": (STR, NONE),
    "page_id": STR,
    "group": BOOL,
    "only_show_if_degraded": BOOL,
}
INCIDENT = {
    "id": STR,
    "name": STR,
    "status": STR,
    "created_at": TIME,
    "updated_at": TIME,
    "monitoring_at": OPT_TIME,
    "resolved_at": OPT_TIME,
    "impact": STR,
    "shortlink": STR,
    "started_at": TIME,
    "page_id": STR,
    "incident_updates": LIST,
    "components": LIST,
}
MAINTENANCE = {**INCIDENT, "scheduled_for": TIME, "scheduled_until": TIME}
UPDATE = {
    "id": STR,
    "status": STR,
    "body": STR,
    "incident_id": STR,
    "created_at": TIME,
    "updated_at": TIME,
    "display_at": TIME,
    "affected_components": (LIST, NONE),
    "deliver_notifications": BOOL,
    "custom_tweet": (STR, NONE),
    "tweet_id": (STR, NONE),
}
AFFECTED = {"code": STR, "name": STR, "old_status": STR, "new_status": STR}

COMPONENT_STATUSES = {
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}
IMPACTS = {"none", "minor", "major", "critical", "maintenance"}
INDICATORS = {"none", "minor", "major", "critical"}
NOW = datetime.now(UTC)


def check(obj: dict[str, Any], shape: dict[str, Any], where: str) -> None:
    for name, kind in shape.items():
        assert name in obj, f"{where}: no field {name!r}"
        value = obj[name]
        if kind in (TIME, OPT_TIME):
            if value is None and kind == OPT_TIME:
                continue
            assert isinstance(value, str), f"{where}.{name}: {value!r}"
            assert value.endswith("Z")
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            kinds = kind if isinstance(kind, tuple) else (kind,)
            assert isinstance(value, kinds), f"{where}.{name}: {value!r} is not {kinds}"
            if bool not in kinds and int in kinds:
                assert not isinstance(value, bool)


def check_incident(incident: dict[str, Any], shape: dict[str, Any], statuses: set[str]) -> None:
    check(incident, shape, "incident")
    assert incident["status"] in statuses
    assert incident["impact"] in IMPACTS
    assert len(incident["id"]) == 12
    assert incident["shortlink"].endswith(f"/status/incidents/{incident['id']}")
    for update in incident["incident_updates"]:
        check(update, UPDATE, "incident_update")
        assert update["incident_id"] == incident["id"]
        for affected in update["affected_components"] or []:
            check(affected, AFFECTED, "affected_component")
            assert affected["new_status"] in COMPONENT_STATUSES
            assert affected["old_status"] in COMPONENT_STATUSES
    for component in incident["components"]:
        check(component, COMPONENT, "incident.component")


@pytest.fixture
def status_settings(settings: Settings, tmp_path: Path) -> Settings:
    snapshot.forget()
    return settings.model_copy(
        update={
            "status_snapshot_file": str(tmp_path / "status-snapshot.json"),
            "public_url": "https://pay.example.com",
        }
    )


@pytest.fixture
def seeded(status_settings: Settings, session_factory) -> Seeded:  # type: ignore[no-untyped-def]
    return seed(session_factory, NOW)


@pytest.fixture
def api(status_settings: Settings, seeded: Seeded) -> Iterator[TestClient]:
    with TestClient(create_app(status_settings), raise_server_exceptions=False) as client:
        yield client


def get(client: TestClient, path: str) -> dict[str, Any]:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "public, max-age=30"
    body: dict[str, Any] = answer.json()
    check(body["page"], PAGE, "page")
    assert body["page"]["url"] == "https://pay.example.com/status"
    assert body["page"]["name"] == "Pointage"
    assert body["page"]["time_zone"] == "Etc/UTC"
    return body


def test_summary_has_statuspage_shape(api: TestClient, seeded: Seeded) -> None:
    body = get(api, "/api/v2/summary.json")
    assert set(body) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    check(body["status"], STATUS, "status")
    # The API in partial outage and a minor incident: a partial system outage.
    assert body["status"] == {"indicator": "major", "description": "Partial System Outage"}
    names = [c["name"] for c in body["components"]]
    assert names[:4] == ["Services", "Daily processing", "Infrastructure", "Web Services API"]
    for component in body["components"]:
        check(component, COMPONENT, "component")
        assert component["status"] in COMPONENT_STATUSES
        assert component["page_id"] == body["page"]["id"]
    by_id = {c["id"]: c for c in body["components"]}
    api_component = by_id[seeded.api]
    assert api_component["status"] == "partial_outage"
    group = by_id[api_component["group_id"]]
    assert group["group"] is True and seeded.api in group["components"]
    assert group["status"] == "partial_outage"  # the worst of its components
    assert [i["id"] for i in body["incidents"]] == [seeded.unresolved]
    check_incident(body["incidents"][0], INCIDENT, INCIDENT_STATUSES)
    assert [m["id"] for m in body["scheduled_maintenances"]] == [seeded.active, seeded.upcoming]
    for maintenance in body["scheduled_maintenances"]:
        check_incident(maintenance, MAINTENANCE, MAINTENANCE_STATUSES)
        assert maintenance["impact"] == "maintenance"


def test_incident_updates_are_newest_first_with_affected_components(
    api: TestClient, seeded: Seeded
) -> None:
    incident = get(api, "/api/v2/incidents/unresolved.json")["incidents"][0]
    updates = incident["incident_updates"]
    assert [u["status"] for u in updates] == ["identified", "investigating"]
    assert updates[0]["affected_components"] == [
        {
            "code": seeded.api,
            "name": "Web Services API",
            "old_status": "degraded_performance",
            "new_status": "partial_outage",
        }
    ]
    assert updates[1]["affected_components"][0]["old_status"] == "operational"
    assert [c["id"] for c in incident["components"]] == [seeded.api]


def test_status_and_components(api: TestClient, seeded: Seeded) -> None:
    body = get(api, "/api/v2/status.json")
    assert set(body) == {"page", "status"}
    assert body["status"]["indicator"] in INDICATORS
    body = get(api, "/api/v2/components.json")
    assert set(body) == {"page", "components"}
    assert len(body["components"]) == 11  # 3 groups and 8 components
    for component in body["components"]:
        check(component, COMPONENT, "component")


def test_incidents_lists_every_public_one_never_a_draft(api: TestClient, seeded: Seeded) -> None:
    body = get(api, "/api/v2/incidents.json")
    assert set(body) == {"page", "incidents"}
    ids = [i["id"] for i in body["incidents"]]
    assert seeded.draft not in ids
    assert set(ids) == {
        seeded.unresolved,
        seeded.resolved,
        seeded.active,
        seeded.upcoming,
    }
    # The newest first.
    assert ids == [seeded.upcoming, seeded.unresolved, seeded.active, seeded.resolved]
    resolved = next(i for i in body["incidents"] if i["id"] == seeded.resolved)
    check_incident(resolved, INCIDENT, INCIDENT_STATUSES)
    assert resolved["resolved_at"] is not None
    for path in ("/api/v2/summary.json", "/api/v2/incidents/unresolved.json"):
        assert seeded.draft not in api.get(path).text


def test_maintenance_upcoming_and_active(api: TestClient, seeded: Seeded) -> None:
    upcoming = get(api, "/api/v2/scheduled-maintenances/upcoming.json")
    assert set(upcoming) == {"page", "scheduled_maintenances"}
    assert [m["id"] for m in upcoming["scheduled_maintenances"]] == [seeded.upcoming]
    active = get(api, "/api/v2/scheduled-maintenances/active.json")
    assert [m["id"] for m in active["scheduled_maintenances"]] == [seeded.active]
    check_incident(active["scheduled_maintenances"][0], MAINTENANCE, MAINTENANCE_STATUSES)
    assert active["scheduled_maintenances"][0]["status"] == "in_progress"


def test_all_operational_page(status_settings: Settings, session_factory) -> None:  # type: ignore[no-untyped-def]
    from pointage.status.components import ensure_components

    with session_factory() as session, session.begin():
        ensure_components(session, NOW)
    with TestClient(create_app(status_settings)) as client:
        body = get(client, "/api/v2/summary.json")
    assert body["status"] == {"indicator": "none", "description": "All Systems Operational"}
    assert body["incidents"] == [] and body["scheduled_maintenances"] == []


def test_an_unknown_address_under_api_v2_is_a_json_404(api: TestClient) -> None:
    answer = api.get("/api/v2/nothing.json")
    assert answer.status_code == 404
    assert answer.headers["content-type"].endswith("json")
