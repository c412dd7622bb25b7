"""Manual control and explanations on what a real run decided: an automatic match
explained and undone, a suggestion confirmed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pointage.reconciliation.models import RunTrigger
from pointage.reconciliation.repository.manual import reversed_claim_keys
from pointage.reconciliation.service import manual
from pointage.reconciliation.service.apply import claim_key
from pointage.reconciliation.service.explain import explain_transaction
from pointage.reconciliation.service.run import run_reconciliation
from tests.factories import make_shop
from tests.reconciliation.manual_data import (
    NET,
    TODAY,
    books,
    captured,
    imported,
    statuses,
)


def _run(session: Session, merchant_id: int):
    return run_reconciliation(
        session, merchant_id=merchant_id, trigger=RunTrigger.CLI, actor="test", today=TODAY
    )


def test_an_automatic_match_explained_then_undone(session):
    data = books(session)
    report = _run(session, data.merchant_id)
    assert report.matched == 1
    (applied,) = report.matches
    payment = data.payments[0]

    explained = explain_transaction(session, data.merchant_id, payment.uuid)

    match = explained.credit_match
    assert match is not None
    assert (match.id, match.origin, match.run_id) == (applied.id, "engine", report.run_id)
    assert match.rule == applied.proposal.rule.value
    assert [c.name for c in match.criteria] == [c.name for c in applied.proposal.criteria]
    (entry,) = match.entries
    assert entry.id == data.credit.id
    assert entry.raw_line == data.bank.content.decode("latin-1").splitlines()[entry.record - 1]
    assert explained.transaction.reconciliation_status == "reconciled"

    assert applied.id is not None
    manual.unmatch(session, data.merchant_id, applied.id, "cli:ana", "not ours", today=TODAY)

    assert statuses(session, data.payments) == ["pending", "pending"]
    after = explain_transaction(session, data.merchant_id, payment.uuid)
    assert after.credit_match is None
    (undone,) = after.history
    assert undone.id == applied.id and undone.reversal is not None
    # What the run would claim again is recognisable as undone by a person.
    assert claim_key(applied.proposal) in reversed_claim_keys(session, data.merchant_id)


def test_a_suggestion_of_a_run_confirmed_by_a_person(session):
    setup = make_shop(session)
    batch = captured(session, setup, [10_000, 5_000])
    # The credit's label reads "REMISE CB 014870": a remittance number that is not this
    # one's, so the amount and date alone do not apply it.
    bank = imported(session, [NET])
    report = _run(session, setup.merchant.id)
    assert (report.matched, report.suggested) == (0, 1)
    (proposed,) = report.suggestions
    assert proposed.id is not None

    match = manual.confirm_suggestion(
        session, setup.merchant.id, proposed.id, "cli:ana", "the acquirer's transfer", today=TODAY
    )

    assert match.rule == proposed.proposal.rule.value
    assert statuses(session, batch.payments) == ["reconciled_manual", "reconciled_manual"]
    explained = explain_transaction(session, setup.merchant.id, batch.payments[0].uuid)
    assert explained.credit_match is not None
    assert explained.credit_match.entries[0].id == bank.entries[0].id
    assert [(s.id, s.status) for s in explained.decided_suggestions] == [(proposed.id, "confirmed")]
    assert explained.open_suggestions == []


def test_a_match_a_person_undid_is_not_applied_again_by_the_next_run(session):
    data = books(session)
    (applied,) = _run(session, data.merchant_id).matches
    assert applied.id is not None
    manual.unmatch(session, data.merchant_id, applied.id, "cli:ana", "not ours", today=TODAY)

    again = _run(session, data.merchant_id)

    assert (again.matched, again.suggested) == (0, 0)
    assert statuses(session, data.payments) == ["pending", "pending"]
    undone = {(i.kind, i.id) for i in again.open_items if i.reason.value == "undone"}
    assert ("entry", data.credit.id) in undone
    assert ("remittance", data.payments[0].remittance_id) in undone


def test_an_open_suggestion_proposed_again_keeps_its_id(session):
    setup = make_shop(session)
    captured(session, setup, [10_000, 5_000])
    imported(session, [NET])
    (first,) = _run(session, setup.merchant.id).suggestions

    (second,) = _run(session, setup.merchant.id).suggestions

    assert second.id == first.id
    assert first.id is not None
    # So a person confirming the id they were shown before the second run still can.
    match = manual.confirm_suggestion(
        session, setup.merchant.id, first.id, "cli:ana", "seen before", today=TODAY
    )
    assert match.suggestion_id == first.id
