"""The daily reconciliation run, after the capture batch.

Shared by the in-process scheduler and `pointage batch run`: once a contract's batch of a
day has run, its merchant is reconciled as of that day (the latest one, when a catch-up ran
several), so that payments whose credit is overdue turn `to_review` the day it happens.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from pointage.db.session import unit_of_work
from pointage.matching.settings import EngineSettings
from pointage.reconciliation.models import RunTrigger
from pointage.reconciliation.service.report import RunReport
from pointage.reconciliation.service.run import merchants_of_contracts, reconcile_all
from pointage.remittance.service import ContractBatchResult


def reconcile_after_batch(
    factory: sessionmaker[Session],
    results: Iterable[ContractBatchResult],
    *,
    actor: str,
    settings: EngineSettings | None = None,
) -> list[RunReport]:
    """Reconcile the merchants of the contracts whose batch ran (not 'already done'),
    each in its own transaction; a failed run is recorded and reported, never raised."""
    days: dict[str, date] = {}
    for result in results:
        if not result.already_done:
            known = days.get(result.contract_number)
            days[result.contract_number] = max(result.business_date, known or result.business_date)
    if not days:
        return []
    with unit_of_work(factory) as session:
        merchants = merchants_of_contracts(session, days)
    latest: dict[int, date] = {}
    for number, merchant_id in merchants.items():
        latest[merchant_id] = max(days[number], latest.get(merchant_id, days[number]))
    by_day: dict[date, list[int]] = defaultdict(list)
    for merchant_id, day in latest.items():
        by_day[day].append(merchant_id)
    reports: list[RunReport] = []
    for day, merchant_ids in sorted(by_day.items()):
        reports += reconcile_all(
            factory,
            trigger=RunTrigger.DAILY,
            actor=actor,
            today=day,
            merchant_ids=merchant_ids,
            settings=settings,
        )
    return reports
