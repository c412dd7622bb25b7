"""The status page's back-office pages: operators only (others get the 403 page), incidents
opened, updated and resolved after a confirmation, drafts published or deleted, maintenance
scheduled and completed, overrides set and lifted; refused fields named, nothing changed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pointage.status import incidents as svc
from pointage.status.components import ensure_components
from pointage.status.models import StatusComponent, StatusIncident
from pointage.status.operators import set_operator
from tests.web.backoffice_world import EMAIL, make_world, page_token, sign_in

BASE = "/status-admin"


@pytest.fixture
def world(settings, session_factory):
    return make_world(settings, session_factory)


@pytest.fixture
def operator(world, session_factory):
    with session_factory() as session, session.begin():
        set_operator(session, EMAIL, True, actor="test")
    client = world.client()
    sign_in(client)
    return client


def _post(client, path, data, page=BASE):
    return client.post(path, data={**data, "csrf_token": page_token(client, page)})


def _incident(session_factory):
    with session_factory() as session:
        return session.scalars(select(StatusIncident).order_by(StatusIncident.id.desc())).first()


def test_a_user_who_is_not_an_operator_is_refused(world):
    client = world.client()
    sign_in(client)
    assert client.get(BASE).status_code == 403
    assert client.get(BASE + "/incidents/new").status_code == 403
    assert "/status-admin" not in client.get("/dashboard").text
    token = page_token(client, "/dashboard")
    refused = client.post(BASE + "/incidents/new", data={"name": "x", "csrf_token": token})
    assert refused.status_code == 403


def test_not_signed_in_goes_to_the_sign_in_page(world):
    answer = world.client().get(BASE)
    assert answer.status_code in (302, 303) and "/sign-in" in answer.headers["location"]


def test_an_operator_opens_updates_and_resolves_an_incident(operator, session_factory):
    assert 'href="/status-admin"' in operator.get("/dashboard").text
    page = operator.get(BASE + "/incidents/new")
    assert page.status_code == 200 and 'for="name"' in page.text
    made = _post(
        operator,
        BASE + "/incidents/new",
        {"name": "Slow API", "impact": "major", "state_api": "partial_outage", "body": "Looking."},
        page=BASE + "/incidents/new",
    )
    assert made.status_code == 303, made.text
    incident = _incident(session_factory)
    path = f"{BASE}/incidents/{incident.public_id}"
    assert made.headers["location"] == path
    shown = operator.get(path)
    assert "Slow API" in shown.text and "Looking." in shown.text

    _post(operator, path + "/updates", {"status": "identified", "body": "Found it."}, page=path)
    assert _incident(session_factory).status == "identified"

    asked = _post(operator, path + "/updates", {"status": "resolved", "body": "Fixed."}, page=path)
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text
    assert _incident(session_factory).status == "identified"
    done = _post(
        operator,
        path + "/updates",
        {"status": "resolved", "body": "Fixed.", "confirm": "yes"},
        page=path,
    )
    assert done.status_code == 303 and _incident(session_factory).status == "resolved"

    published = _post(
        operator, path + "/postmortem", {"body": "A full disk.", "publish": "yes"}, page=path
    )
    assert published.status_code == 303
    assert _incident(session_factory).status == "postmortem"


def test_a_refused_field_is_named_and_nothing_is_made(operator, session_factory):
    answer = _post(
        operator,
        BASE + "/incidents/new",
        {"name": "", "impact": "major", "body": "Looking."},
        page=BASE + "/incidents/new",
    )
    assert answer.status_code == 422
    assert 'id="name-error"' in answer.text and 'aria-invalid="true"' in answer.text
    assert _incident(session_factory) is None

    answer = _post(
        operator,
        BASE + "/maintenances/new",
        {
            "name": "Upgrade",
            "components": "database",
            "scheduled_for": "2020-01-01T10:00",
            "scheduled_until": "2020-01-01T11:00",
            "body": "x",
        },
        page=BASE + "/maintenances/new",
    )
    assert answer.status_code == 422 and 'id="scheduled_for-error"' in answer.text


def test_a_draft_is_published_or_deleted_after_confirmation(operator, session_factory):
    with session_factory() as session, session.begin():
        ensure_components(session)
        first = svc.create_incident(
            session,
            name="Probe alert",
            impact="major",
            components={},
            body="Auto.",
            actor="probes",
            draft=True,
        ).public_id
        second = svc.create_incident(
            session,
            name="False alarm",
            impact="minor",
            components={},
            body="Auto.",
            actor="probes",
            draft=True,
        ).public_id
    assert "Probe alert" in operator.get(BASE).text
    path = f"{BASE}/incidents/{first}"
    asked = _post(operator, path + "/publish", {}, page=path)
    assert asked.status_code == 200 and "confirm" in asked.text
    _post(operator, path + "/publish", {"confirm": "yes"}, page=path)
    other = f"{BASE}/incidents/{second}"
    _post(operator, other + "/delete", {"confirm": "yes"}, page=other)
    with session_factory() as session:
        rows = session.execute(select(StatusIncident.name, StatusIncident.draft)).all()
    assert [tuple(r) for r in rows] == [("Probe alert", False)]
    assert operator.get(other).status_code == 404


def test_a_maintenance_is_scheduled_and_completed(operator, session_factory):
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=2)
    made = _post(
        operator,
        BASE + "/maintenances/new",
        {
            "name": "Database upgrade",
            "components": "database",
            "scheduled_for": start.strftime("%Y-%m-%dT%H:%M"),
            "scheduled_until": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "body": "Upgrade.",
        },
        page=BASE + "/maintenances/new",
    )
    assert made.status_code == 303, made.text
    maintenance = _incident(session_factory)
    assert maintenance.scheduled_for == start
    path = f"{BASE}/incidents/{maintenance.public_id}"
    complete = f"{BASE}/maintenances/{maintenance.public_id}/complete"
    assert _post(operator, complete, {}, page=path).status_code == 200
    assert _incident(session_factory).status == "scheduled"
    _post(operator, complete, {"confirm": "yes"}, page=path)
    assert _incident(session_factory).status == "completed"


def test_an_override_is_set_then_lifted(operator, session_factory):
    until = (datetime.now(UTC) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    refused = _post(
        operator,
        BASE + "/components/override",
        {"key": "ipn", "status": "major_outage", "until": until, "reason": ""},
    )
    assert refused.status_code == 422 and 'id="reason-error"' in refused.text
    done = _post(
        operator,
        BASE + "/components/override",
        {"key": "ipn", "status": "major_outage", "until": until, "reason": "Provider down"},
    )
    assert done.status_code == 303
    with session_factory() as session:
        ipn = session.scalars(select(StatusComponent).where(StatusComponent.key == "ipn")).one()
        assert ipn.status == "major_outage"
    assert re.search(r"Provider down", operator.get(BASE).text)
    _post(operator, BASE + "/components/ipn/lift", {"confirm": "yes"})
    with session_factory() as session:
        ipn = session.scalars(select(StatusComponent).where(StatusComponent.key == "ipn")).one()
        assert ipn.status == "operational"
