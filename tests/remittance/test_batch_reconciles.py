"""The daily reconciliation run after the capture batch: `pointage batch run` and the
in-process scheduler reconcile the merchants whose batch ran, as of the batch's day, which
turns overdue payments `to_review` without any bank line arriving."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pointage.cli.main import app
from pointage.jobs.scheduler import CaptureScheduler
from pointage.reconciliation.models import ReconciliationRun
from tests.factories import make_payment, make_shop
from tests.reconciliation.run_builders import count, remittance_of, statuses
from tests.remittance.builders import DAY, MORNING

# Credited on Monday 13 April (two business days after Thursday 9 April), grace until
# Wednesday 15: overdue by DAY (30 April).
EARLIER = date(2026, 4, 9)


@pytest.fixture
def overdue(session):
    """A remittance already overdue on DAY, and a payment due for DAY's batch."""
    setup = make_shop(session, credit_delay_days=2)
    remittance = remittance_of(session, setup, EARLIER, [4_000])
    make_payment(session, setup.shop, created_at=MORNING, order_id="ORDER-DAY")
    session.commit()
    merchant_id = setup.shop.merchant_id
    session.close()
    return merchant_id, remittance


def invoke(database_url: str, *args: str):
    env = {"POINTAGE_DATABASE_URL": database_url, "POINTAGE_SCHEDULER_ENABLED": "false"}
    return CliRunner().invoke(app, list(args), env=env)


def test_the_batch_command_reconciles_the_day_after_capturing(
    database_url, session, overdue
) -> None:
    _, remittance = overdue

    result = invoke(database_url, "batch", "run", "--date", DAY.isoformat())

    assert result.exit_code == 0, result.output
    run = session.scalars(select(ReconciliationRun)).one()
    assert (run.trigger, run.actor, run.business_date, run.status) == (
        "daily",
        "cli",
        DAY,
        "completed",
    )
    assert result.output.splitlines()[-1] == (
        f"reconciliation run #{run.id} as of 2026-04-30: 0 matched, 0 suggested, "
        "0 bank entries and 2 remittances open, 1 remittance to review"
    )
    assert statuses(session, remittance) == ["to_review"]
    session.rollback()

    again = invoke(database_url, "batch", "run", "--date", DAY.isoformat())
    assert again.exit_code == 0 and "already done" in again.output
    assert "reconciliation" not in again.output  # no batch ran: no run either
    assert count(session, ReconciliationRun) == 1


def test_the_batch_command_can_leave_reconciliation_out(database_url, session, overdue) -> None:
    _, remittance = overdue

    result = invoke(database_url, "batch", "run", "--date", DAY.isoformat(), "--no-reconcile")

    assert result.exit_code == 0, result.output
    assert count(session, ReconciliationRun) == 0
    assert statuses(session, remittance) == ["pending"]


def test_the_scheduler_reconciles_after_the_batches_it_ran(
    session, session_factory, overdue
) -> None:
    merchant_id, remittance = overdue
    scheduler = CaptureScheduler(session_factory, interval_seconds=60)

    scheduler.tick(now=datetime(2026, 4, 30, 21, 30, tzinfo=UTC))

    run = session.scalars(select(ReconciliationRun)).one()
    assert (run.trigger, run.actor, run.business_date, run.merchant_id) == (
        "daily",
        "scheduler",
        DAY,
        merchant_id,
    )
    assert statuses(session, remittance) == ["to_review"]
    session.rollback()
    scheduler.tick(now=datetime(2026, 4, 30, 21, 31, tzinfo=UTC))
    assert count(session, ReconciliationRun) == 1
