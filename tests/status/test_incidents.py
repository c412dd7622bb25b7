"""Incidents: opened with their first update, told through a timeline whose status moves
forward or back but never out of resolved, postmortem after resolution, drafts published or
deleted; every input checked and named, every change audited and fanned out."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pointage.audit.models import AuditEvent
from pointage.core.errors import InvalidInput
from pointage.status import incidents as svc
from pointage.status.components import ensure_components
from pointage.status.models import (
    StatusIncident,
    StatusIncidentUpdate,
    StatusNotification,
    StatusSubscriber,
)

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
STATUSES = ["investigating", "identified", "monitoring", "resolved"]


@pytest.fixture
def world(session):
    ensure_components(session, NOW)
    session.add(
        StatusSubscriber(
            kind="webhook",
            target="https://hooks.example.com/status",
            token_hash=hashlib.sha256(b"w").hexdigest(),
            confirmed_at=NOW,
        )
    )
    session.flush()
    return session


def _open(session, **changes):
    values = {
        "name": "API errors",
        "impact": "major",
        "components": {"api": "partial_outage"},
        "body": "We are looking into errors.",
        "actor": "ops@example.com",
        "now": NOW,
    }
    values.update(changes)
    return svc.create_incident(session, **values)


def _events(session):
    return list(session.scalars(select(StatusNotification.event).order_by(StatusNotification.id)))


def test_an_incident_is_opened_updated_resolved_and_given_a_postmortem(world):
    incident = _open(world)
    assert (incident.status, incident.impact, incident.draft) == ("investigating", "major", False)
    assert [c.key for c in svc.components_of(world, incident)] == ["api"]
    (first,) = svc.updates_of(world, incident)
    assert first.affected == {"api": "partial_outage"} and first.status == "investigating"

    later = NOW + timedelta(minutes=10)
    svc.post_update(
        world,
        incident,
        status="monitoring",
        body="A fix is out.",
        components={"ipn": "degraded_performance"},
        actor="ops",
        now=later,
    )
    assert incident.monitoring_at == later and incident.updated_at == later
    assert [c.key for c in svc.components_of(world, incident)] == ["api", "ipn"]
    svc.post_update(world, incident, status="identified", body="Not yet.", actor="ops", now=later)
    assert incident.monitoring_at is None and incident.resolved_at is None

    end = NOW + timedelta(hours=1)
    svc.resolve(world, incident, body="Fixed.", actor="ops", now=end)
    assert incident.status == "resolved" and incident.resolved_at == end
    assert _events(world) == [
        "incident.created",
        "incident.updated",
        "incident.updated",
        "incident.resolved",
    ]

    svc.write_postmortem(
        world, incident, body="What happened.", publish=False, actor="ops", now=end
    )
    assert incident.status == "resolved" and incident.postmortem_body == "What happened."
    svc.write_postmortem(world, incident, body="What happened.", publish=True, actor="ops", now=end)
    assert incident.status == "postmortem" and incident.postmortem_published_at == end
    actions = world.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-6:] == [
        "status.incident_created",
        "status.incident_updated",
        "status.incident_updated",
        "status.incident_resolved",
        "status.postmortem_saved",
        "status.postmortem_published",
    ]


@pytest.mark.parametrize("start", STATUSES[:3])
@pytest.mark.parametrize("target", STATUSES)
def test_every_move_between_open_statuses_is_allowed(world, start, target):
    incident = _open(world, status=start)
    svc.post_update(world, incident, status=target, body="news", actor="ops", now=NOW)
    assert incident.status == target


@pytest.mark.parametrize("target", [*STATUSES, "postmortem", "scheduled", "completed", "x"])
def test_nothing_moves_out_of_resolved(world, target):
    incident = _open(world)
    svc.resolve(world, incident, body="done", actor="ops", now=NOW)
    with pytest.raises(InvalidInput) as refused:
        svc.post_update(world, incident, status=target, body="again", actor="ops", now=NOW)
    assert refused.value.param == "status"


@pytest.mark.parametrize("target", ["postmortem", "scheduled", "in_progress", "verifying", ""])
def test_an_open_incident_refuses_other_statuses(world, target):
    incident = _open(world)
    with pytest.raises(InvalidInput) as refused:
        svc.post_update(world, incident, status=target, body="news", actor="ops", now=NOW)
    assert refused.value.param == "status"
    assert incident.status == "investigating"


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"name": " "}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"impact": "maintenance"}, "impact"),
        ({"impact": "huge"}, "impact"),
        ({"components": {"nope": "major_outage"}}, "components"),
        ({"components": {"services": "major_outage"}}, "components"),
        ({"components": {"api": "broken"}}, "components"),
        ({"body": ""}, "body"),
        ({"body": "b" * 10_001}, "body"),
        ({"status": "resolved"}, "status"),
    ],
)
def test_an_incident_is_validated(world, changes, param):
    with pytest.raises(InvalidInput) as refused:
        _open(world, **changes)
    assert refused.value.param == param
    assert world.scalar(select(func.count()).select_from(StatusIncident)) == 0


def test_a_postmortem_waits_for_the_resolution(world):
    incident = _open(world)
    with pytest.raises(InvalidInput) as refused:
        svc.write_postmortem(world, incident, body="x", publish=True, actor="ops", now=NOW)
    assert refused.value.param == "postmortem"
    svc.resolve(world, incident, body="done", actor="ops", now=NOW)
    with pytest.raises(InvalidInput):
        svc.write_postmortem(world, incident, body=" ", publish=True, actor="ops", now=NOW)


def test_a_draft_tells_nobody_until_published_and_can_be_deleted(world):
    draft = _open(world, draft=True)
    svc.post_update(world, draft, status="identified", body="found", actor="ops", now=NOW)
    assert _events(world) == []
    svc.publish_draft(world, draft, actor="ops", now=NOW)
    assert not draft.draft and _events(world) == ["incident.created"]
    with pytest.raises(InvalidInput):
        svc.publish_draft(world, draft, actor="ops", now=NOW)
    with pytest.raises(InvalidInput):
        svc.delete_draft(world, draft, actor="ops")

    other = _open(world, draft=True, name="False alarm")
    svc.delete_draft(world, other, actor="ops")
    assert world.scalars(select(StatusIncident.name)).all() == ["API errors"]
    assert world.scalar(select(func.count()).select_from(StatusIncidentUpdate)) == 2
    listed = svc.list_incidents(world, include_drafts=False)
    assert [i.public_id for i in listed] == [draft.public_id]
