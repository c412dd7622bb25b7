"""The demo's status page: its admin is an operator, 90 days of history with a few short
episodes, resolved incidents (one with a postmortem), a completed and an upcoming maintenance,
and every component operational now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pointage.auth.models import User
from pointage.auth.service.users import create_user
from pointage.core.statuses import Role
from pointage.demo.status import EPISODES, OPERATOR_EMAIL, build_status_demo
from pointage.status.models import StatusComponent, StatusComponentChange, StatusIncident
from pointage.status.repository import ComponentRepository
from tests.factories import make_shop

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def test_the_demo_status_page(session):
    make_shop(session)
    create_user(session, OPERATOR_EMAIL, Role.ADMIN, ["12345678"])
    build_status_demo(session, NOW)

    assert session.scalars(select(User.operator)).one() is True
    rows = session.scalars(select(StatusIncident).order_by(StatusIncident.created_at)).all()
    past = [row for row in rows if row.kind == "incident"]
    assert len(past) == 4 and {row.status for row in past} == {"resolved", "postmortem"}
    assert sum(row.postmortem_published_at is not None for row in past) == 1
    maintenances = {row.status: row for row in rows if row.kind == "maintenance"}
    assert set(maintenances) == {"completed", "scheduled"}
    assert maintenances["scheduled"].scheduled_for > NOW

    components = [c for c in ComponentRepository(session).all() if not c.is_group]
    assert {c.status for c in components} == {"operational"}
    assert all(c.override_status is None for c in components)
    since = NOW - timedelta(days=90)
    changes = ComponentRepository(session).changes_since(since)
    assert min(c.changed_at for c in changes) >= since - timedelta(days=1)
    away = [c for c in changes if c.status not in ("operational", "under_maintenance")]
    assert len(away) == len(EPISODES)
    assert all(c.changed_at < NOW for c in changes)
    held = session.scalars(
        select(StatusComponentChange.status)
        .join(StatusComponent, StatusComponent.id == StatusComponentChange.component_id)
        .where(StatusComponent.key == "database", StatusComponentChange.source == "maintenance")
    ).all()
    assert held == ["under_maintenance", "operational"]
