"""The picture of the page built from what the real services write: an incident opened,
updated and resolved with a postmortem, a maintenance moving on by itself, a draft; and the
uptime of a component whose outage overlapped a maintenance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pointage.status import incidents, maintenance, summary
from pointage.status.components import ensure_components, set_probe_status
from pointage.status.vocabulary import ComponentStatus

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = datetime(2026, 11, 18, tzinfo=UTC)  # the day of the outage and the maintenance
ACTOR = "ops@example.com"


def test_the_picture_from_the_services(session) -> None:  # type: ignore[no-untyped-def]
    components = ensure_components(session, NOW - timedelta(days=30))
    api = components["api"]
    # The API down from midnight to 06:00; a maintenance of it from 02:00 to 04:00.
    set_probe_status(session, api, ComponentStatus.MAJOR_OUTAGE, DAY)
    work = maintenance.schedule(
        session,
        name="Load balancer replaced",
        components=["api"],
        scheduled_for=DAY + timedelta(hours=2),
        scheduled_until=DAY + timedelta(hours=4),
        body="The load balancer will be replaced.",
        actor=ACTOR,
        now=DAY - timedelta(days=1),
    )
    maintenance.advance_scheduled(session, DAY + timedelta(hours=2))
    maintenance.advance_scheduled(session, DAY + timedelta(hours=4))
    set_probe_status(session, api, ComponentStatus.OPERATIONAL, DAY + timedelta(hours=6))
    opened = incidents.create_incident(
        session,
        name="Payment notifications delayed",
        impact="major",
        components={"ipn": "partial_outage"},
        body="Notifications are sent late.",
        actor=ACTOR,
        now=NOW - timedelta(hours=3),
    )
    incidents.post_update(
        session,
        opened,
        status="monitoring",
        body="A fix is out.",
        actor=ACTOR,
        now=NOW - timedelta(hours=2),
    )
    closed = incidents.create_incident(
        session,
        name="Reports late",
        impact="minor",
        components={"report_delivery": "degraded_performance"},
        body="Reports are late.",
        actor=ACTOR,
        now=NOW - timedelta(days=5),
    )
    incidents.resolve(
        session,
        closed,
        body="Delivered.",
        actor=ACTOR,
        now=NOW - timedelta(days=5) + timedelta(hours=1),
    )
    incidents.write_postmortem(
        session,
        closed,
        body="A disk was full.",
        publish=True,
        actor=ACTOR,
        now=NOW - timedelta(days=4),
    )
    draft = incidents.create_incident(
        session,
        name="Probe draft",
        impact="critical",
        components=None,
        body="The database probe failed.",
        actor=ACTOR,
        draft=True,
        now=NOW - timedelta(minutes=1),
    )
    session.flush()

    picture = summary.build(session, "https://pay.example.com", NOW)

    assert [i["id"] for i in picture["incidents"]] == [opened.public_id]
    current = picture["incidents"][0]
    assert current["status"] == "monitoring" and current["monitoring_at"] is not None
    assert [u["status"] for u in current["incident_updates"]] == ["monitoring", "investigating"]
    assert (
        current["incident_updates"][1]["affected_components"][0]["new_status"] == "partial_outage"
    )
    # The open incident's major impact: at least a "major" indicator.
    assert picture["status"]["indicator"] == "major"
    recent = {i["id"]: i for i in picture["recent"]}
    assert draft.public_id not in recent
    assert recent[closed.public_id]["status"] == "postmortem"
    assert recent[closed.public_id]["postmortem_body"] == "A disk was full."
    assert recent[work.public_id]["status"] == "completed"
    assert picture["upcoming"] == [] and picture["active"] == []

    days = picture["uptime"]["days"]
    figures = picture["uptime"]["components"][api.public_id]["days"]
    that_day = figures[days.index(DAY.date().isoformat())]
    # Down 6 hours, 2 of them under the maintenance (not counted): 4 hours of 22.
    assert that_day == pytest.approx(100 * (1 - 4 / 22))
    assert figures[days.index((DAY - timedelta(days=1)).date().isoformat())] == 100.0
