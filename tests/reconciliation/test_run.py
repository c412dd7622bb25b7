"""Reconciliation runs end to end with the real engine: payments captured into remittances
by the batch, the bank's CFONB 120 statement imported, a run, and what it leaves in the
database — matches and claims, every transaction's status, the dispute flag of a payment
taken back, the run and why what is open stayed open; runs again adding nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pointage.formats.statements.model import EntryDetail
from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    Match,
    MatchEntry,
    MatchRemittance,
    ReconciliationRun,
    RunOpenItem,
    RunTrigger,
    Suggestion,
)
from pointage.reconciliation.service.run import run_reconciliation
from tests.reconciliation.run_builders import (
    MONDAY,
    count,
    credit_line,
    import_lines,
    other_line,
    remittance_of,
    shop_with_contract,
    statuses,
)
from tests.remittance.builders import dump

# Monday 9 March: the remittances of 2 to 5 March are due from the 4th to the 9th; that of
# Wednesday 4 March (due Friday 6) is overdue from Wednesday 11 (two business days' grace).
TODAY = date(2026, 3, 9)


@pytest.fixture
def week(session):
    """Four remittances: the bank credits the first exactly, the second one euro short,
    nothing for the third, the fourth exactly; and takes back the first payment."""
    setup = shop_with_contract(session)
    remittances = [
        remittance_of(session, setup, MONDAY + timedelta(days=n), amounts, tag=tag)
        for n, amounts, tag in ((0, [10_000, 5_000], "A"), (1, [7_000], "B"),
                                (2, [3_000], "C"), (3, [2_000, 1_000], "D"))
    ]  # fmt: skip
    first, short, _missing, fourth = remittances
    contract = setup.contract.number
    chargeback = other_line(-10_000, "IMPAYE CARTE XXXX0044", TODAY, code="38")
    chargeback.details = [EntryDetail(record=0, qualifier="LIB", text="CDE ORDER-A-2026-03-02-0")]
    import_lines(
        session,
        setup.merchant.id,
        [
            credit_line(first, contract),
            credit_line(short, contract, amount=short.expected_credit_minor - 100),
            credit_line(fourth, contract),
            other_line(-4_200, "PRLV EDF", TODAY),
            chargeback,
        ],
    )
    session.commit()
    return setup, remittances


def run(session, setup, today=TODAY, dry_run=False):
    return run_reconciliation(
        session,
        merchant_id=setup.merchant.id,
        trigger=RunTrigger.CLI,
        actor="test",
        today=today,
        dry_run=dry_run,
    )


def test_a_run_matches_the_credits_and_sets_every_transaction_status(session, week) -> None:
    setup, (first, short, missing, fourth) = week

    report = run(session, setup)

    assert (report.matched, report.suggested) == (4, 0)
    assert (report.open_entries, report.open_remittances, report.to_review) == (1, 1, 0)
    assert statuses(session, first) == ["reconciled"]
    assert statuses(session, short) == ["anomaly"]
    assert statuses(session, missing) == ["pending"]
    assert statuses(session, fourth) == ["reconciled"]
    credits = {
        claim.remittance_id: session.get(Match, claim.match_id)
        for claim in session.scalars(select(MatchRemittance))
    }
    assert set(credits) == {first.id, short.id, fourth.id}
    assert {m.rule for m in credits.values()} == {"remittance_credit"}
    assert credits[short.id].difference_minor == -100 and credits[short.id].anomaly
    assert credits[first.id].anomaly is None and credits[first.id].evidence
    assert {c["outcome"] for c in credits[first.id].evidence} <= {"pass", "partial", "info"}
    assert {m.origin for m in credits.values()} == {"engine"}
    assert count(session, MatchEntry) == 4
    taken_back = session.scalars(
        select(Transaction).where(Transaction.order_id == "ORDER-A-2026-03-02-0")
    ).one()
    assert taken_back.dispute_flag == "yes"
    stored = session.get(ReconciliationRun, report.run_id)
    assert (stored.status, stored.matched, stored.open_entries, stored.open_remittances) == (
        "completed",
        4,
        1,
        1,
    )
    reasons = {
        (item.kind, item.object_id): item.reason
        for item in session.scalars(select(RunOpenItem).where(RunOpenItem.run_id == stored.id))
    }
    assert reasons[("remittance", missing.id)] == "not_yet_due"
    assert list(reasons.values()).count("not_gateway") == 1


def test_running_again_adds_nothing_and_the_day_alone_turns_an_overdue_credit_to_review(
    session, week
) -> None:
    setup, (first, _short, missing, _fourth) = week
    run(session, setup)
    session.commit()
    matches = count(session, Match)

    again = run(session, setup)
    assert (again.matched, again.suggested) == (0, 0)
    assert count(session, Match) == matches and count(session, Suggestion) == 0

    later = run(session, setup, today=date(2026, 3, 11))
    assert statuses(session, missing) == ["to_review"]
    assert statuses(session, first) == ["reconciled"]
    assert later.to_review == 1
    (item,) = session.scalars(
        select(RunOpenItem).where(
            RunOpenItem.run_id == later.run_id, RunOpenItem.kind == "remittance"
        )
    )
    assert (item.object_id, item.reason) == (missing.id, "overdue")


def test_a_dry_run_with_the_real_engine_writes_nothing(session, engine, week) -> None:
    setup, _ = week
    before = dump(engine)

    dry = run(session, setup, dry_run=True)
    session.rollback()

    assert dump(engine) == before
    real = run(session, setup)
    assert (dry.matched, dry.open_entries, dry.open_remittances) == (
        real.matched,
        real.open_entries,
        real.open_remittances,
    )
    assert dict(dry.remittance_statuses) == dict(real.remittance_statuses)
    assert [m.proposal for m in dry.matches] == [m.proposal for m in real.matches]


def test_a_second_chargeback_of_a_payment_is_left_to_a_person(session, week) -> None:
    setup, _ = week
    run(session, setup)
    again = other_line(-10_000, "IMPAYE CARTE XXXX0044", TODAY + timedelta(days=1), code="38")
    again.details = [EntryDetail(record=0, qualifier="LIB", text="CDE ORDER-A-2026-03-02-0")]
    import_lines(session, setup.merchant.id, [again])

    report = run(session, setup, today=TODAY + timedelta(days=1))

    assert report.matched == 0
    (suggested,) = [s.proposal for s in report.suggestions if s.proposal.rule == "chargeback"]
    assert "already taken back" in suggested.reason
    assert [i.reason.value for i in report.open_items if i.kind == "entry"].count(
        "already_claimed"
    ) == 1
