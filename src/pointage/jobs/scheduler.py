"""The in-process scheduler of `pointage serve`: each contract's capture batch at its cut-off,
then the daily reconciliation of the merchants whose batch ran (pointage.jobs.reconcile),
then the journals due and the report deliveries due (pointage.jobs.reports).

Every `scheduler_interval_seconds` it asks the database which (contract, day) runs are due
and runs each in its own unit of work, in a worker thread so that the event loop keeps
serving requests. Several processes may run it at once: the run's claim in the database,
not this loop, makes each (contract, day) run once.

Catch-up: after a stop (a deploy, a laptop asleep), the days missed in the last
CATCH_UP_DAYS days are run too, oldest first, so that each day's payments get a remittance
dated on their own day and numbers stay in date order. Older days are left to an operator
(`pointage batch run --date`): a gap that long needs a person to look at it, and the next
run captures anything still due anyway (it takes everything due by its day).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from pointage.db.session import unit_of_work
from pointage.jobs.capture import run_contract
from pointage.jobs.periodic import PeriodicJob
from pointage.jobs.reconcile import reconcile_after_batch
from pointage.jobs.reports import run_reports
from pointage.matching.settings import EngineSettings
from pointage.remittance import service
from pointage.remittance.service import ContractBatchResult, ContractSchedule
from pointage.settings import Settings
from pointage.status.probes_heartbeat import beat

log = logging.getLogger(__name__)

CATCH_UP_DAYS = 7
SOURCE = "scheduler"


@dataclass(frozen=True, slots=True, order=True)
class DueRun:
    business_date: date
    contract_id: int


def due_runs(
    schedules: Iterable[ContractSchedule],
    done: set[tuple[int, date]],
    now: datetime,
    catch_up_days: int = CATCH_UP_DAYS,
) -> list[DueRun]:
    """The (contract, day) runs due at `now`, oldest first.

    A contract's day is due once its cut-off (local time of its shop) has passed; today's
    before the cut-off is not. Days already in `done` are skipped.
    """
    due = []
    for schedule in schedules:
        local = now.astimezone(ZoneInfo(schedule.timezone))
        today = local.date()
        last = today if local.time() >= schedule.cutoff_time else today - timedelta(days=1)
        day = today - timedelta(days=catch_up_days)
        while day <= last:
            if (schedule.contract_id, day) not in done:
                due.append(DueRun(day, schedule.contract_id))
            day += timedelta(days=1)
    return sorted(due)


class CaptureScheduler(PeriodicJob):
    """Runs the due capture batches every `interval_seconds` until stopped."""

    name = "capture-scheduler"

    def __init__(
        self,
        factory: sessionmaker[Session],
        interval_seconds: float,
        *,
        engine_settings: EngineSettings | None = None,
        reports: Settings | None = None,
    ) -> None:
        super().__init__(interval_seconds)
        self.factory = factory
        self.engine_settings = engine_settings  # of the daily reconciliation runs
        self.reports = reports  # the settings of report generation and delivery; None: off

    def tick(self, now: datetime | None = None) -> list[ContractBatchResult]:
        """Run what is due at `now` (default: the clock); returns what each run did."""
        now = now or datetime.now(UTC)
        self._beat(now)
        with unit_of_work(self.factory) as session:
            schedules = service.contract_schedules(session)
            # Two days' margin: a zone ahead of UTC is already on a later day.
            done = service.runs_since(session, now.date() - timedelta(days=CATCH_UP_DAYS + 2))
        results = []
        for run in due_runs(schedules, done, now):
            if self._stopping.is_set():
                break
            result = self._run_one(run)
            if result is not None:
                results.append(result)
        self._warn_without_contract({r.business_date for r in results if not r.already_done})
        self._reconcile(results)
        if self.reports is not None and not self._stopping.is_set():
            # After the batches and their reconciliation: a day's journals show both.
            run_reports(self.factory, self.reports, now)
        return results

    def _beat(self, now: datetime) -> None:
        """The status page's heartbeat: the scheduler is alive (pointage.status.probes)."""
        try:
            with unit_of_work(self.factory) as session:
                beat(session, now, self.period_seconds)
        except Exception:
            log.exception("the scheduler's heartbeat could not be written")

    def _reconcile(self, results: list[ContractBatchResult]) -> None:
        """The daily reconciliation of the merchants whose batch just ran."""
        try:
            reports = reconcile_after_batch(
                self.factory, results, actor=SOURCE, settings=self.engine_settings
            )
        except Exception:
            # Retried after the next batch: a run only ever looks at what is still open.
            log.exception("daily reconciliation after the capture batches failed")
            return
        for report in reports:
            level = logging.ERROR if report.error else logging.INFO
            log.log(level, "merchant %s: %s", report.merchant_id, report.summary)

    def _run_one(self, run: DueRun) -> ContractBatchResult | None:
        day = run.business_date.isoformat()
        try:
            result = run_contract(self.factory, run.contract_id, run.business_date, source=SOURCE)
        except Exception:
            # One contract's failure must not stop the others; it is retried next tick.
            log.exception("capture batch of contract %s for %s failed", run.contract_id, day)
            return None
        log.info(
            "capture batch of contract %s for %s: %s",
            result.contract_number,
            day,
            "already done"
            if result.already_done
            else f"{result.captured_count} captured, {result.expired_count} expired, "
            f"{len(result.remittances)} remittance(s)",
        )
        return result

    def _warn_without_contract(self, days: set[date]) -> None:
        for day in sorted(days):
            with unit_of_work(self.factory) as session:
                counts = service.transactions_without_contract(session, day)
            for shop_id, count in sorted(counts.items()):
                log.warning(
                    "shop %s has %s transaction(s) due by %s without a contract; not captured",
                    shop_id,
                    count,
                    day.isoformat(),
                )
