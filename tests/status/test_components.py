"""Components of the status page: made from the catalogue once, moved by the probes, and
overridden by an operator for a while, every change of the shown state recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pointage.core.errors import InvalidInput, NotFound
from pointage.status import catalogue
from pointage.status.components import (
    end_expired_overrides,
    ensure_components,
    lift_override,
    set_override,
    set_probe_status,
)
from pointage.status.models import StatusComponentChange
from pointage.status.vocabulary import ComponentStatus

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _changes(session, component_id):
    query = select(StatusComponentChange).where(StatusComponentChange.component_id == component_id)
    return [(c.status, c.source) for c in session.scalars(query.order_by(StatusComponentChange.id))]


def test_the_catalogue_is_created_once_in_its_groups_and_order(session):
    first = ensure_components(session, NOW)
    again = ensure_components(session, NOW + timedelta(minutes=1))
    assert [c.id for c in first.values()] == [c.id for c in again.values()]
    assert set(first) == {spec.key for spec in catalogue.ALL}
    api, services = first["api"], first["services"]
    assert services.is_group and not api.is_group and api.group_id == services.id
    assert len(api.public_id) == 12 and api.public_id.isalnum()
    assert api.status == ComponentStatus.OPERATIONAL
    assert _changes(session, api.id) == [("operational", "probe")]


def test_a_probe_change_is_recorded_once_and_an_override_wins_until_it_ends(session):
    api = ensure_components(session, NOW)["api"]
    assert set_probe_status(session, api, ComponentStatus.DEGRADED_PERFORMANCE, NOW)
    assert not set_probe_status(session, api, ComponentStatus.DEGRADED_PERFORMANCE, NOW)

    until = NOW + timedelta(hours=1)
    set_override(
        session, "api", ComponentStatus.MAJOR_OUTAGE, until, "provider down", actor="ops", now=NOW
    )
    assert not set_probe_status(session, api, ComponentStatus.OPERATIONAL, NOW)
    assert api.status == ComponentStatus.MAJOR_OUTAGE

    assert end_expired_overrides(session, NOW + timedelta(minutes=59)) == []
    assert end_expired_overrides(session, until) == [api]
    assert api.status == ComponentStatus.OPERATIONAL and api.override_status is None
    assert _changes(session, api.id) == [
        ("operational", "probe"),
        ("degraded_performance", "probe"),
        ("major_outage", "override"),
        ("operational", "override_ended"),
    ]


def test_an_override_needs_a_future_end_a_reason_and_a_real_component(session):
    ensure_components(session, NOW)
    later = datetime.now(UTC) + timedelta(hours=1)
    with pytest.raises(InvalidInput) as past:
        set_override(session, "api", ComponentStatus.MAJOR_OUTAGE, NOW, "x", actor="ops")
    assert past.value.param == "until"
    with pytest.raises(InvalidInput) as empty:
        set_override(session, "api", ComponentStatus.MAJOR_OUTAGE, later, "  ", actor="ops")
    assert empty.value.param == "reason"
    with pytest.raises(NotFound):
        set_override(session, "services", ComponentStatus.MAJOR_OUTAGE, later, "x", actor="o")
    lifted = set_override(session, "ipn", ComponentStatus.PARTIAL_OUTAGE, later, "x", actor="o")
    assert lift_override(session, "ipn", actor="ops") is lifted
    assert lifted.status == ComponentStatus.OPERATIONAL
