"""The scheduled run: the journals due after the day's batch, generated once per period even
when runs go twice or at once, delivered (empty ones only when asked), a failure recorded
while the others go on."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pointage.audit.models import AuditEvent
from pointage.report.models import Delivery, DeliveryStatus, GeneratedReport
from pointage.report.service import generate as generate_module
from pointage.report.service import on_demand
from pointage.report.service.due import FAILED_ACTION, Outcome, run_due
from tests.factories import IBAN_BANK_B
from tests.report.reports_data import (
    DAY,
    NOW,
    count,
    deliveries,
    report_settings,
    reports,
    run_batch,
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


def outcomes(summary) -> list[tuple[str, str, str]]:
    return sorted(
        (r.due.journal.value, str(r.due.period), r.outcome.value) for r in summary.results
    )


def test_reports_wait_for_the_batch_then_go_once(session, session_factory, app_settings, outbox):
    shop_with_reports(session, outbox)
    session.commit()

    waiting = run_due(session_factory, app_settings, now=NOW)
    assert waiting.results == []
    assert sorted(w.due.journal.value for w in waiting.waiting) == ["jo", "jt"]
    assert waiting.waiting[0].contracts == ("C12345678",)
    assert count(session_factory, GeneratedReport) == 0

    run_batch(session_factory, DAY)
    summary = run_due(session_factory, app_settings, now=NOW)
    assert outcomes(summary) == [
        ("jo", "2026-03-02", "generated"),
        ("jt", "2026-03-02", "generated"),
    ]
    jo, jt = reports(session_factory)
    assert (jt.row_count, jt.generated_by) == (2, "scheduler")
    assert jo.row_count == 0  # no merchant operation that day
    # The empty journal is kept but not sent; the other is delivered into the folder.
    [delivery] = deliveries(session_factory)
    assert (delivery.report_id, delivery.sequence) == (jt.id, 0)
    assert delivery.status == DeliveryStatus.DELIVERED.value
    assert summary.deliveries is not None and summary.deliveries.delivered == 1
    assert [p.name for p in outbox.iterdir()] == ["JT_SHOP_12345678_12345678_260302.csv"]

    again = run_due(session_factory, app_settings, now=NOW + timedelta(hours=1))
    assert again.results == [] and again.waiting == []
    assert count(session_factory, GeneratedReport) == 2
    assert count(session_factory, Delivery) == 1


def test_empty_journals_are_sent_when_asked(session, session_factory, app_settings, outbox):
    shop_with_reports(session, outbox, send_empty=True)
    session.commit()
    run_batch(session_factory, DAY)
    summary = run_due(session_factory, app_settings, now=NOW)
    assert summary.deliveries is not None and summary.deliveries.delivered == 2
    assert sorted(p.name[:2] for p in outbox.iterdir()) == ["JO", "JT"]


def test_runs_at_once_generate_and_deliver_each_period_once(
    session, session_factory, app_settings, outbox
):
    shop_with_reports(session, outbox)
    shop_with_reports(session, outbox, shop_id="87654321", iban=IBAN_BANK_B)
    session.commit()
    run_batch(session_factory, DAY)
    barrier = threading.Barrier(3)
    summaries = []

    def worker() -> None:
        barrier.wait()
        summaries.append(run_due(session_factory, app_settings, now=NOW))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(summaries) == 3
    assert not any(summary.failed for summary in summaries)
    generated = [r for s in summaries for r in s.results if r.outcome is Outcome.GENERATED]
    assert len(generated) == 4  # (jt, jo) x 2 shops, each by exactly one of the runs
    assert count(session_factory, GeneratedReport) == 4
    assert [d.sequence for d in deliveries(session_factory)] == [0, 0]
    assert sorted(p.name for p in outbox.iterdir()) == [
        "JT_SHOP_12345678_12345678_260302.csv",
        "JT_SHOP_87654321_87654321_260302.csv",
    ]


def test_a_failure_is_recorded_retried_later_and_stops_nothing_else(
    session, session_factory, app_settings, outbox, monkeypatch
):
    shop_with_reports(session, outbox)
    session.commit()
    run_batch(session_factory, DAY)
    real_producer = generate_module.producer

    def failing_jo(kind):
        if kind.value == "jo":
            raise RuntimeError("the operations query broke")
        return real_producer(kind)

    monkeypatch.setattr(generate_module, "producer", failing_jo)
    summary = run_due(session_factory, app_settings, now=NOW)
    assert outcomes(summary) == [("jo", "2026-03-02", "failed"), ("jt", "2026-03-02", "generated")]
    assert "the operations query broke" in summary.failed[0].error
    with session_factory() as check:
        event = check.scalar(select(AuditEvent).where(AuditEvent.action == FAILED_ACTION))
    assert event is not None and event.object_id == "jo:2026-03-02:2026-03-02"
    assert count(session_factory, GeneratedReport) == 1

    # The scheduler leaves it a while rather than failing at every tick…
    soon = run_due(session_factory, app_settings, now=NOW + timedelta(minutes=5))
    assert soon.results == []
    # … then tries again, and it goes through once mended.
    monkeypatch.setattr(generate_module, "producer", real_producer)
    later = run_due(session_factory, app_settings, now=NOW + timedelta(minutes=20))
    assert outcomes(later) == [("jo", "2026-03-02", "generated")]


def test_a_failed_delivery_is_retried_by_a_later_run(
    session, session_factory, app_settings, tmp_path
):
    missing = tmp_path / "not-mounted"
    shop_with_reports(session, missing, journals=["jt"])
    session.commit()
    run_batch(session_factory, DAY)
    first = run_due(session_factory, app_settings, now=NOW)
    assert first.deliveries is not None and first.deliveries.retrying == 1
    [delivery] = deliveries(session_factory)
    assert delivery.status == DeliveryStatus.PENDING.value
    assert "does not exist" in (delivery.last_error or "")

    missing.mkdir()
    later = run_due(session_factory, app_settings, now=NOW + timedelta(minutes=2))
    assert later.results == []  # nothing generated again
    [delivery] = deliveries(session_factory)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED.value, 2)
    assert len(list(missing.iterdir())) == 1


def test_a_report_generated_on_demand_is_delivered_by_the_schedule_once(
    session, session_factory, app_settings, outbox
):
    setup = shop_with_reports(session, outbox, journals=["jt"])
    session.commit()
    run_batch(session_factory, DAY)
    with session_factory() as own, own.begin():
        on_demand.generate_now(
            own,
            own.get(type(setup.shop), setup.shop.id),
            on_demand.Request(journal="jt", day=DAY),
            reports_dir=Path(app_settings.reports_dir),
            actor="api:12345678",
            now=NOW,
        )
    summary = run_due(session_factory, app_settings, now=NOW)
    assert outcomes(summary) == [("jt", "2026-03-02", "adopted")]
    [report] = reports(session_factory)
    assert report.generated_by == "api:12345678"
    assert [d.status for d in deliveries(session_factory)] == ["delivered"]
    assert run_due(session_factory, app_settings, now=NOW).results == []


def test_weekly_reports_cover_monday_to_sunday_and_go_on_the_monday(
    session, session_factory, app_settings, outbox
):
    shop_with_reports(session, outbox, journals=["jt"], frequency="weekly")
    session.commit()
    monday = datetime(2026, 3, 9, 6, 0, tzinfo=NOW.tzinfo)
    assert run_due(session_factory, app_settings, now=NOW).results == []  # mid-week
    run_batch(session_factory, date(2026, 3, 8))
    summary = run_due(session_factory, app_settings, now=monday)
    assert outcomes(summary) == [("jt", "2026-03-02..2026-03-08", "generated")]
    [report] = reports(session_factory)
    assert report.filename == "JT_SHOP_12345678_12345678_260302-260308.csv"
    assert report.row_count == 2


def test_run_due_for_a_given_day(session, session_factory, app_settings, outbox):
    shop_with_reports(session, outbox, journals=["jt"])
    session.commit()
    run_batch(session_factory, DAY)
    # As if run long after: the day given decides what is due, not the clock.
    summary = run_due(session_factory, app_settings, now=NOW + timedelta(days=60), last_day=DAY)
    assert outcomes(summary) == [("jt", "2026-03-02", "generated")]


def test_nothing_is_due_without_journals_or_with_frequency_none(
    session, session_factory, app_settings, outbox
):
    shop_with_reports(session, outbox, journals=[])
    shop_with_reports(
        session, outbox, shop_id="87654321", iban=IBAN_BANK_B, journals=["jt"], frequency="none"
    )
    session.commit()
    run_batch(session_factory, DAY)
    summary = run_due(session_factory, app_settings, now=NOW)
    assert summary.results == [] and summary.waiting == []


def test_settings_saved_today_start_with_today(session, session_factory, app_settings, outbox):
    shop_with_reports(session, outbox, created=NOW)
    session.commit()
    run_batch(session_factory, DAY)
    assert run_due(session_factory, app_settings, now=NOW).results == []
