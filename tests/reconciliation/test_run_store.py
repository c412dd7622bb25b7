"""A run stores what the engine decides: matches with their claims and evidence,
suggestions, open items, statuses; dry run, atomicity and failures. The engine here is a
stand-in that answers what each test chooses, so that each rule of the storing is tested
on exactly its case (tests/reconciliation/test_run.py runs the real engine)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from pointage.core.calendar import add_business_days
from pointage.core.errors import Conflict
from pointage.core.statuses import SettlementMode
from pointage.matching.evidence import failed, passed
from pointage.matching.model import (
    EngineInput,
    EngineResult,
    OpenItem,
    OpenReason,
    Proposal,
    Rule,
)
from pointage.payment.models import Transaction
from pointage.reconciliation.models import (
    Match,
    MatchEntry,
    MatchRemittance,
    MatchTransaction,
    ReconciliationRun,
    RunOpenItem,
    RunStatus,
    RunTrigger,
    Suggestion,
)
from pointage.reconciliation.service import apply
from pointage.reconciliation.service.run import reconcile_all, run_reconciliation
from pointage.statement.models import StatementEntry
from tests.factories import IBAN_BANK_B, make_shop
from tests.reconciliation.run_builders import (
    MONDAY,
    FakeEngine,
    count,
    credit_line,
    entry_ids,
    import_lines,
    import_parsed,
    no_clues,
    other_line,
    remittance_of,
    shop_with_contract,
    statuses,
)
from tests.remittance.builders import dump

TODAY = date(2026, 3, 9)


def run(session, setup, engine, *, today=TODAY, dry_run=False):
    return run_reconciliation(
        session,
        merchant_id=setup.merchant.id,
        trigger=RunTrigger.CLI,
        actor="test",
        today=today,
        dry_run=dry_run,
        engine=engine,
        clues=no_clues,
    )


def credit_match(data: EngineInput, anomaly: str | None = None, difference: int = 0) -> Proposal:
    """The first remittance paid by the one credit line."""
    remittance = min(data.remittances, key=lambda r: r.id)
    (entry,) = [e for e in data.entries if e.amount_minor > 0]
    return Proposal(
        Rule.REMITTANCE_CREDIT,
        entry_ids=(entry.id,),
        remittance_ids=(remittance.id,),
        score=100,
        criteria=(
            passed("remittance_reference", "000001", "000001", 60, "found in the label"),
            failed("amount", "1.00 EUR", "2.00 EUR", "off by one euro")
            if anomaly
            else passed("amount", "1.00 EUR", "1.00 EUR", 40),
        ),
        difference_minor=difference,
        anomaly=anomaly,
    )


@pytest.fixture
def credited(session):
    """A remittance of Monday and the bank line that credits it."""
    setup = shop_with_contract(session)
    remittance = remittance_of(session, setup, MONDAY, [10_000, 5_000])
    import_lines(session, setup.merchant.id, [credit_line(remittance, setup.contract.number)])
    return setup, remittance


def test_an_automatic_match_claims_its_lines_and_reconciles_every_transaction(
    session, credited
) -> None:
    setup, remittance = credited
    engine = FakeEngine(lambda data: EngineResult(matches=[credit_match(data)]))

    report = run(session, setup, engine)

    (data,) = engine.inputs
    (expected,) = data.remittances
    assert (expected.id, expected.account_id, expected.bank_code) == (
        remittance.id,
        setup.bank_account.id,
        "30006",
    )
    assert (expected.contract_number, expected.number, expected.expected_credit_minor) == (
        setup.contract.number,
        1,
        remittance.expected_credit_minor,
    )
    assert (expected.fee_schedule.rate_bp, expected.fee_schedule.fixed_minor) == (80, 5)
    assert expected.grace_business_days == 2 and expected.awaiting_credit
    assert not expected.awaiting_fee_debit and data.today == TODAY
    (entry,) = data.entries
    assert entry.label == f"REMISE CB 000001 {setup.contract.number}"
    assert entry.details == (f"CONTRAT {setup.contract.number}",)
    assert entry.value_date == remittance.expected_credit_date

    assert (report.matched, report.suggested, report.status) == (1, 0, RunStatus.COMPLETED)
    match = session.scalars(select(Match)).one()
    assert (match.origin, match.actor, match.run_id, match.rule) == (
        "engine",
        "engine",
        report.run_id,
        "remittance_credit",
    )
    assert match.evidence[0] == {
        "name": "remittance_reference",
        "expected": "000001",
        "actual": "000001",
        "outcome": "pass",
        "points": 60,
        "note": "found in the label",
    }
    assert match.score == 100 and match.anomaly is None
    claim = session.scalars(select(MatchEntry)).one()
    assert (claim.match_id, claim.entry_id, claim.role, claim.active) == (
        match.id,
        entry.id,
        "credit",
        True,
    )
    paid = session.scalars(select(MatchRemittance)).one()
    assert (paid.remittance_id, paid.role) == (remittance.id, "credit")
    assert statuses(session, remittance) == ["reconciled"]
    assert report.remittance_statuses == {"reconciled": 1}
    stored = session.get(ReconciliationRun, report.run_id)
    assert (stored.status, stored.matched, stored.trigger, stored.actor) == (
        "completed",
        1,
        "cli",
        "test",
    )
    assert stored.finished_at is not None and stored.business_date == TODAY


def test_a_match_with_an_unexplained_difference_is_an_anomaly(session, credited) -> None:
    setup, remittance = credited
    engine = FakeEngine(
        lambda data: EngineResult(
            matches=[credit_match(data, anomaly="one euro more than expected", difference=100)]
        )
    )

    run(session, setup, engine)

    match = session.scalars(select(Match)).one()
    assert (match.difference_minor, match.anomaly) == (100, "one euro more than expected")
    assert statuses(session, remittance) == ["anomaly"]


def test_a_second_run_is_given_only_what_is_still_open(session, credited) -> None:
    setup, remittance = credited
    later = remittance_of(session, setup, MONDAY + timedelta(days=1), [7_000], tag="B")
    engine = FakeEngine(lambda data: EngineResult(matches=[credit_match(data)]))
    run(session, setup, engine)
    session.commit()

    again = FakeEngine()
    report = run(session, setup, again)

    (data,) = again.inputs
    assert [r.id for r in data.remittances] == [later.id]
    assert data.entries == []
    assert report.matched == 0 and count(session, Match) == 1
    assert statuses(session, remittance) == ["reconciled"]


def test_commissions_pay_fees_and_chargebacks_take_payments_back(session) -> None:
    setup = make_shop(session, settlement_mode=SettlementMode.GROSS, credit_delay_days=2)
    remittance = remittance_of(session, setup, MONDAY, [10_000, 5_000])
    payment = session.scalars(
        select(Transaction).where(Transaction.remittance_id == remittance.id)
    ).first()
    day = MONDAY + timedelta(days=10)
    import_lines(
        session,
        setup.merchant.id,
        [
            other_line(-remittance.fee_minor, "COMMISSIONS CB MARS", day, code="64"),
            other_line(-payment.amount_minor, "IMPAYE CARTE", day, code="38"),
        ],
    )
    commission, chargeback = entry_ids(session)

    def decide(data: EngineInput) -> EngineResult:
        (expected,) = data.remittances
        assert expected.awaiting_credit and expected.awaiting_fee_debit
        return EngineResult(
            matches=[
                Proposal(Rule.COMMISSION_DEBIT, (commission,), (remittance.id,), score=90),
                Proposal(Rule.CHARGEBACK, (chargeback,), transaction_ids=(payment.id,), score=90),
            ]
        )

    run(session, setup, FakeEngine(decide))

    roles = {(c.entry_id, c.role) for c in session.scalars(select(MatchEntry))}
    assert roles == {(commission, "fee"), (chargeback, "chargeback")}
    assert [(c.remittance_id, c.role) for c in session.scalars(select(MatchRemittance))] == [
        (remittance.id, "fee")
    ]
    assert [(c.transaction_id, c.role) for c in session.scalars(select(MatchTransaction))] == [
        (payment.id, "chargeback")
    ]
    session.refresh(payment)
    assert payment.dispute_flag == "yes"
    # The fee is paid, the credit is not: still awaited, and the fee no longer.
    again = FakeEngine()
    run(session, setup, again)
    (expected,) = again.inputs[0].remittances
    assert expected.awaiting_credit and not expected.awaiting_fee_debit


def suggestion_for(data: EngineInput) -> Proposal:
    (remittance,) = data.remittances
    (entry,) = data.entries
    return Proposal(
        Rule.REMITTANCE_CREDIT,
        (entry.id,),
        (remittance.id,),
        score=55,
        automatic=False,
        reason="the amount differs and no remittance number is written",
    )


def test_suggestions_kept_when_proposed_again_superseded_when_not_and_never_after_rejection(
    session, credited
) -> None:
    setup, remittance = credited
    engine = FakeEngine(lambda data: EngineResult(suggestions=[suggestion_for(data)]))
    first = run(session, setup, engine)
    session.commit()

    second = run(session, setup, engine)
    session.commit()

    (kept,) = session.scalars(select(Suggestion)).all()
    assert (kept.status, kept.run_id) == ("open", first.run_id)
    assert kept.claim_key == f"e:{kept.entry_ids[0]}|r:{remittance.id}|t:"
    assert kept.reason == "the amount differs and no remittance number is written"
    assert second.suggested == 1
    assert second.suggestions[0].id == first.suggestions[0].id == kept.id
    assert statuses(session, remittance) == ["to_review"]

    run(session, setup, FakeEngine())
    session.commit()
    session.refresh(kept)
    assert kept.status == "superseded"

    fourth = run(session, setup, engine)
    session.commit()
    (_, proposed_again) = session.scalars(select(Suggestion).order_by(Suggestion.id)).all()
    assert (proposed_again.status, proposed_again.run_id) == ("open", fourth.run_id)

    proposed_again.status = "rejected"
    session.commit()
    fifth = run(session, setup, engine)

    assert (fifth.suggested, fifth.skipped_rejected) == (0, 1)
    assert count(session, Suggestion) == 2
    assert session.get(ReconciliationRun, fifth.run_id).suggested == 0


def test_what_stays_open_is_recorded_with_its_reason(session, monkeypatch) -> None:
    setup = shop_with_contract(session)
    remittance = remittance_of(session, setup, MONDAY, [10_000])
    import_parsed(
        session,
        setup.merchant.id,
        monkeypatch,
        [
            other_line(-4_200, "PRLV EDF", MONDAY),
            other_line(-10_000, "ANNUL VIR", MONDAY),
        ],
        data=b"two lines",
    )
    transfer, reversed_line = entry_ids(session)
    # The bank's reversal of an earlier movement (camt RvslInd, MT940 RD).
    session.execute(
        update(StatementEntry).where(StatementEntry.id == reversed_line).values(reversal=True)
    )

    def decide(data: EngineInput) -> EngineResult:
        return EngineResult(
            open_entries=[OpenItem("entry", transfer, OpenReason.NOT_GATEWAY, "a direct debit")],
            open_remittances=[
                OpenItem("remittance", remittance.id, OpenReason.NOT_YET_DUE, "due on 4 March")
            ],
        )

    engine = FakeEngine(decide)
    report = run(session, setup, engine)

    assert [e.id for e in engine.inputs[0].entries] == [transfer]
    stored = {
        (i.kind, i.object_id, i.reason)
        for i in session.scalars(select(RunOpenItem).where(RunOpenItem.run_id == report.run_id))
    }
    assert stored == {
        ("entry", transfer, "not_gateway"),
        ("entry", reversed_line, "not_gateway"),
        ("remittance", remittance.id, "not_yet_due"),
    }
    assert (report.open_entries, report.open_remittances) == (2, 1)
    run_row = session.get(ReconciliationRun, report.run_id)
    assert (run_row.open_entries, run_row.open_remittances) == (2, 1)


def test_uncredited_payments_are_pending_until_the_grace_period_ends(session) -> None:
    setup = shop_with_contract(session)
    remittance = remittance_of(session, setup, MONDAY, [10_000])
    last_pending = add_business_days(remittance.expected_credit_date, 2)

    on_time = run(session, setup, FakeEngine(), today=last_pending)
    assert statuses(session, remittance) == ["pending"]
    assert on_time.to_review == 0 and on_time.remittance_statuses == {"pending": 1}

    late = run(session, setup, FakeEngine(), today=add_business_days(last_pending, 1))
    assert statuses(session, remittance) == ["to_review"]
    assert late.to_review == 1
    assert session.get(ReconciliationRun, late.run_id).to_review == 1


def test_a_dry_run_writes_nothing_and_reports_what_a_run_would(session, engine, credited) -> None:
    setup, _ = credited
    other = remittance_of(session, setup, MONDAY + timedelta(days=1), [3_000], tag="B")
    session.commit()
    decide = FakeEngine(lambda data: EngineResult(matches=[credit_match(data)])).decide
    before = dump(engine)

    dry = run(session, setup, FakeEngine(decide), dry_run=True)
    session.commit()

    assert dump(engine) == before
    assert dry.run_id is None and dry.dry_run and dry.matches[0].id is None
    real = run(session, setup, FakeEngine(decide))
    assert (dry.matched, dry.to_review, dict(dry.remittance_statuses)) == (
        real.matched,
        real.to_review,
        dict(real.remittance_statuses),
    )
    assert dict(real.remittance_statuses) == {"pending": 1, "reconciled": 1}
    assert statuses(session, other) == ["pending"]


def test_a_run_failing_half_way_leaves_nothing_and_is_recorded_as_failed(
    session, session_factory, engine, credited, monkeypatch
) -> None:
    setup, remittance = credited
    second = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    session.commit()
    merchant_id = setup.merchant.id

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    # Matches are stored before the open items: the failure comes after them.
    monkeypatch.setattr(apply, "store_open_items", broken)
    fake = FakeEngine(
        lambda data: EngineResult(matches=[credit_match(data)] if data.remittances else [])
    )
    before = dump(engine)

    reports = reconcile_all(
        session_factory,
        trigger=RunTrigger.DAILY,
        actor="scheduler",
        today=TODAY,
        engine=fake,
        clues=no_clues,
    )

    assert [r.merchant_id for r in reports] == [setup.merchant.id, second.merchant.id]
    assert all(r.status is RunStatus.FAILED for r in reports)
    assert reports[0].error == "unexpected error (RuntimeError); the details are in the server log"
    after = dump(engine)
    runs = after.pop("reconciliation_run")
    before.pop("reconciliation_run")
    assert after == before
    assert len(runs) == 2 and {row[5] for row in runs} == {"failed"}
    assert statuses(session, remittance) == ["pending"]
    session.rollback()  # SQLite: free the write lock the reads took

    monkeypatch.undo()
    (rerun,) = reconcile_all(
        session_factory,
        trigger=RunTrigger.DAILY,
        actor="scheduler",
        today=TODAY,
        merchant_ids=[merchant_id],
        engine=fake,
        clues=no_clues,
    )
    assert rerun.status is RunStatus.COMPLETED and rerun.matched == 1
    assert statuses(session, remittance) == ["reconciled"]


def test_the_database_refuses_a_line_claimed_twice(session, session_factory, credited) -> None:
    setup, remittance = credited
    other = remittance_of(session, setup, MONDAY + timedelta(days=1), [3_000], tag="B")
    paid = (remittance.id, other.id)
    session.commit()

    def twice(data: EngineInput) -> EngineResult:
        (entry,) = data.entries
        return EngineResult(
            matches=[
                Proposal(Rule.REMITTANCE_CREDIT, (entry.id,), (remittance_id,), score=90)
                for remittance_id in paid
            ]
        )

    (report,) = reconcile_all(
        session_factory,
        trigger=RunTrigger.CLI,
        actor="test",
        today=TODAY,
        engine=FakeEngine(twice),
        clues=no_clues,
    )

    assert report.status is RunStatus.FAILED
    assert report.error is not None and "already claimed" in report.error
    assert count(session, Match) == 0 and count(session, MatchEntry) == 0
    with pytest.raises(Conflict):
        run(session, setup, FakeEngine(twice))
