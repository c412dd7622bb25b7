"""The probes of the daily work, read from the database: the scheduler's heartbeat, the
capture batches and reconciliation runs late against their schedule, and the report and
webhook deliveries given up or waiting too long. Each takes a read-only session and the
round's context (settings, thresholds, time)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pointage.jobs.scheduler import CATCH_UP_DAYS, due_runs
from pointage.reconciliation.models import ReconciliationRun, RunStatus
from pointage.remittance.models import CaptureBatchRun
from pointage.remittance.service import ContractSchedule, runs_since
from pointage.report.models import Delivery, DeliveryAttempt
from pointage.report.models import DeliveryStatus as ReportDeliveryStatus
from pointage.shop.models import Contract, Shop
from pointage.status.probes import DatabaseProbe, ProbeContext, Reading, reading
from pointage.status.probes_heartbeat import last_beat
from pointage.status.vocabulary import ComponentStatus
from pointage.webhook.models import DeliveryStatus as WebhookDeliveryStatus
from pointage.webhook.models import WebhookDelivery, WebhookDeliveryAttempt

# Failures are counted over this window; a delivery is in the backlog once due this long.
FAILURE_WINDOW = timedelta(hours=24)
BACKLOG_AFTER = timedelta(minutes=15)


def _minutes(delta: timedelta) -> float:
    return round(max(delta.total_seconds(), 0) / 60, 1)


def scheduler_heartbeat(session: Session, context: ProbeContext) -> Reading:
    """Seconds since the capture scheduler last ticked. A scheduler turned off by the
    settings is not an outage: the reading says so and stays operational."""
    name = "scheduler_heartbeat_age_s"
    levels = context.thresholds[name]
    beat = last_beat(session)
    if not context.settings.scheduler_enabled:
        return Reading(
            name,
            "capture_batch",
            None if beat is None else round((context.now - beat).total_seconds(), 1),
            "s",
            ComponentStatus.OPERATIONAL,
            "the in-process scheduler is disabled by the settings (POINTAGE_SCHEDULER_ENABLED"
            "=false): capture batches are expected to be run by `pointage batch run`",
        )
    if beat is None:
        return Reading(
            name,
            "capture_batch",
            None,
            "s",
            ComponentStatus.OPERATIONAL,
            "no heartbeat recorded yet: the scheduler has not ticked since the database was made",
        )
    age = round((context.now - beat).total_seconds(), 1)
    return reading(
        name, "capture_batch", age, "s", levels, f"last heartbeat at {beat:%Y-%m-%d %H:%M:%S} UTC"
    )


def _cutoff_instant(schedule: ContractSchedule, day: date) -> datetime:
    local = datetime.combine(day, schedule.cutoff_time, tzinfo=ZoneInfo(schedule.timezone))
    return local.astimezone(UTC)


def capture_batch_lateness(session: Session, context: ProbeContext) -> Reading:
    """Minutes the oldest capture batch due and not run is late: a contract's day is due at
    its cut-off (the scheduler's rule, pointage.jobs.scheduler.due_runs), over the days the
    scheduler catches up on, from the contract's creation on."""
    name = "capture_batch_late_min"
    now = context.now
    rows = session.execute(
        select(
            Contract.id, Contract.number, Contract.created_at, Shop.timezone, Contract.cutoff_time
        )
        .join(Shop, Shop.id == Contract.shop_id)
        .order_by(Contract.id)
    ).all()
    done = runs_since(session, now.date() - timedelta(days=CATCH_UP_DAYS + 2))
    late: list[tuple[datetime, str, date]] = []
    for contract_id, number, created_at, timezone, cutoff in rows:
        schedule = ContractSchedule(contract_id, 0, timezone, cutoff)
        for run in due_runs([schedule], done, now):
            due_at = _cutoff_instant(schedule, run.business_date)
            if due_at >= created_at:
                late.append((due_at, number, run.business_date))
    if not late:
        detail = f"every capture batch due has run ({len(rows)} contract(s))"
        return reading(name, "capture_batch", 0, "min", context.thresholds[name], detail)
    due_at, number, day = min(late)
    minutes = _minutes(now - due_at)
    detail = (
        f"{len(late)} capture batch(es) due and not run; the oldest: contract {number} for "
        f"{day.isoformat()}, due at {due_at:%Y-%m-%d %H:%M} UTC"
    )
    return reading(name, "capture_batch", minutes, "min", context.thresholds[name], detail)


def reconciliation_lateness(session: Session, context: ProbeContext) -> Reading:
    """Minutes since the oldest capture batch that no completed reconciliation run of its
    merchant followed (the daily run starts right after the batch); runs that failed since
    are named in the detail."""
    name = "reconciliation_late_min"
    now = context.now
    first_day = now.date() - timedelta(days=CATCH_UP_DAYS + 2)
    batches = session.execute(
        select(Shop.merchant_id, func.min(CaptureBatchRun.started_at))
        .join(Shop, Shop.id == CaptureBatchRun.shop_id)
        .outerjoin(
            ReconciliationRun,
            (ReconciliationRun.merchant_id == Shop.merchant_id)
            & (ReconciliationRun.status == RunStatus.COMPLETED.value)
            & ReconciliationRun.dry_run.is_(False)
            & (ReconciliationRun.started_at >= CaptureBatchRun.started_at),
        )
        .where(CaptureBatchRun.business_date >= first_day, ReconciliationRun.id.is_(None))
        .group_by(Shop.merchant_id)
    ).all()
    levels = context.thresholds[name]
    if not batches:
        return reading(
            name, "reconciliation", 0, "min", levels, "every capture batch has been reconciled"
        )
    oldest = min(started for _merchant, started in batches)
    failed = session.scalar(
        select(func.count())
        .select_from(ReconciliationRun)
        .where(
            ReconciliationRun.status == RunStatus.FAILED.value,
            ReconciliationRun.started_at >= oldest,
            ReconciliationRun.merchant_id.in_([merchant for merchant, _started in batches]),
        )
    )
    detail = (
        f"{len(batches)} merchant(s) with a capture batch not reconciled since "
        f"{oldest:%Y-%m-%d %H:%M} UTC"
    )
    if failed:
        detail += f"; {failed} reconciliation run(s) failed since"
    return reading(name, "reconciliation", _minutes(now - oldest), "min", levels, detail)


def report_deliveries(session: Session, context: ProbeContext) -> Sequence[Reading]:
    """Report deliveries given up in the last 24 hours, and those due for more than 15
    minutes and not sent (the backlog)."""
    now = context.now
    failures = session.scalar(
        select(func.count(func.distinct(Delivery.id)))
        .join(DeliveryAttempt, DeliveryAttempt.delivery_id == Delivery.id)
        .where(
            Delivery.status == ReportDeliveryStatus.FAILED.value,
            DeliveryAttempt.at >= now - FAILURE_WINDOW,
        )
    )
    backlog = session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.status == ReportDeliveryStatus.PENDING.value,
            func.coalesce(Delivery.next_attempt_at, Delivery.created_at) <= now - BACKLOG_AFTER,
        )
    )
    return (
        reading(
            "report_delivery_failures",
            "report_delivery",
            failures or 0,
            "count",
            context.thresholds["report_delivery_failures"],
            f"{failures or 0} report delivery(ies) given up in the last 24 hours",
        ),
        reading(
            "report_delivery_backlog",
            "report_delivery",
            backlog or 0,
            "count",
            context.thresholds["report_delivery_backlog"],
            f"{backlog or 0} report delivery(ies) due for more than 15 minutes",
        ),
    )


