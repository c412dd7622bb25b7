"""The status page's probes, driven through real failures: the scheduler stops beating, a
capture batch and its reconciliation are late, deliveries are given up, thresholds come from
the settings; a component gone to major outage opens one draft incident; an override expires
in a round."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from pointage.db.session import unit_of_work
from pointage.jobs.capture import run_contract
from pointage.jobs.scheduler import CaptureScheduler
from pointage.reconciliation.models import ReconciliationRun
from pointage.report.models import Delivery, DeliveryAttempt, GeneratedReport
from pointage.settings import Settings
from pointage.status.components import set_override
from pointage.status.models import (
    StatusComponent,
    StatusComponentChange,
    StatusIncident,
    StatusIncidentComponent,
    StatusIncidentUpdate,
    StatusProbeReading,
)
from pointage.status.probes import FOLLOWS, last_round, run_probe_round
from pointage.status.vocabulary import ChangeSource, ComponentStatus
from pointage.web.app import create_app
from pointage.webhook.models import (
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
    WebhookEvent,
)
from tests.factories import make_shop

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def _with(settings: Settings, **changes: object) -> Settings:
    return Settings(**{**settings.model_dump(), **changes})


# A loaded test machine may take its time: the latencies are not what these tests measure.
PATIENT = {
    name: {"degraded": 60_000, "partial": 60_000, "major": 60_000}
    for name in ("database_latency_ms", "api_latency_ms")
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return _with(settings, status_thresholds=json.dumps(PATIENT))


def _thresholds(**changes: dict[str, float]) -> str:
    return json.dumps({**PATIENT, **changes})


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


def _status(factory, key: str) -> str:
    with unit_of_work(factory) as session:
        return session.scalars(
            select(StatusComponent.status).where(StatusComponent.key == key)
        ).one()


def _reading(factory, probe: str) -> StatusProbeReading:
    with unit_of_work(factory) as session:
        row = session.get(StatusProbeReading, probe)
        assert row is not None
        return row


def _drafts(factory) -> list[tuple[StatusIncident, list[str]]]:
    with unit_of_work(factory) as session:
        incidents = session.scalars(select(StatusIncident).order_by(StatusIncident.id)).all()
        result = []
        for incident in incidents:
            keys = session.scalars(
                select(StatusComponent.key)
                .join(StatusIncidentComponent)
                .where(StatusIncidentComponent.incident_id == incident.id)
            ).all()
            result.append((incident, list(keys)))
        return result


def test_a_healthy_round_reads_every_probe_and_stores_it(session_factory, settings, app):
    result = run_probe_round(session_factory, settings, app, NOW)

    assert result.written and result.database_reachable and result.error is None
    assert last_round() is result and app.state.status_last_round is result
    probes = {r.probe for r in result.readings}
    assert probes == {p for follows in FOLLOWS.values() for p in follows}
    assert all(r.status == ComponentStatus.OPERATIONAL for r in result.readings), result.readings
    api = result.reading_of("api_latency_ms")
    assert api is not None and api.value is not None and api.value > 0
    assert "GET /health answered 200" in api.detail
    heartbeat = result.reading_of("scheduler_heartbeat_age_s")
    assert heartbeat is not None and "disabled by the settings" in heartbeat.detail
    database = _reading(session_factory, "database_latency_ms")
    assert database.unit == "ms" and database.measured_at == NOW and database.value is not None
    for key in FOLLOWS:
        assert _status(session_factory, key) == ComponentStatus.OPERATIONAL
    assert _drafts(session_factory) == []


def test_a_round_without_an_application_builds_one_for_its_self_checks(session_factory, settings):
    result = run_probe_round(session_factory, settings, None, NOW)
    backoffice = result.reading_of("backoffice_latency_ms")
    assert backoffice is not None and backoffice.status == ComponentStatus.OPERATIONAL
    assert "GET /sign-in answered 200" in backoffice.detail


def test_the_scheduler_missing_its_runs_puts_the_daily_work_out(session_factory, settings, app):
    settings = _with(settings, scheduler_enabled=True)
    CaptureScheduler(session_factory, 60).tick(now=NOW)
    beat = _reading(session_factory, "scheduler_heartbeat")
    assert beat.measured_at == NOW

    run_probe_round(session_factory, settings, app, NOW + timedelta(seconds=70))
    assert _reading(session_factory, "scheduler_heartbeat_age_s").value == 70
    assert _status(session_factory, "capture_batch") == ComponentStatus.OPERATIONAL

    # The scheduler stops ticking: past the thresholds its work is out.
    run_probe_round(session_factory, settings, app, NOW + timedelta(minutes=11))
    assert _reading(session_factory, "scheduler_heartbeat_age_s").value == 660
    for key in ("capture_batch", "reconciliation", "report_delivery"):
        assert _status(session_factory, key) == ComponentStatus.PARTIAL_OUTAGE
    assert _status(session_factory, "api") == ComponentStatus.OPERATIONAL

    result = run_probe_round(session_factory, settings, app, NOW + timedelta(minutes=31))
    for key in ("capture_batch", "reconciliation", "report_delivery"):
        assert _status(session_factory, key) == ComponentStatus.MAJOR_OUTAGE
    assert _status(session_factory, "processing") == ComponentStatus.MAJOR_OUTAGE
    # One draft: the heartbeat took the three down.
    assert len(result.drafts_opened) == 1
    ((draft, keys),) = _drafts(session_factory)
    assert draft.name == "Capture batch: major outage detected" and draft.impact == "major"
    assert sorted(keys) == ["capture_batch", "reconciliation", "report_delivery"]

    # It ticks again: back to operational at the next round.
    CaptureScheduler(session_factory, 60).tick(now=NOW + timedelta(minutes=32))
    run_probe_round(session_factory, settings, app, NOW + timedelta(minutes=33))
    assert _status(session_factory, "capture_batch") == ComponentStatus.OPERATIONAL
    with unit_of_work(session_factory) as session:
        component = session.scalars(
            select(StatusComponent).where(StatusComponent.key == "capture_batch")
        ).one()
        history = session.scalars(
            select(StatusComponentChange.status)
            .where(StatusComponentChange.component_id == component.id)
            .order_by(StatusComponentChange.id)
        ).all()
    assert history == ["operational", "partial_outage", "major_outage", "operational"]


def test_a_disabled_scheduler_is_said_not_an_outage(session_factory, settings, app):
    CaptureScheduler(session_factory, 60).tick(now=NOW)
    result = run_probe_round(session_factory, settings, app, NOW + timedelta(days=2))
    heartbeat = result.reading_of("scheduler_heartbeat_age_s")
    assert heartbeat is not None and heartbeat.status == ComponentStatus.OPERATIONAL
    assert "disabled by the settings" in heartbeat.detail
    assert heartbeat.value == 2 * 86_400


def _shop_with_contract(factory, cutoff: time, created_at: datetime) -> tuple[int, int]:
    with unit_of_work(factory) as session:
        setup = make_shop(session, cutoff_time=cutoff)
        setup.contract.created_at = created_at
        session.flush()
        return setup.contract.id, setup.merchant.id


def test_a_late_capture_batch_and_its_reconciliation(session_factory, settings, app):
    # A contract of a Paris shop cutting off at 11:00 (10:00 UTC in November), made the day
    # before: yesterday's and today's batches are due at NOW (12:00 UTC), none has run.
    contract_id, merchant_id = _shop_with_contract(
        session_factory, time(11, 0), NOW - timedelta(days=1, hours=6)
    )
    result = run_probe_round(session_factory, settings, app, NOW)
    late = result.reading_of("capture_batch_late_min")
    assert late is not None and late.value == 24 * 60 + 120
    assert late.status == ComponentStatus.MAJOR_OUTAGE
    assert "2 capture batch(es) due and not run" in late.detail
    assert "2026-11-01" in late.detail
    assert _status(session_factory, "capture_batch") == ComponentStatus.MAJOR_OUTAGE

    # Yesterday's batch runs (late): today's is still late, by 2 hours.
    run_contract(session_factory, contract_id, (NOW - timedelta(days=1)).date(), source="test")
    result = run_probe_round(session_factory, settings, app, NOW)
    late = result.reading_of("capture_batch_late_min")
    assert late is not None and late.value == 120
    assert late.status == ComponentStatus.PARTIAL_OUTAGE
    # A batch runs (on the clock: its claim is timed now) and no reconciliation follows it.
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    run_contract(session_factory, contract_id, yesterday, source="test")
    later = datetime.now(UTC) + timedelta(minutes=45)
    result = run_probe_round(session_factory, settings, app, later)
    reconciliation = result.reading_of("reconciliation_late_min")
    assert reconciliation is not None and reconciliation.value >= 45
    assert reconciliation.status == ComponentStatus.DEGRADED_PERFORMANCE
    assert "1 merchant(s) with a capture batch not reconciled" in reconciliation.detail

    # A run that failed is named; a completed one after the batch ends the lateness.
    _run(session_factory, merchant_id, "failed")
    result = run_probe_round(session_factory, settings, app, later)
    reconciliation = result.reading_of("reconciliation_late_min")
    assert reconciliation is not None and reconciliation.value >= 45
    assert "1 reconciliation run(s) failed since" in reconciliation.detail
    _run(session_factory, merchant_id, "completed")
    result = run_probe_round(session_factory, settings, app, later)
    reconciliation = result.reading_of("reconciliation_late_min")
    assert reconciliation is not None and reconciliation.value == 0
    assert _status(session_factory, "reconciliation") == ComponentStatus.OPERATIONAL


def _run(factory, merchant_id: int, status: str) -> None:
    with unit_of_work(factory) as session:
        session.add(
            ReconciliationRun(
                merchant_id=merchant_id,
                trigger="daily",
                actor="test",
                status=status,
                business_date=NOW.date(),
                started_at=datetime.now(UTC),
            )
        )


def test_the_scheduler_runs_the_late_batches_and_the_probes_see_it(session_factory, settings, app):
    _shop_with_contract(session_factory, time(11, 0), NOW - timedelta(days=1, hours=6))
    now = datetime.now(UTC)
    CaptureScheduler(session_factory, 60).tick(now=now)
    result = run_probe_round(session_factory, settings, app, now + timedelta(minutes=1))
    assert result.reading_of("capture_batch_late_min").value == 0  # type: ignore[union-attr]
    assert result.reading_of("reconciliation_late_min").value == 0  # type: ignore[union-attr]


def _webhook_deliveries(factory, now: datetime, failed: int, pending: int) -> None:
    with unit_of_work(factory) as session:
        shop = make_shop(session).shop
        endpoint = WebhookEndpoint(
            shop_id=shop.id,
            mode="TEST",
            url="https://hooks.example.com/in",
            secret_encrypted="x",
            created_by="test",
        )
        session.add(endpoint)
        session.flush()
        for number in range(failed + pending):
            event = WebhookEvent(
                public_id=f"evt_{number:032x}",
                shop_id=shop.id,
                mode="TEST",
                type="transaction.updated",
                subject_id=number,
                payload={},
            )
            session.add(event)
            session.flush()
            delivery = WebhookDelivery(
                endpoint_id=endpoint.id,
                event_id=event.id,
                status="failed" if number < failed else "pending",
                attempts=1,
                next_attempt_at=None if number < failed else now - timedelta(minutes=20),
                created_at=now - timedelta(hours=1),
            )
            session.add(delivery)
            session.flush()
            session.add(
                WebhookDeliveryAttempt(
                    delivery_id=delivery.id,
                    at=now - timedelta(minutes=30),
                    error="connection refused",
                )
            )


def test_failed_deliveries_and_a_backlog_put_report_delivery_out(session_factory, settings, app):
    _webhook_deliveries(session_factory, NOW, failed=6, pending=3)
    result = run_probe_round(session_factory, settings, app, NOW)
    failures = result.reading_of("webhook_failures")
    backlog = result.reading_of("webhook_backlog")
    assert failures is not None and failures.value == 6
    assert failures.status == ComponentStatus.DEGRADED_PERFORMANCE
    assert backlog is not None and backlog.value == 3
    assert _status(session_factory, "report_delivery") == ComponentStatus.DEGRADED_PERFORMANCE
    # A day later the failures are out of the window; the backlog is still there.
    result = run_probe_round(session_factory, settings, app, NOW + timedelta(days=1, hours=1))
    assert result.reading_of("webhook_failures").value == 0  # type: ignore[union-attr]
    assert result.reading_of("webhook_backlog").value == 3  # type: ignore[union-attr]


def test_thresholds_come_from_the_settings(session_factory, settings, app):
    _webhook_deliveries(session_factory, NOW, failed=2, pending=0)
    strict = _with(
        settings,
        status_thresholds=_thresholds(webhook_failures={"degraded": 1, "partial": 2, "major": 2}),
    )
    run_probe_round(session_factory, strict, app, NOW)
    assert _status(session_factory, "report_delivery") == ComponentStatus.MAJOR_OUTAGE
    run_probe_round(session_factory, settings, app, NOW + timedelta(minutes=1))
    assert _status(session_factory, "report_delivery") == ComponentStatus.OPERATIONAL


def test_a_major_outage_opens_one_draft_incident(session_factory, settings, app):
    # Any round trip is too slow for these thresholds: the database is in major outage.
    slow = _with(
        settings,
        status_thresholds=_thresholds(
            database_latency_ms={"degraded": 0, "partial": 0, "major": 0}
        ),
    )
    first = run_probe_round(session_factory, slow, app, NOW)
    second = run_probe_round(session_factory, slow, app, NOW + timedelta(minutes=1))
    assert len(first.drafts_opened) == 1 and second.drafts_opened == []
    # The database's draft covers what it took down with it.
    ((database, keys),) = _drafts(session_factory)
    assert sorted(keys) == ["database", "ipn", "statement_import"]
    assert database.draft and database.kind == "incident" and database.status == "investigating"
    assert database.impact == "critical"
    assert database.name == "Database: major outage detected"
    with unit_of_work(session_factory) as session:
        update = session.scalars(
            select(StatusIncidentUpdate).where(StatusIncidentUpdate.incident_id == database.id)
        ).one()
    assert update.status == "investigating"
    assert update.affected == {
        "database": "major_outage",
        "ipn": "major_outage",
        "statement_import": "major_outage",
    }
    assert "database_latency_ms:" in update.body and "SELECT 1" in update.body

    # Back to normal, then out again while the draft is still open: no second draft.
    run_probe_round(session_factory, settings, app, NOW + timedelta(minutes=2))
    third = run_probe_round(session_factory, slow, app, NOW + timedelta(minutes=3))
    assert third.drafts_opened == []
    # Once the incident is resolved, the next outage opens a new draft.
    with unit_of_work(session_factory) as session:
        for incident in session.scalars(select(StatusIncident)):
            incident.status = "resolved"
    run_probe_round(session_factory, settings, app, NOW + timedelta(minutes=4))
    fourth = run_probe_round(session_factory, slow, app, NOW + timedelta(minutes=5))
    assert len(fourth.drafts_opened) == 1


def test_an_override_expires_in_a_round(session_factory, settings, app):
    run_probe_round(session_factory, settings, app, NOW)
    with unit_of_work(session_factory) as session:
        set_override(
            session,
            "api",
            ComponentStatus.MAJOR_OUTAGE,
            NOW + timedelta(minutes=10),
            "provider down",
            actor="ops",
            now=NOW,
        )
    run_probe_round(session_factory, settings, app, NOW + timedelta(minutes=5))
    assert _status(session_factory, "api") == ComponentStatus.MAJOR_OUTAGE
    assert _status(session_factory, "services") == ComponentStatus.MAJOR_OUTAGE
    run_probe_round(session_factory, settings, app, NOW + timedelta(minutes=11))
    assert _status(session_factory, "api") == ComponentStatus.OPERATIONAL
    assert _status(session_factory, "services") == ComponentStatus.OPERATIONAL
    with unit_of_work(session_factory) as session:
        api = session.scalars(select(StatusComponent).where(StatusComponent.key == "api")).one()
        assert api.override_status is None
        sources = session.scalars(
            select(StatusComponentChange.source)
            .where(StatusComponentChange.component_id == api.id)
            .order_by(StatusComponentChange.id)
        ).all()
        # The override, not the probes, made the outage: no draft.
        assert session.scalar(select(func.count()).select_from(StatusIncident)) == 0
    assert sources[-2:] == [ChangeSource.OVERRIDE, ChangeSource.OVERRIDE_ENDED]


def test_a_probe_that_fails_puts_its_component_out_and_the_round_goes_on(
    session_factory, settings, app, engine
):
    # The table the webhook probe reads is gone (renamed away, then back).
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE webhook_delivery_attempt RENAME TO attempt_away"))
    try:
        result = run_probe_round(session_factory, settings, app, NOW)
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE attempt_away RENAME TO webhook_delivery_attempt"))
    failed = result.reading_of("webhook_failures")
    assert failed is not None and failed.value is None
    assert failed.status == ComponentStatus.MAJOR_OUTAGE
    assert failed.detail.startswith("the probe failed: ")
    assert "webhook_delivery_attempt" in failed.detail
    # The other probes read as usual, and the round wrote its results.
    assert result.written
    report = result.reading_of("report_delivery_failures")
    assert report is not None and report.status == ComponentStatus.OPERATIONAL
    assert _status(session_factory, "report_delivery") == ComponentStatus.MAJOR_OUTAGE
    assert _status(session_factory, "capture_batch") == ComponentStatus.OPERATIONAL
    ((draft, keys),) = _drafts(session_factory)
    assert keys == ["report_delivery"] and draft.name == "Report delivery: major outage detected"


def test_a_report_delivery_given_up_degrades_report_delivery(session_factory, settings, app):
    with unit_of_work(session_factory) as session:
        shop = make_shop(session).shop
        report = GeneratedReport(
            shop_id=shop.id,
            journal="transactions",
            period_start=NOW.date(),
            period_end=NOW.date(),
            format="csv",
            encoding="utf-8",
            filename="journal.csv",
            storage_path="journal.csv",
            sha256="0" * 64,
            size_bytes=10,
            row_count=1,
            generated_by="test",
        )
        session.add(report)
        session.flush()
        for sequence, status in enumerate(("failed", "pending", "delivered")):
            delivery = Delivery(
                report_id=report.id,
                shop_id=shop.id,
                channel="email",
                destination="ops@example.com",
                sequence=sequence,
                status=status,
                attempts=1,
                next_attempt_at=NOW - timedelta(minutes=5) if status == "pending" else None,
                requested_by="test",
            )
            session.add(delivery)
            session.flush()
            session.add(
                DeliveryAttempt(
                    delivery_id=delivery.id,
                    at=NOW - timedelta(hours=2),
                    ok=status == "delivered",
                    error=None if status == "delivered" else "SMTP server refused",
                )
            )
    result = run_probe_round(session_factory, settings, app, NOW)
    failures = result.reading_of("report_delivery_failures")
    assert failures is not None and failures.value == 1
    assert failures.status == ComponentStatus.DEGRADED_PERFORMANCE
    # Due 5 minutes ago: not in the backlog yet; 15 minutes later it is.
    assert result.reading_of("report_delivery_backlog").value == 0  # type: ignore[union-attr]
    assert _status(session_factory, "report_delivery") == ComponentStatus.DEGRADED_PERFORMANCE
    later = run_probe_round(session_factory, settings, app, NOW + timedelta(minutes=11))
    assert later.reading_of("report_delivery_backlog").value == 1  # type: ignore[union-attr]
