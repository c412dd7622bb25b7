"""The scheduled run of reports: generate what is due for every shop, schedule its
deliveries, then try the deliveries that are due.

A (shop, journal, period) is due when the shop's settings ask for that journal at that
frequency (pointage.report.service.periods), no scheduled run took care of it yet, and the
capture batches of the period's last day have run for every contract of the shop (a
journal of a day whose remittances are not built yet would be wrong, and a period is
delivered once; every batch run, by the scheduler or `pointage batch run`, covers every
contract). Each report is generated in its own transaction: a failure is logged,
recorded as an audit event, retried by a later run, and never stops the others.

Any number of runs may go at once (two processes, a cron job beside `pointage serve`): the
report's unique row makes each period generated once, and the one that finds it made by
another leaves it alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from pointage.audit.service import record
from pointage.core.errors import PointageError
from pointage.db.session import unit_of_work
from pointage.formats.journals.model import JournalKind
from pointage.report import repository
from pointage.report.delivery.service import DeliverySummary, process_due, schedule_deliveries
from pointage.report.models import Frequency, GeneratedReport, ReportFormat, ReportSetting
from pointage.report.service.generate import ReportExists, generate_report
from pointage.report.service.periods import Period, due_periods
from pointage.settings import Settings
from pointage.shop.models import Shop

log = logging.getLogger(__name__)

SCHEDULER = "scheduler"
FAILED_ACTION = "report.generation_failed"
# A report whose generation failed is tried again by the scheduler after this long, not at
# every tick; `pointage reports run-due` tries it at once.
RETRY_FAILED_AFTER = timedelta(minutes=15)


class Outcome(StrEnum):
    GENERATED = "generated"
    ADOPTED = "adopted"  # generated on demand earlier; the scheduled run delivers it
    ALREADY_DONE = "already_done"  # another run took care of it meanwhile
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DueReport:
    shop_pk: int
    shop_id: str
    journal: JournalKind
    period: Period


@dataclass(frozen=True, slots=True)
class ReportResult:
    due: DueReport
    outcome: Outcome
    report_id: int | None = None
    rows: int = 0
    deliveries: int = 0
    error: str | None = None

    def line(self) -> str:
        head = f"shop {self.due.shop_id} {self.due.journal.value} {self.due.period}"
        if self.outcome is Outcome.FAILED:
            return f"{head}: failed: {self.error}"
        return (
            f"{head}: {self.outcome.value.replace('_', ' ')} (report {self.report_id}, "
            f"{self.rows} row(s), {self.deliveries} delivery(ies) scheduled)"
        )


@dataclass(frozen=True, slots=True)
class Waiting:
    """A due report held back until the capture batches of its last day have run."""

    due: DueReport
    contracts: tuple[str, ...]

    def line(self) -> str:
        return (
            f"shop {self.due.shop_id} {self.due.journal.value} {self.due.period}: waiting for "
            f"the capture batch of {self.due.period.end.isoformat()} "
            f"(contract {', '.join(self.contracts)})"
        )


@dataclass(frozen=True, slots=True)
class Plan:
    due: list[DueReport] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RunDueSummary:
    results: list[ReportResult]
    waiting: list[Waiting]
    deliveries: DeliverySummary | None
    delivery_error: str | None = None

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results if result.outcome is outcome)

    @property
    def failed(self) -> list[ReportResult]:
        return [result for result in self.results if result.outcome is Outcome.FAILED]


def run_due(
    session_factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime,
    last_day: date | None = None,
    retry_failed_after: timedelta = RETRY_FAILED_AFTER,
) -> RunDueSummary:
    """Generate every report due at `now` (or, given `last_day`, due once that day is over,
    for every shop alike), schedule their deliveries, then process the deliveries due."""
    with unit_of_work(session_factory) as session:
        plan = plan_due(session, now=now, last_day=last_day, retry_after=retry_failed_after)
    results = [_run_one(session_factory, settings, due, now) for due in plan.due]
    try:
        deliveries = process_due(session_factory, settings, now=now)
    except Exception as exc:
        # Deliveries are retried by the next run; the reports generated stay generated.
        log.exception("processing the due report deliveries failed")
        return RunDueSummary(results, plan.waiting, None, _reason(exc))
    return RunDueSummary(results, plan.waiting, deliveries)


def plan_due(
    session: Session,
    *,
    now: datetime,
    last_day: date | None = None,
    retry_after: timedelta = RETRY_FAILED_AFTER,
) -> Plan:
    """What is due at `now` for every shop with scheduled reports, oldest period first."""
    plan = Plan()
    for setting, shop in repository.scheduled_settings(session):
        zone = ZoneInfo(shop.timezone)
        today = last_day + timedelta(days=1) if last_day else now.astimezone(zone).date()
        since = setting.created_at.astimezone(zone).date()
        periods = due_periods(Frequency(setting.frequency), today, since=since)
        if periods:
            _plan_shop(session, plan, shop, setting, periods, now, retry_after)
    return plan


def _plan_shop(
    session: Session,
    plan: Plan,
    shop: Shop,
    setting: ReportSetting,
    periods: Sequence[Period],
    now: datetime,
    retry_after: timedelta,
) -> None:
    missing_batches: dict[date, tuple[str, ...]] = {}
    for journal in setting.journals:
        kind = JournalKind(journal)
        done = repository.scheduled_periods(
            session, shop.id, kind.value, periods[0].end, scheduler=SCHEDULER
        )
        for period in periods:
            if (period.start, period.end) in done:
                continue
            due = DueReport(shop.id, shop.shop_id, kind, period)
            if period.end not in missing_batches:
                missing_batches[period.end] = tuple(
                    repository.contracts_without_batch(session, shop.id, period.end)
                )
            if missing_batches[period.end]:
                plan.waiting.append(Waiting(due, missing_batches[period.end]))
            elif not _failed_recently(session, due, now, retry_after):
                plan.due.append(due)


def _period_key(due: DueReport) -> str:
    return f"{due.journal.value}:{due.period.start.isoformat()}:{due.period.end.isoformat()}"


def _failed_recently(
    session: Session, due: DueReport, now: datetime, retry_after: timedelta
) -> bool:
    if retry_after <= timedelta(0):
        return False
    last = repository.last_failure_at(session, due.shop_pk, _period_key(due), FAILED_ACTION)
    return last is not None and last > now - retry_after


def _run_one(
    factory: sessionmaker[Session], settings: Settings, due: DueReport, now: datetime
) -> ReportResult:
    try:
        with unit_of_work(factory) as session:
            return _generate_and_schedule(session, settings, due, now)
    except Exception as exc:
        log.exception("report %s of shop %s for %s failed", due.journal, due.shop_id, due.period)
        _record_failure(factory, due, exc, now)
        return ReportResult(due, Outcome.FAILED, error=_reason(exc))


def _generate_and_schedule(
    session: Session, settings: Settings, due: DueReport, now: datetime
) -> ReportResult:
    shop = session.get(Shop, due.shop_pk)
    setting = repository.setting_of_shop(session, due.shop_pk)
    if shop is None or setting is None:  # removed since the plan was made
        return ReportResult(due, Outcome.ALREADY_DONE)
    try:
        report = generate_report(
            session,
            shop,
            due.journal,
            due.period.start,
            due.period.end,
            ReportFormat(setting.format),
            encoding=setting.encoding,
            reports_dir=Path(settings.reports_dir),
            actor=SCHEDULER,
            filename_pattern=setting.filename_pattern,
            now=now,
        )
        outcome = Outcome.GENERATED
    except ReportExists as exists:
        found = repository.report(session, exists.report_id)
        assert found is not None  # just found by its unique key
        report = found
        if _scheduled_already(session, report):
            return ReportResult(due, Outcome.ALREADY_DONE, report.id, report.row_count)
        outcome = Outcome.ADOPTED
    deliveries = []
    # An empty journal is kept (it can be downloaded and re-sent) but sent only if asked.
    if report.row_count > 0 or setting.send_empty:
        deliveries = schedule_deliveries(session, report, setting, requested_by=SCHEDULER)
    return ReportResult(due, outcome, report.id, report.row_count, len(deliveries))


def _scheduled_already(session: Session, report: GeneratedReport) -> bool:
    return report.generated_by == SCHEDULER or repository.has_scheduled_delivery(session, report.id)


def _record_failure(
    factory: sessionmaker[Session], due: DueReport, exc: Exception, now: datetime
) -> None:
    try:
        with unit_of_work(factory) as session:
            event = record(
                session,
                SCHEDULER,
                FAILED_ACTION,
                "report_period",
                _period_key(due),
                shop_pk=due.shop_pk,
                detail={"error": _reason(exc)},
            )
            event.at = now  # the run's time, which the retry's wait counts from
    except Exception:
        log.exception("could not record the failure of report %s", _period_key(due))


def _reason(exc: Exception) -> str:
    if isinstance(exc, PointageError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"[:500]
