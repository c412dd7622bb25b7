"""Scheduled maintenance moves on by itself at its times: its components under maintenance
while it runs (unless worse), given back to the probes when it completes, subscribers told."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pointage.core.errors import InvalidInput
from pointage.status import maintenance as mnt
from pointage.status.components import ensure_components, set_override, set_probe_status
from pointage.status.incidents import updates_of
from pointage.status.models import StatusComponentChange, StatusNotification, StatusSubscriber
from pointage.status.vocabulary import ComponentStatus

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
START = NOW + timedelta(hours=2)
END = START + timedelta(hours=1)


def _subscriber(session, target, *, confirmed=True, unsubscribed=False):
    subscriber = StatusSubscriber(
        kind="email",
        target=target,
        token_hash=hashlib.sha256(target.encode()).hexdigest(),
        confirmed_at=NOW if confirmed else None,
        unsubscribed_at=NOW if unsubscribed else None,
    )
    session.add(subscriber)
    session.flush()
    return subscriber


def _events(session):
    query = select(StatusNotification.event, StatusNotification.subscriber_id)
    return [tuple(row) for row in session.execute(query.order_by(StatusNotification.id))]


def _schedule(session, components=("api", "backoffice")):
    return mnt.schedule(
        session,
        name="Database upgrade",
        components=list(components),
        scheduled_for=START,
        scheduled_until=END,
        body="We upgrade the database.",
        actor="ops@example.com",
        now=NOW,
    )


def test_a_maintenance_starts_and_completes_at_its_times(session):
    components = ensure_components(session, NOW)
    reader = _subscriber(session, "reader@example.com")
    _subscriber(session, "unconfirmed@example.com", confirmed=False)
    _subscriber(session, "gone@example.com", unsubscribed=True)
    maintenance = _schedule(session)
    assert maintenance.status == "scheduled" and maintenance.impact == "maintenance"
    assert _events(session) == [("maintenance.scheduled", reader.id)]

    assert mnt.advance_scheduled(session, START - timedelta(seconds=1)) == []
    assert mnt.advance_scheduled(session, START) == [maintenance]
    assert maintenance.status == "in_progress" and maintenance.started_at == START
    assert components["api"].status == ComponentStatus.UNDER_MAINTENANCE
    assert components["ipn"].status == ComponentStatus.OPERATIONAL
    # the probes keep reading, but the component stays under maintenance
    assert not set_probe_status(session, components["api"], ComponentStatus.PARTIAL_OUTAGE, START)
    assert components["api"].status == ComponentStatus.UNDER_MAINTENANCE
    assert mnt.advance_scheduled(session, START + timedelta(minutes=1)) == []

    assert mnt.advance_scheduled(session, END) == [maintenance]
    assert maintenance.status == "completed" and maintenance.resolved_at == END
    assert components["api"].status == ComponentStatus.PARTIAL_OUTAGE  # what the probes said
    assert components["backoffice"].status == ComponentStatus.OPERATIONAL
    assert [u.status for u in updates_of(session, maintenance)] == [
        "completed",
        "in_progress",
        "scheduled",
    ]
    assert [e for e, _ in _events(session)] == [
        "maintenance.scheduled",
        "maintenance.started",
        "maintenance.completed",
    ]
    changes = session.scalars(
        select(StatusComponentChange)
        .where(StatusComponentChange.component_id == components["backoffice"].id)
        .order_by(StatusComponentChange.id)
    ).all()
    assert [(c.status, c.source, c.changed_at) for c in changes[1:]] == [
        ("under_maintenance", "maintenance", START),
        ("operational", "maintenance", END),
    ]
    assert mnt.advance_scheduled(session, END + timedelta(hours=1)) == []


def test_a_late_round_starts_and_completes_in_one_go(session):
    ensure_components(session, NOW)
    maintenance = _schedule(session)
    assert mnt.advance_scheduled(session, END + timedelta(minutes=5)) == [maintenance]
    assert maintenance.status == "completed"
    assert [u.status for u in updates_of(session, maintenance)][:2] == ["completed", "in_progress"]


def test_a_worse_or_overridden_component_is_not_put_under_maintenance(session):
    components = ensure_components(session, NOW)
    set_probe_status(session, components["api"], ComponentStatus.MAJOR_OUTAGE, NOW)
    set_override(
        session,
        "backoffice",
        ComponentStatus.DEGRADED_PERFORMANCE,
        END + timedelta(hours=5),
        "slow pages",
        actor="ops",
        now=NOW,
    )
    maintenance = _schedule(session, ("api", "backoffice", "ipn"))
    mnt.advance_scheduled(session, START)
    assert components["api"].status == ComponentStatus.MAJOR_OUTAGE
    assert components["backoffice"].status == ComponentStatus.DEGRADED_PERFORMANCE
    assert components["ipn"].status == ComponentStatus.UNDER_MAINTENANCE
    assert mnt.held_by(session, maintenance) == ["ipn"]
    mnt.advance_scheduled(session, END)
    assert components["backoffice"].status == ComponentStatus.DEGRADED_PERFORMANCE
    assert components["ipn"].status == ComponentStatus.OPERATIONAL


def test_an_operator_verifies_completes_early_or_cancels(session):
    components = ensure_components(session, NOW)
    first = _schedule(session)
    with pytest.raises(InvalidInput) as refused:
        mnt.post_update(session, first, status="verifying", body="checking", actor="ops", now=NOW)
    assert refused.value.param == "status"
    mnt.post_update(session, first, status="in_progress", body="early", actor="ops", now=NOW)
    assert first.status == "in_progress"
    assert components["api"].status == ComponentStatus.UNDER_MAINTENANCE
    mnt.post_update(session, first, status="verifying", body="checking", actor="ops", now=NOW)
    assert first.status == "verifying"
    mnt.complete(session, first, actor="ops", now=NOW + timedelta(minutes=30))
    assert first.status == "completed"
    assert components["api"].status == ComponentStatus.OPERATIONAL
    with pytest.raises(InvalidInput):
        mnt.complete(session, first, actor="ops", now=NOW)
    with pytest.raises(InvalidInput):
        mnt.cancel(session, first, actor="ops", now=NOW)

    second = _schedule(session)
    mnt.cancel(session, second, actor="ops", now=NOW)
    assert second.status == "completed" and second.started_at is None
    assert updates_of(session, second)[0].body == mnt.CANCELLED_BODY
    assert mnt.advance_scheduled(session, END) == []
    assert components["api"].status == ComponentStatus.OPERATIONAL


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"components": []}, "components"),
        ({"components": ["nope"]}, "components"),
        ({"components": ["services"]}, "components"),
        ({"scheduled_for": NOW}, "scheduled_for"),
        ({"scheduled_until": START}, "scheduled_until"),
        ({"body": " "}, "body"),
    ],
)
def test_a_schedule_is_validated(session, changes, param):
    ensure_components(session, NOW)
    values = {
        "name": "Upgrade",
        "components": ["api"],
        "scheduled_for": START,
        "scheduled_until": END,
        "body": "text",
    }
    values.update(changes)
    with pytest.raises(InvalidInput) as refused:
        mnt.schedule(session, actor="ops", now=NOW, **values)
    assert refused.value.param == param


def test_overlapping_maintenances_hold_a_component_until_the_last_ends(session):
    components = ensure_components(session, NOW)
    first = _schedule(session, ("api",))
    second = mnt.schedule(
        session,
        name="Network work",
        components=["api"],
        scheduled_for=START + timedelta(minutes=30),
        scheduled_until=END + timedelta(hours=1),
        body="Network.",
        actor="ops",
        now=NOW,
    )
    mnt.advance_scheduled(session, START + timedelta(minutes=30))
    assert mnt.held_by(session, first) == ["api"] and mnt.held_by(session, second) == []
    mnt.advance_scheduled(session, END)
    assert first.status == "completed" and second.status == "in_progress"
    assert components["api"].status == ComponentStatus.UNDER_MAINTENANCE
    assert mnt.held_by(session, second) == ["api"]
    mnt.advance_scheduled(session, END + timedelta(hours=1))
    assert components["api"].status == ComponentStatus.OPERATIONAL
    changes = session.scalars(
        select(StatusComponentChange.status)
        .where(StatusComponentChange.component_id == components["api"].id)
        .order_by(StatusComponentChange.id)
    ).all()
    assert changes == ["operational", "under_maintenance", "operational"]


def test_completing_a_maintenance_that_has_not_started_calls_it_off(session):
    components = ensure_components(session, NOW)
    maintenance = _schedule(session, ("api",))
    mnt.complete(session, maintenance, actor="ops", now=NOW)
    assert maintenance.status == "completed" and maintenance.started_at is None
    changes = session.scalars(
        select(StatusComponentChange.status).where(
            StatusComponentChange.component_id == components["api"].id
        )
    ).all()
    assert changes == ["operational"]
