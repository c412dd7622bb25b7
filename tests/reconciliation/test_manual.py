"""Manual actions: what each one claims, the statuses it leaves, its history and audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.audit.models import AuditEvent
from pointage.core.errors import Conflict, InvalidInput, NotFound
from pointage.reconciliation import status
from pointage.reconciliation.models import (
    ClaimRole,
    Match,
    MatchEntry,
    MatchRemittance,
    MatchReversal,
    MatchTransaction,
    Suggestion,
)
from pointage.reconciliation.repository import manual as queries
from pointage.reconciliation.service import manual
from tests.factories import IBAN_BANK_B, make_payment, make_shop
from tests.reconciliation.manual_data import (
    LATER,
    NET,
    TODAY,
    Books,
    books,
    engine_match,
    run_row,
    statuses,
    suggestion_row,
)


@pytest.fixture
def data(session: Session) -> Books:
    return books(session)


def _entry_links(session: Session, match_id: int) -> list[tuple[int, str, bool]]:
    rows = session.execute(
        select(MatchEntry.entry_id, MatchEntry.role, MatchEntry.active).where(
            MatchEntry.match_id == match_id
        )
    )
    return [tuple(row) for row in rows]


def _remittance_links(session: Session, match_id: int) -> list[tuple[int, str, bool]]:
    rows = session.execute(
        select(MatchRemittance.remittance_id, MatchRemittance.role, MatchRemittance.active).where(
            MatchRemittance.match_id == match_id
        )
    )
    return [tuple(row) for row in rows]


def _audit(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _matches(session: Session) -> int:
    return len(session.scalars(select(Match.id)).all())


# confirm


def test_confirm_applies_the_suggestion_with_its_evidence_and_reconciles(session, data):
    run = run_row(session, data.merchant_id)
    proposed = suggestion_row(session, run, entries=[data.credit], remittances=[data.remittance])

    match = manual.confirm_suggestion(
        session, data.merchant_id, proposed.id, "cli:ana", "same amount, checked", today=TODAY
    )

    assert (match.origin, match.rule, match.actor) == ("confirmed", "remittance_credit", "cli:ana")
    assert match.run_id == run.id and match.suggestion_id == proposed.id
    assert match.evidence == proposed.evidence and match.score == proposed.score
    assert match.comment == "same amount, checked"
    assert _entry_links(session, match.id) == [(data.credit.id, "credit", True)]
    assert _remittance_links(session, match.id) == [(data.remittance.id, "credit", True)]
    session.refresh(proposed)
    assert (proposed.status, proposed.decided_by, proposed.match_id) == (
        "confirmed",
        "cli:ana",
        match.id,
    )
    assert proposed.decided_at is not None
    assert statuses(session, data.payments) == ["reconciled_manual", "reconciled_manual"]
    (event,) = _audit(session, "reconciliation.suggestion_confirmed")
    assert (event.actor, event.object_id) == ("cli:ana", str(match.id))
    assert event.detail is not None and event.detail["suggestion"] == proposed.id


def test_confirm_supersedes_the_open_suggestions_claiming_the_same_objects(session, data):
    run = run_row(session, data.merchant_id)
    chosen = suggestion_row(session, run, entries=[data.credit], remittances=[data.remittance])
    rival = suggestion_row(session, run, entries=[data.other], remittances=[data.remittance])
    unrelated = suggestion_row(session, run, entries=[data.other])

    match = manual.confirm_suggestion(session, data.merchant_id, chosen.id, "cli:ana", today=TODAY)

    for row in (rival, unrelated):
        session.refresh(row)
    assert rival.status == "superseded" and rival.comment == f"superseded by match {match.id}"
    assert unrelated.status == "open"
    with pytest.raises(Conflict, match="already superseded"):
        manual.confirm_suggestion(session, data.merchant_id, rival.id, "cli:ana", today=TODAY)


def test_a_suggestion_is_confirmed_once(session, data):
    run = run_row(session, data.merchant_id)
    proposed = suggestion_row(session, run, entries=[data.credit], remittances=[data.remittance])
    manual.confirm_suggestion(session, data.merchant_id, proposed.id, "a", today=TODAY)

    with pytest.raises(Conflict, match="already confirmed") as caught:
        manual.confirm_suggestion(session, data.merchant_id, proposed.id, "b", today=TODAY)
    assert caught.value.param == "suggestion_id"


def test_confirming_what_another_match_claims_is_a_conflict_naming_it(session, data):
    run = run_row(session, data.merchant_id)
    taken = engine_match(session, run, entries=[data.credit], remittances=[data.remittance])
    proposed = suggestion_row(session, run, entries=[data.credit], remittances=[data.remittance])
    before = _matches(session)

    with pytest.raises(Conflict) as caught:
        manual.confirm_suggestion(session, data.merchant_id, proposed.id, "a", today=TODAY)

    assert f"entry {data.credit.id} is already claimed (credit) by match {taken.id}" in str(
        caught.value
    )
    assert _matches(session) == before
    session.refresh(proposed)
    assert proposed.status == "open"


def test_the_database_refuses_a_double_claim_the_checks_missed(session, data):
    run = run_row(session, data.merchant_id)
    engine_match(session, run, entries=[data.credit], remittances=[data.remittance])
    second = Match(
        merchant_id=data.merchant_id, rule="manual", origin="manual", evidence=[], actor="x"
    )

    with pytest.raises(queries.ClaimTaken):
        queries.add_match(session, second, entries=[(data.credit.id, "credit")])

    # Only the savepoint was rolled back: the session goes on, nothing of it stored.
    assert _matches(session) == 1


def test_a_confirmed_suggestion_with_an_anomaly_makes_its_transactions_anomalies(session, data):
    run = run_row(session, data.merchant_id)
    proposed = suggestion_row(
        session,
        run,
        entries=[data.other],
        remittances=[data.remittance],
        difference=9_000 - NET,
        anomaly="credited 57.70 EUR less than expected",
    )
    manual.confirm_suggestion(session, data.merchant_id, proposed.id, "a", today=TODAY)

    assert statuses(session, data.payments) == ["anomaly", "anomaly"]


def test_a_confirmed_chargeback_sets_the_dispute_flag_and_its_undo_clears_it(session, data):
    run = run_row(session, data.merchant_id)
    payment = data.payments[0]
    proposed = suggestion_row(
        session, run, entries=[data.other], transactions=[payment], rule="chargeback"
    )
    match = manual.confirm_suggestion(session, data.merchant_id, proposed.id, "a", today=TODAY)

    role = session.scalar(
        select(MatchTransaction.role).where(MatchTransaction.match_id == match.id)
    )
    assert role == ClaimRole.CHARGEBACK.value
    assert _entry_links(session, match.id) == [(data.other.id, "chargeback", True)]
    session.refresh(payment)
    assert payment.dispute_flag == "yes"

    manual.unmatch(session, data.merchant_id, match.id, "a", "not this payment", today=TODAY)
    session.refresh(payment)
    assert payment.dispute_flag == "no"


def test_a_commission_suggestion_claims_the_remittance_fee_not_its_credit(session, data):
    run = run_row(session, data.merchant_id)
    proposed = suggestion_row(
        session, run, entries=[data.other], remittances=[data.remittance], rule="commission_debit"
    )
    match = manual.confirm_suggestion(session, data.merchant_id, proposed.id, "a", today=TODAY)

    assert _remittance_links(session, match.id) == [(data.remittance.id, "fee", True)]
    assert statuses(session, data.payments) == ["pending", "pending"]


# reject


@pytest.mark.parametrize("comment", ["", "   "])
def test_a_rejection_needs_a_comment(session, data, comment):
    run = run_row(session, data.merchant_id)
    proposed = suggestion_row(session, run, entries=[data.credit], remittances=[data.remittance])

    with pytest.raises(InvalidInput) as caught:
        manual.reject_suggestion(session, data.merchant_id, proposed.id, "a", comment)
    assert caught.value.param == "comment"


def test_reject_records_who_and_why_and_claims_nothing(session, data):
    run = run_row(session, data.merchant_id)
    proposed = suggestion_row(session, run, entries=[data.credit], remittances=[data.remittance])

    manual.reject_suggestion(session, data.merchant_id, proposed.id, "cli:bo", " not ours ")

    session.refresh(proposed)
    assert (proposed.status, proposed.decided_by, proposed.comment) == (
        "rejected",
        "cli:bo",
        "not ours",
    )
    assert _matches(session) == 0
    (event,) = _audit(session, "reconciliation.suggestion_rejected")
    assert event.detail == {"comment": "not ours", "rule": "remittance_credit"}
    with pytest.raises(Conflict, match="already rejected"):
        manual.confirm_suggestion(session, data.merchant_id, proposed.id, "a", today=TODAY)


def test_another_merchants_suggestion_is_not_found(session, data):
    run = run_row(session, data.merchant_id)
    proposed = suggestion_row(session, run, entries=[data.credit], remittances=[data.remittance])
    stranger = books_of_another_merchant(session)

    with pytest.raises(NotFound):
        manual.confirm_suggestion(session, stranger, proposed.id, "a", today=TODAY)
    with pytest.raises(NotFound):
        manual.reject_suggestion(session, stranger, proposed.id, "a", "no")


def books_of_another_merchant(session: Session) -> int:
    return make_shop(session, shop_id="87654321", iban=IBAN_BANK_B).merchant.id


# match by hand


def test_match_by_hand_records_the_difference_and_the_comment(session, data):
    match = manual.match_by_hand(
        session,
        data.merchant_id,
        [data.other.id],
        [data.remittance.id],
        [],
        "cli:ana",
        "acquirer kept 57.70 EUR, see their letter",
        today=TODAY,
    )

    assert (match.rule, match.origin, match.score) == ("manual", "manual", 0)
    assert match.difference_minor == 9_000 - NET
    assert match.anomaly is None
    by_name = {c["name"]: c for c in match.evidence}
    assert by_name["amount"]["expected"] == "148.70 EUR"
    assert by_name["amount"]["actual"] == "90.00 EUR"
    assert by_name["amount"]["outcome"] == "fail"
    assert by_name["difference"]["actual"] == "-58.70 EUR"
    assert by_name["value_date"]["expected"] == "2026-03-04"
    assert by_name["value_date"]["actual"] == "2026-03-04"
    assert _entry_links(session, match.id) == [(data.other.id, "credit", True)]
    assert statuses(session, data.payments) == ["reconciled_manual", "reconciled_manual"]
    (event,) = _audit(session, "reconciliation.matched_by_hand")
    assert event.detail is not None
    assert event.detail["comment"] == "acquirer kept 57.70 EUR, see their letter"
    assert event.detail["difference_minor"] == 9_000 - NET


def test_match_by_hand_of_equal_amounts_passes_the_amount_criterion(session, data):
    match = manual.match_by_hand(
        session, data.merchant_id, [data.credit.id], [data.remittance.id], [], "a", "ok"
    )
    by_name = {c["name"]: c for c in match.evidence}
    assert by_name["amount"]["outcome"] == "pass" and match.difference_minor == 0
    assert "difference" not in by_name


def test_match_by_hand_to_transactions_reconciles_only_them(session, data):
    first = data.payments[0]
    match = manual.match_by_hand(
        session, data.merchant_id, [data.other.id], [], [first.uuid], "a", "paid apart", today=TODAY
    )

    assert match.difference_minor == 9_000 - 10_000
    assert statuses(session, data.payments) == ["reconciled_manual", "pending"]
    # Its remittance can no longer be matched as a whole: the first payment would count twice.
    with pytest.raises(Conflict, match=f"transaction {first.id} is already claimed"):
        manual.match_by_hand(
            session, data.merchant_id, [data.credit.id], [data.remittance.id], [], "a", "whole"
        )


def test_a_transaction_of_a_matched_remittance_cannot_be_matched_alone(session, data):
    run = run_row(session, data.merchant_id)
    taken = engine_match(session, run, entries=[data.credit], remittances=[data.remittance])

    with pytest.raises(Conflict, match=f"by match {taken.id}"):
        manual.match_by_hand(
            session, data.merchant_id, [data.other.id], [], [data.payments[0].uuid], "a", "x"
        )


@pytest.mark.parametrize(
    ("entries", "remittances", "uuids", "param"),
    [
        ([], [1], [], "entry_ids"),
        ([1], [], [], "remittance_ids"),
        ([1], [1], ["x"], "remittance_ids"),
    ],
)
def test_match_by_hand_needs_entries_and_one_kind_of_target(
    session, data, entries, remittances, uuids, param
):
    with pytest.raises(InvalidInput) as caught:
        manual.match_by_hand(session, data.merchant_id, entries, remittances, uuids, "a", "x")
    assert caught.value.param == param


def test_match_by_hand_needs_a_comment(session, data):
    with pytest.raises(InvalidInput) as caught:
        manual.match_by_hand(
            session, data.merchant_id, [data.credit.id], [data.remittance.id], [], "a", " "
        )
    assert caught.value.param == "comment"


def test_match_by_hand_of_another_merchants_objects_is_not_found(session, data):
    stranger = books_of_another_merchant(session)

    with pytest.raises(NotFound, match=f"entry {data.credit.id} not found") as caught:
        manual.match_by_hand(
            session, stranger, [data.credit.id], [data.remittance.id], [], "a", "x"
        )
    assert caught.value.param == "entry_ids"
    with pytest.raises(NotFound, match="transaction"):
        manual.match_by_hand(session, data.merchant_id, [data.credit.id], [], ["0" * 32], "a", "x")


# mark reconciled without a bank entry


def test_mark_a_transaction_reconciled_without_entry(session, data):
    first = data.payments[0]
    match = manual.mark_reconciled_without_entry(
        session,
        data.merchant_id,
        "cli:ana",
        "paid by cheque",
        transaction_uuid=first.uuid,
        today=TODAY,
    )

    assert (match.origin, match.rule) == ("without_entry", "manual")
    assert _entry_links(session, match.id) == []
    assert statuses(session, data.payments) == ["reconciled_manual", "pending"]
    assert [c["name"] for c in match.evidence] == ["bank_entry", "amount"]
    assert _audit(session, "reconciliation.marked_without_entry")[0].detail["comment"] == (
        "paid by cheque"
    )


def test_mark_a_whole_remittance_reconciled_without_entry(session, data):
    manual.mark_reconciled_without_entry(
        session,
        data.merchant_id,
        "a",
        "credited on an account not imported",
        remittance_id=data.remittance.id,
        today=TODAY,
    )
    assert statuses(session, data.payments) == ["reconciled_manual", "reconciled_manual"]


def test_marking_needs_a_comment_and_one_object(session, data):
    with pytest.raises(InvalidInput) as caught:
        manual.mark_reconciled_without_entry(
            session, data.merchant_id, "a", "", transaction_uuid=data.payments[0].uuid
        )
    assert caught.value.param == "comment"
    with pytest.raises(InvalidInput):
        manual.mark_reconciled_without_entry(session, data.merchant_id, "a", "why")


def test_an_uncaptured_transaction_cannot_be_marked(session, data):
    waiting = make_payment(session, data.setup.shop, order_id="LATER")
    with pytest.raises(Conflict, match="not captured"):
        manual.mark_reconciled_without_entry(
            session, data.merchant_id, "a", "why", transaction_uuid=waiting.uuid
        )


# unmatch


def test_unmatch_writes_a_reversal_releases_the_claims_and_keeps_the_match(session, data):
    run = run_row(session, data.merchant_id)
    match = engine_match(session, run, entries=[data.credit], remittances=[data.remittance])
    # The statuses as the run that applied the match leaves them.
    status.refresh(session, today=TODAY, remittance_ids=[data.remittance.id])
    assert statuses(session, data.payments) == ["reconciled", "reconciled"]

    manual.unmatch(session, data.merchant_id, match.id, "cli:ana", "wrong remittance", today=LATER)

    session.refresh(match)
    assert match.reversed_at is not None
    reversal = session.scalars(
        select(MatchReversal).where(MatchReversal.match_id == match.id)
    ).one()
    assert (reversal.actor, reversal.comment) == ("cli:ana", "wrong remittance")
    assert _entry_links(session, match.id) == [(data.credit.id, "credit", False)]
    assert _remittance_links(session, match.id) == [(data.remittance.id, "credit", False)]
    # Overdue by LATER: the credit is missing again.
    assert statuses(session, data.payments) == ["to_review", "to_review"]
    (event,) = _audit(session, "reconciliation.match_reversed")
    assert event.detail is not None and event.detail["comment"] == "wrong remittance"


def test_unmatch_then_match_again(session, data):
    first = manual.match_by_hand(
        session, data.merchant_id, [data.other.id], [data.remittance.id], [], "a", "guess"
    )
    manual.unmatch(session, data.merchant_id, first.id, "a", "wrong entry", today=TODAY)
    assert statuses(session, data.payments) == ["pending", "pending"]

    second = manual.match_by_hand(
        session, data.merchant_id, [data.credit.id], [data.remittance.id], [], "a", "right one"
    )
    assert statuses(session, data.payments) == ["reconciled_manual", "reconciled_manual"]
    # The entry released by the undo may be claimed again too.
    manual.unmatch(session, data.merchant_id, second.id, "a", "again", today=TODAY)
    third = manual.match_by_hand(
        session, data.merchant_id, [data.other.id], [data.remittance.id], [], "a", "after all"
    )
    assert third.id not in (first.id, second.id)


def test_a_match_is_undone_once_and_with_a_comment(session, data):
    match = manual.match_by_hand(
        session, data.merchant_id, [data.credit.id], [data.remittance.id], [], "a", "ok"
    )
    with pytest.raises(InvalidInput):
        manual.unmatch(session, data.merchant_id, match.id, "a", "")
    manual.unmatch(session, data.merchant_id, match.id, "a", "undo", today=TODAY)
    with pytest.raises(Conflict, match="already undone"):
        manual.unmatch(session, data.merchant_id, match.id, "a", "undo again", today=TODAY)


def test_another_merchants_match_is_not_found(session, data):
    match = manual.match_by_hand(
        session, data.merchant_id, [data.credit.id], [data.remittance.id], [], "a", "ok"
    )
    with pytest.raises(NotFound):
        manual.unmatch(session, books_of_another_merchant(session), match.id, "a", "x")


def test_a_suggestion_confirmed_after_its_objects_were_matched_by_hand_is_superseded(session, data):
    run = run_row(session, data.merchant_id)
    proposed = suggestion_row(session, run, entries=[data.credit], remittances=[data.remittance])

    manual.match_by_hand(
        session, data.merchant_id, [data.credit.id], [data.remittance.id], [], "a", "by hand"
    )

    assert session.get(Suggestion, proposed.id).status == "superseded"
