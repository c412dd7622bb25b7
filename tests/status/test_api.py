"""The operators' API of the status page: operator tokens only (a shop's key, a revoked
token, a former operator: 401), incidents and maintenance through their timeline, overrides,
every input checked and named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pointage.auth.models import User
from pointage.auth.service.keys import issue_test_key
from pointage.shop import service as shop_service
from pointage.status.models import StatusIncident
from pointage.status.operators import create_token, revoke_token, set_operator
from tests.web.backoffice_world import EMAIL, make_world


@pytest.fixture
def api(settings, session_factory):
    world = make_world(settings, session_factory)
    with session_factory() as session, session.begin():
        set_operator(session, EMAIL, True, actor="test")
        user = session.get(User, world.user_id)
        made = create_token(session, user, label="ci", actor="test")
        token_id = made.token.id
        secret = made.secret
    client = world.client()
    client.headers["Authorization"] = f"Bearer {secret}"
    client.token_id = token_id  # type: ignore[attr-defined]
    return client


def _incident(api, **changes):
    body = {
        "name": "Slow API",
        "impact": "minor",
        "components": {"api": "degraded_performance"},
        "body": "Answers are slow.",
    }
    body.update(changes)
    return api.post("/v1/status/incidents", json=body)


def test_an_incident_goes_through_its_timeline(api):
    made = _incident(api)
    assert made.status_code == 201, made.text
    incident = made.json()
    assert incident["status"] == "investigating" and incident["components"] == ["api"]
    assert incident["updates"][0]["affected_components"] == {"api": "degraded_performance"}
    path = f"/v1/status/incidents/{incident['id']}"

    moved = api.post(f"{path}/updates", json={"status": "monitoring", "body": "Fix out."})
    assert moved.status_code == 201 and moved.json()["monitoring_at"] is not None
    resolved = api.post(f"{path}/updates", json={"status": "resolved", "body": "Done."})
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolved_at"]
    again = api.post(f"{path}/updates", json={"status": "identified", "body": "No."})
    assert again.status_code == 422 and again.json()["param"] == "status"

    postmortem = api.put(f"{path}/postmortem", json={"body": "Root cause: a full disk."})
    assert postmortem.status_code == 200 and postmortem.json()["status"] == "postmortem"
    assert api.get(path).json()["postmortem_body"] == "Root cause: a full disk."
    listed = api.get("/v1/status/incidents").json()["data"]
    assert [i["id"] for i in listed] == [incident["id"]]
    assert [u["status"] for u in listed[0]["updates"]] == [
        "resolved",
        "monitoring",
        "investigating",
    ]


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"components": {"nope": "major_outage"}}, "components"),
        ({"impact": "huge"}, "impact"),
        ({"name": ""}, "name"),
        ({"status": "resolved"}, "status"),
    ],
)
def test_an_invalid_incident_is_refused_naming_its_field(api, changes, param):
    refused = _incident(api, **changes)
    assert refused.status_code == 422
    assert param in (refused.json().get("param") or "")
    assert api.get("/v1/status/incidents").json()["data"] == []


def test_a_maintenance_is_scheduled_and_completed_early(api):
    start = datetime.now(UTC) + timedelta(days=1)
    made = api.post(
        "/v1/status/maintenances",
        json={
            "name": "Database upgrade",
            "components": ["database"],
            "scheduled_for": start.isoformat(),
            "scheduled_until": (start + timedelta(hours=1)).isoformat(),
            "body": "The database is upgraded.",
        },
    )
    assert made.status_code == 201, made.text
    maintenance = made.json()
    assert (maintenance["kind"], maintenance["status"]) == ("maintenance", "scheduled")
    path = f"/v1/status/incidents/{maintenance['id']}/updates"
    assert api.post(path, json={"status": "verifying", "body": "x"}).status_code == 422
    done = api.post(path, json={"status": "completed", "body": "Done early."})
    assert done.json()["status"] == "completed"
    listed = api.get("/v1/status/maintenances").json()["data"]
    assert [m["id"] for m in listed] == [maintenance["id"]]
    past = api.post(
        "/v1/status/maintenances",
        json={
            "name": "Late",
            "components": ["database"],
            "scheduled_for": "2020-01-01T00:00:00Z",
            "scheduled_until": "2020-01-01T01:00:00Z",
            "body": "x",
        },
    )
    assert past.status_code == 422 and past.json()["param"] == "scheduled_for"


def test_a_component_is_overridden_and_lifted(api):
    until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    put = api.put(
        "/v1/status/components/ipn/override",
        json={"status": "major_outage", "until": until, "reason": "provider down"},
    )
    assert put.status_code == 200, put.text
    assert put.json()["status"] == "major_outage" and put.json()["override"]["reason"]
    listed = {c["key"]: c for c in api.get("/v1/status/components").json()["data"]}
    assert listed["ipn"]["status"] == "major_outage" and listed["ipn"]["group"] == "services"
    lifted = api.delete("/v1/status/components/ipn/override")
    assert lifted.json()["status"] == "operational" and lifted.json()["override"] is None
    assert api.delete("/v1/status/components/services/override").status_code == 404
    assert api.get("/v1/status/incidents/nothing").status_code == 404


def test_only_an_operator_token_opens_the_api(api, session_factory, settings):
    good = api.headers["Authorization"]
    for header in (None, "Bearer pso_made-up", "Bearer not-even-a-token"):
        if header is None:
            api.headers.pop("Authorization")
        else:
            api.headers["Authorization"] = header
        answer = api.get("/v1/status/incidents")
        assert answer.status_code == 401
        assert answer.headers["content-type"].startswith("application/problem+json")

    with session_factory() as session, session.begin():
        shop = shop_service.shop_by_shop_id(session, "11111111")
        shop_key = issue_test_key(session, shop, settings.secret_key)
    api.headers["Authorization"] = f"Bearer {shop_key}"
    assert api.get("/v1/status/components").status_code == 401

    api.headers["Authorization"] = good
    assert api.get("/v1/status/components").status_code == 200
    with session_factory() as session, session.begin():
        set_operator(session, EMAIL, False, actor="test")
    assert api.get("/v1/status/components").status_code == 401
    with session_factory() as session, session.begin():
        set_operator(session, EMAIL, True, actor="test")
        revoke_token(session, api.token_id, actor="test")
    assert api.get("/v1/status/components").status_code == 401


def test_an_operator_post_with_an_idempotency_key_runs_once(api, session_factory):
    def post(key: str, **changes: object):
        body = {
            "name": "Slow API",
            "impact": "minor",
            "components": {"api": "degraded_performance"},
            "body": "Answers are slow.",
            **changes,
        }
        return api.post("/v1/status/incidents", json=body, headers={"Idempotency-Key": key})

    first, again, other = post("incident-1"), post("incident-1"), post("incident-1", name="X")

    assert first.status_code == 201
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert other.status_code == 409
    assert post("incident-2").json()["id"] != first.json()["id"]
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(StatusIncident)) == 2
