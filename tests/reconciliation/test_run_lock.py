"""Runs of one merchant follow each other: on PostgreSQL a run holds an advisory lock on its
merchant until its transaction ends (SQLite lets one writer in at a time by itself)."""

from __future__ import annotations

import os
from datetime import date

import pytest
from sqlalchemy import text

from pointage.reconciliation.models import RunTrigger
from pointage.reconciliation.repository.runs import RUN_LOCK_NAMESPACE
from pointage.reconciliation.service.run import run_reconciliation
from tests.factories import IBAN_BANK_B, make_shop
from tests.reconciliation.run_builders import FakeEngine, no_clues

pytestmark = pytest.mark.skipif(
    not os.environ.get("POINTAGE_TEST_DATABASE_URL"), reason="advisory locks are PostgreSQL's"
)


def free(session, merchant_id: int) -> bool:
    """Whether another transaction could take the merchant's run lock now."""
    taken = session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:namespace, :key)"),
        {"namespace": RUN_LOCK_NAMESPACE, "key": merchant_id},
    )
    session.rollback()
    return bool(taken)


def test_a_run_holds_its_merchants_lock_until_it_commits(session, session_factory) -> None:
    mine = make_shop(session)
    other = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    session.commit()
    observer = session_factory()

    run_reconciliation(
        session,
        merchant_id=mine.merchant.id,
        trigger=RunTrigger.CLI,
        actor="test",
        today=date(2026, 3, 9),
        engine=FakeEngine(),
        clues=no_clues,
    )

    assert not free(observer, mine.merchant.id)
    assert free(observer, other.merchant.id)
    session.commit()
    assert free(observer, mine.merchant.id)
    observer.close()
