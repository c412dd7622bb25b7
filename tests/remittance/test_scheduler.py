"""The in-process scheduler: which (contract, day) runs are due, and running them."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from pointage.jobs.scheduler import CaptureScheduler, DueRun, due_runs
from pointage.remittance.models import CaptureBatchRun, Remittance
from pointage.remittance.service import ContractSchedule
from pointage.web.app import create_app
from tests.factories import make_payment, make_shop
from tests.remittance.builders import DAY, MORNING

PARIS = ContractSchedule(contract_id=1, shop_pk=1, timezone="Europe/Paris", cutoff_time=time(23, 0))
NEW_YORK = ContractSchedule(2, 2, "America/New_York", time(22, 30))
WEEK_BEFORE = [DAY - timedelta(days=n) for n in range(7, 0, -1)]


def _days(runs: list[DueRun], contract_id: int) -> list[date]:
    return [run.business_date for run in runs if run.contract_id == contract_id]


def test_today_is_due_only_once_the_cutoff_has_passed():
    done = {(1, day) for day in WEEK_BEFORE}
    before = datetime(2026, 4, 30, 20, 59, tzinfo=UTC)  # 22:59 in Paris
    assert due_runs([PARIS], done, before) == []
    at_cutoff = datetime(2026, 4, 30, 21, 0, tzinfo=UTC)
    assert due_runs([PARIS], done, at_cutoff) == [DueRun(DAY, 1)]
    assert due_runs([PARIS], done | {(1, DAY)}, at_cutoff) == []


def test_missed_days_of_the_last_week_are_caught_up_oldest_first():
    done = {(1, DAY - timedelta(days=3))}
    runs = due_runs([PARIS], done, datetime(2026, 4, 30, 12, 0, tzinfo=UTC))
    expected = [day for day in WEEK_BEFORE if day != DAY - timedelta(days=3)]
    assert _days(runs, 1) == expected
    assert DAY - timedelta(days=8) not in _days(runs, 1)


def test_each_contract_follows_its_shop_time_zone():
    done = {(contract, day) for contract in (1, 2) for day in WEEK_BEFORE}
    # 02:45 UTC on 1 May: 04:45 on 1 May in Paris, 22:45 on 30 April in New York.
    now = datetime(2026, 5, 1, 2, 45, tzinfo=UTC)
    runs = due_runs([PARIS, NEW_YORK], done, now)
    assert _days(runs, 1) == [DAY]  # Paris' 30 April, cut-off passed; 1 May not yet
    assert _days(runs, 2) == [DAY]  # New York's 30 April, 22:30 has passed
    assert runs == sorted(runs)


def test_tick_runs_due_contracts_once(session, session_factory):
    setup = make_shop(session)
    make_payment(session, setup.shop, created_at=MORNING)
    session.commit()
    session.close()
    scheduler = CaptureScheduler(session_factory, interval_seconds=60)

    results = scheduler.tick(now=datetime(2026, 4, 30, 21, 30, tzinfo=UTC))
    assert [r.business_date for r in results] == [*WEEK_BEFORE, DAY]
    assert [len(r.remittances) for r in results] == [0] * 7 + [1]
    assert scheduler.tick(now=datetime(2026, 4, 30, 21, 31, tzinfo=UTC)) == []
    with session.begin():
        remittance = session.scalars(select(Remittance)).one()
        assert (remittance.remittance_date, remittance.number) == (DAY, 1)
        sources = set(session.scalars(select(CaptureBatchRun.source)))
        assert sources == {"scheduler"}


def test_serve_starts_the_scheduler_and_stops_it_cleanly(session, settings):
    make_shop(session)
    session.commit()
    session.close()
    settings = settings.model_copy(update={"scheduler_enabled": True})
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        deadline = clock.monotonic() + 10
        runs = 0
        while runs < 7 and clock.monotonic() < deadline:
            clock.sleep(0.05)
            with session.begin():
                runs = session.scalar(select(func.count(CaptureBatchRun.id)))
        # The last 7 days at least (today too if the cut-off has passed).
        assert runs >= 7
        stopping = clock.monotonic()
    # Shutdown does not wait for the next wake-up (60 s away): the loop is told to stop.
    assert clock.monotonic() - stopping < 5
