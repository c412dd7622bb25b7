"""The reports' turn in the in-process scheduler: after the capture batches and their
reconciliation, generate the journals that are due and try the deliveries that are due
(new ones, and the retries of failed ones whose wait is over).

It runs at every tick: the periods due, not the tick, decide what is generated, and a
report already made is never made again. Whatever goes wrong here is logged and left to
the next tick; it never reaches the capture batches.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from pointage.report.service.due import Outcome, RunDueSummary, run_due
from pointage.settings import Settings

log = logging.getLogger(__name__)


def run_reports(
    factory: sessionmaker[Session], settings: Settings, now: datetime
) -> RunDueSummary | None:
    """run_due, logged; None if it failed as a whole."""
    try:
        summary = run_due(factory, settings, now=now)
    except Exception:
        log.exception("the scheduled reports failed; tried again at the next tick")
        return None
    for result in summary.results:
        if result.outcome is Outcome.FAILED:
            log.error("%s", result.line())
        elif result.outcome is not Outcome.ALREADY_DONE:
            log.info("%s", result.line())
    if summary.delivery_error:
        log.error("report deliveries: %s", summary.delivery_error)
    return summary
