"""The in-process scheduler runs the journals due after the capture batches and their
reconciliation, once per period over many ticks; a failure in reports never stops the
batches."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pointage.jobs import reports as report_jobs
from pointage.jobs.scheduler import CaptureScheduler
from pointage.remittance.models import CaptureBatchRun
from pointage.report.models import Delivery, DeliveryStatus, GeneratedReport
from tests.report.reports_data import (
    NOW,
    count,
    deliveries,
    report_settings,
    reports,
    shop_with_reports,
)


@pytest.fixture
def outbox(tmp_path):
    folder = tmp_path / "outbox"
    folder.mkdir()
    return folder


@pytest.fixture
def app_settings(settings, tmp_path):
    return report_settings(settings, tmp_path)


def test_a_tick_runs_the_batches_then_the_journals_of_the_day(
    session, session_factory, app_settings, outbox
):
    shop_with_reports(session, outbox)
    session.commit()
    scheduler = CaptureScheduler(session_factory, 60, reports=app_settings)

    results = scheduler.tick(NOW)

    assert any(r.business_date.isoformat() == "2026-03-02" for r in results)
    assert [(r.journal, r.period_start.isoformat()) for r in reports(session_factory)] == [
        ("jo", "2026-03-02"),
        ("jt", "2026-03-02"),
    ]
    assert [d.status for d in deliveries(session_factory)] == [DeliveryStatus.DELIVERED.value]

    # Later ticks of the same day and the next: nothing twice.
    scheduler.tick(NOW + timedelta(minutes=1))
    scheduler.tick(NOW + timedelta(hours=5))
    assert count(session_factory, GeneratedReport) == 2
    assert count(session_factory, Delivery) == 1


def test_without_report_settings_the_scheduler_makes_no_journal(session, session_factory, outbox):
    shop_with_reports(session, outbox)
    session.commit()
    CaptureScheduler(session_factory, 60).tick(NOW)
    assert count(session_factory, CaptureBatchRun) > 0
    assert count(session_factory, GeneratedReport) == 0


def test_a_failure_in_reports_never_stops_the_batches(
    session, session_factory, app_settings, outbox, monkeypatch, caplog
):
    shop_with_reports(session, outbox)
    session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("reports are broken")

    monkeypatch.setattr(report_jobs, "run_due", broken)
    scheduler = CaptureScheduler(session_factory, 60, reports=app_settings)
    results = scheduler.tick(NOW)
    assert results and count(session_factory, CaptureBatchRun) == len(results)
    assert "scheduled reports failed" in caplog.text

    monkeypatch.undo()
    scheduler.tick(NOW + timedelta(minutes=1))
    assert count(session_factory, GeneratedReport) == 2