def webhook_deliveries(session: Session, context: ProbeContext) -> Sequence[Reading]:
    """Webhook deliveries given up in the last 24 hours, and those due for more than 15
    minutes and not sent (the backlog)."""
    now = context.now
    failures = session.scalar(
        select(func.count(func.distinct(WebhookDelivery.id)))
        .join(WebhookDeliveryAttempt, WebhookDeliveryAttempt.delivery_id == WebhookDelivery.id)
        .where(
            WebhookDelivery.status == WebhookDeliveryStatus.FAILED.value,
            WebhookDeliveryAttempt.at >= now - FAILURE_WINDOW,
        )
    )
    backlog = session.scalar(
        select(func.count())
        .select_from(WebhookDelivery)
        .where(
            WebhookDelivery.status == WebhookDeliveryStatus.PENDING.value,
            func.coalesce(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at)
            <= now - BACKLOG_AFTER,
        )
    )
    return (
        reading(
            "webhook_failures",
            "report_delivery",
            failures or 0,
            "count",
            context.thresholds["webhook_failures"],
            f"{failures or 0} webhook delivery(ies) given up in the last 24 hours",
        ),
        reading(
            "webhook_backlog",
            "report_delivery",
            backlog or 0,
            "count",
            context.thresholds["webhook_backlog"],
            f"{backlog or 0} webhook delivery(ies) due for more than 15 minutes",
        ),
    )


# (probe, component, unit, function) of every probe read from the database, in order; a
# function may give several readings (the first probe names it in a failure).
PROBES: list[tuple[str, str, str | None, DatabaseProbe]] = [
    ("scheduler_heartbeat_age_s", "capture_batch", "s", scheduler_heartbeat),
    ("capture_batch_late_min", "capture_batch", "min", capture_batch_lateness),
    ("reconciliation_late_min", "reconciliation", "min", reconciliation_lateness),
    ("report_delivery_failures", "report_delivery", "count", report_deliveries),
    ("webhook_failures", "report_delivery", "count", webhook_deliveries),
]
