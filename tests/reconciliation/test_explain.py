"""Explanations: the chain transaction → remittance → bank entry (file, record, the bank's
own line) → rule and criteria, with the history, the suggestions and why it is open."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from pointage.core.errors import InvalidInput, NotFound
from pointage.reconciliation import status
from pointage.reconciliation.models import ClaimRole, RunOpenItem, Suggestion
from pointage.reconciliation.repository.manual import suggestions_naming
from pointage.reconciliation.service import manual
from pointage.reconciliation.service.explain import (
    describe_match,
    explain_transaction,
    list_suggestions,
    raw_line,
)
from pointage.shop import service as shop_service
from tests.factories import IBAN_BANK_B, ShopSetup, make_payment, make_shop
from tests.reconciliation.manual_data import (
    NET,
    TODAY,
    Books,
    books,
    captured,
    engine_match,
    run_row,
    suggestion_row,
)


@pytest.fixture
def data(session: Session) -> Books:
    return books(session)


def _line(data: Books, record: int) -> str:
    """The file's physical line `record`, as a person opening it would read it."""
    return data.bank.content.decode("latin-1").splitlines()[record - 1]


def _second_shop(session: Session, data: Books) -> ShopSetup:
    """Another shop of the same merchant, its contract crediting the same account."""
    merchant = data.setup.merchant
    shop = shop_service.create_shop(session, merchant, shop_id="23456789", name="Second shop")
    contract = shop_service.create_contract(
        session,
        shop,
        data.setup.bank_account,
        number="C23456789",
        acquirer="Test Acquirer",
        fee_rate_bp=80,
        fee_fixed_minor=5,
        credit_delay_days=2,
    )
    return ShopSetup(merchant, shop, data.setup.bank_account, contract)


def test_an_automatic_match_is_explained_down_to_the_bank_files_line(session, data):
    run = run_row(session, data.merchant_id)
    match = engine_match(session, run, entries=[data.credit], remittances=[data.remittance])
    status.refresh(session, today=TODAY, remittance_ids=[data.remittance.id])
    payment = data.payments[0]

    explained = explain_transaction(session, data.merchant_id, payment.uuid)

    tx = explained.transaction
    assert (tx.uuid, tx.order_id, tx.amount_minor, tx.currency) == (
        payment.uuid,
        "A-1",
        10_000,
        "EUR",
    )
    assert (tx.reconciliation_status, tx.dispute_flag) == ("reconciled", payment.dispute_flag)
    remittance = explained.remittance
    assert remittance is not None
    assert (remittance.contract_number, remittance.number) == (data.setup.contract.number, 1)
    assert (remittance.gross_minor, remittance.fee_minor, remittance.net_minor) == (
        15_000,
        130,
        NET,
    )
    assert remittance.expected_credit_date.isoformat() == "2026-03-04"
    # Expected Wednesday, two business days of grace: overdue from Monday 9 March.
    assert remittance.to_review_from.isoformat() == "2026-03-09"
    credit = explained.credit_match
    assert credit is not None
    assert (credit.id, credit.rule, credit.origin, credit.run_id) == (
        match.id,
        "remittance_credit",
        "engine",
        run.id,
    )
    (entry,) = credit.entries
    assert (entry.filename, entry.format, entry.record) == ("releve.txt", "cfonb120", 2)
    assert entry.record == data.credit.record
    assert entry.raw_line == _line(data, entry.record)
    assert entry.raw_line.startswith("04") and len(entry.raw_line) == 120
    assert (entry.amount_minor, entry.label, entry.role) == (NET, data.credit.label, "credit")
    assert [(c.name, c.expected, c.actual, c.outcome, c.points) for c in credit.criteria] == [
        ("amount", "99.15 EUR", "99.15 EUR", "pass", 40),
        ("remittance_reference", "1", "-", "fail", 0),
    ]
    assert [r.id for r in credit.remittances] == [data.remittance.id]
    assert explained.open_reason is None
    assert explained.history == [] and explained.claims == []


def test_a_grouped_credit_shows_every_remittance_it_pays(session, data):
    second = captured(session, data.setup, [3_000], day=date(2026, 3, 3), tag="B")
    run = run_row(session, data.merchant_id)
    engine_match(
        session,
        run,
        entries=[data.credit],
        remittances=[data.remittance, second.remittance],
        rule="grouped_credit",
    )

    explained = explain_transaction(session, data.merchant_id, second.payments[0].uuid)

    assert explained.credit_match is not None
    assert explained.credit_match.rule == "grouped_credit"
    assert {r.id for r in explained.credit_match.remittances} == {
        data.remittance.id,
        second.remittance.id,
    }


def test_an_undone_match_is_in_the_history_with_who_undid_it_and_why(session, data):
    wrong = manual.match_by_hand(
        session, data.merchant_id, [data.other.id], [data.remittance.id], [], "cli:ana", "guess"
    )
    manual.unmatch(session, data.merchant_id, wrong.id, "cli:bo", "wrong entry", today=TODAY)
    right = manual.match_by_hand(
        session, data.merchant_id, [data.credit.id], [data.remittance.id], [], "cli:bo", "right"
    )

    explained = explain_transaction(session, data.merchant_id, data.payments[1].uuid)

    assert explained.credit_match is not None and explained.credit_match.id == right.id
    assert explained.credit_match.comment == "right"
    (undone,) = explained.history
    assert undone.id == wrong.id and not undone.active
    assert undone.reversal is not None
    assert (undone.reversal.actor, undone.reversal.comment) == ("cli:bo", "wrong entry")
    assert undone.entries[0].id == data.other.id
    assert undone.entries[0].raw_line == _line(data, data.other.record)


def test_a_transaction_reconciled_alone_and_taken_back_shows_both_claims(session, data):
    payment = data.payments[0]
    own = manual.mark_reconciled_without_entry(
        session, data.merchant_id, "cli:ana", "paid by cheque", transaction_uuid=payment.uuid
    )
    run = run_row(session, data.merchant_id)
    chargeback = engine_match(
        session,
        run,
        entries=[data.other],
        transactions=[payment],
        rule="chargeback",
        role=ClaimRole.CHARGEBACK,
    )

    explained = explain_transaction(session, data.merchant_id, payment.uuid)

    assert explained.credit_match is not None
    assert (explained.credit_match.id, explained.credit_match.origin) == (own.id, "without_entry")
    assert explained.credit_match.entries == []
    (taken_back,) = explained.claims
    assert (taken_back.id, taken_back.rule) == (chargeback.id, "chargeback")
    assert [(e.id, e.role) for e in taken_back.entries] == [(data.other.id, "chargeback")]
    assert [(t.uuid, t.role) for t in taken_back.transactions] == [(payment.uuid, "chargeback")]


def test_suggestions_touching_the_transaction_are_shown_open_and_decided(session, data):
    run = run_row(session, data.merchant_id)
    rejected = suggestion_row(session, run, entries=[data.other], remittances=[data.remittance])
    manual.reject_suggestion(session, data.merchant_id, rejected.id, "cli:ana", "not ours")
    open_one = suggestion_row(session, run, entries=[data.credit], remittances=[data.remittance])
    suggestion_row(session, run, entries=[data.other])  # touches neither

    explained = explain_transaction(session, data.merchant_id, data.payments[0].uuid)

    assert [(s.id, s.status, s.comment) for s in explained.decided_suggestions] == [
        (rejected.id, "rejected", "not ours")
    ]
    (shown,) = explained.open_suggestions
    assert shown.id == open_one.id and shown.reason
    assert [e.id for e in shown.entries] == [data.credit.id]
    assert shown.entries[0].raw_line is None  # listed, not read from the file


def test_why_an_unmatched_transaction_stayed_open_comes_from_the_latest_run(session, data):
    for reason, detail in (("no_candidate", "nothing in the window"), ("ambiguous", "two")):
        run = run_row(session, data.merchant_id)
        session.add(
            RunOpenItem(
                run_id=run.id,
                kind="remittance",
                object_id=data.remittance.id,
                reason=reason,
                detail=detail,
            )
        )
        session.flush()

    explained = explain_transaction(session, data.merchant_id, data.payments[0].uuid)

    assert explained.credit_match is None
    assert explained.open_reason is not None
    assert (explained.open_reason.reason, explained.open_reason.detail) == ("ambiguous", "two")
    assert explained.open_reason.run_id == run.id


def test_an_uncaptured_transaction_has_nothing_to_reconcile(session, data):
    waiting = make_payment(session, data.setup.shop, order_id="LATER")

    explained = explain_transaction(session, data.merchant_id, waiting.uuid)

    assert explained.remittance is None and explained.credit_match is None
    assert explained.open_reason is not None
    assert explained.open_reason.reason == "not_captured"
    assert explained.open_reason.detail == "not captured: nothing to reconcile"


def test_a_remittance_no_run_has_looked_at_says_so(session, data):
    explained = explain_transaction(session, data.merchant_id, data.payments[0].uuid)
    assert explained.open_reason is not None and explained.open_reason.reason == "not_run"


def test_another_merchants_or_shops_transaction_is_not_found(session, data):
    stranger = make_shop(session, shop_id="87654321", iban=IBAN_BANK_B)
    with pytest.raises(NotFound) as caught:
        explain_transaction(session, stranger.merchant.id, data.payments[0].uuid)
    assert caught.value.param == "uuid"

    other_shop = _second_shop(session, data)
    with pytest.raises(NotFound):
        explain_transaction(
            session, data.merchant_id, data.payments[0].uuid, shop_pk=other_shop.shop.id
        )


def test_a_shop_is_not_shown_another_shops_remittance_in_a_grouped_credit(session, data):
    other_shop = _second_shop(session, data)
    theirs = captured(session, other_shop, [3_000], tag="B")
    run = run_row(session, data.merchant_id)
    match = engine_match(
        session,
        run,
        entries=[data.credit],
        remittances=[data.remittance, theirs.remittance],
        rule="grouped_credit",
    )

    mine = explain_transaction(
        session, data.merchant_id, data.payments[0].uuid, shop_pk=data.setup.shop.id
    )

    assert mine.credit_match is not None
    assert [r.id for r in mine.credit_match.remittances] == [data.remittance.id]
    assert mine.credit_match.hidden_objects == 1
    # The match as a whole is seen by the merchant (command line), not by either shop.
    assert len(describe_match(session, data.merchant_id, match.id).remittances) == 2
    with pytest.raises(NotFound):
        describe_match(session, data.merchant_id, match.id, shop_pk=data.setup.shop.id)


def test_suggestions_are_listed_by_status_and_scope_with_paging(session, data):
    other_shop = _second_shop(session, data)
    theirs = captured(session, other_shop, [3_000], tag="B")
    run = run_row(session, data.merchant_id)
    first = suggestion_row(session, run, entries=[data.credit], remittances=[data.remittance])
    second = suggestion_row(session, run, entries=[data.other], remittances=[data.remittance])
    foreign = suggestion_row(session, run, entries=[data.other], remittances=[theirs.remittance])
    manual.reject_suggestion(session, data.merchant_id, second.id, "a", "no")

    def ids(**kwargs):
        return [s.id for s in list_suggestions(session, data.merchant_id, **kwargs)]

    assert ids() == [first.id, foreign.id]
    assert ids(status="rejected") == [second.id]
    assert ids(status="all") == [first.id, second.id, foreign.id]
    assert ids(status="all", offset=1, limit=1) == [second.id]
    assert ids(shop_pk=data.setup.shop.id) == [first.id]
    assert ids(shop_pk=other_shop.shop.id) == [foreign.id]
    with pytest.raises(InvalidInput) as caught:
        list_suggestions(session, data.merchant_id, status="maybe")
    assert caught.value.param == "status"


# The bank's line, read back from the stored file.


@pytest.mark.parametrize(
    ("content", "record", "line"),
    [
        (b"one\r\ntwo\r\nthree", 2, "two"),
        (b"one\ntwo\nthree\n", 3, "three"),
        (b"one\rtwo\rthree\r", 2, "two"),
        (b"\xef\xbb\xbfone\ntwo", 1, "one"),
        (b"one\ntwo\n", 3, None),
        (b"one\ntwo", 0, None),
        (b"one\n\nthree", 2, ""),
    ],
)
def test_raw_line_is_the_physical_line_without_its_end(content, record, line):
    assert raw_line(content, "camt.053", record) == line


def test_raw_line_reads_cfonb_as_latin1_and_others_as_utf8_with_replacement():
    assert raw_line("0430006 PRÉLÈVEMENT\r\n".encode("latin-1"), "cfonb120", 1) == (
        "0430006 PRÉLÈVEMENT"
    )
    assert raw_line(b"<Ustrd>caf\xe9</Ustrd>\n", "camt.053", 1) == "<Ustrd>caf\ufffd</Ustrd>"
    assert raw_line("<Ustrd>café</Ustrd>\n".encode(), "camt.053", 1) == "<Ustrd>café</Ustrd>"


def test_raw_line_of_a_cfonb_file_without_line_breaks_is_its_record():
    records = [f"0{n}".ljust(120, "x") for n in (1, 4, 7)]
    content = "".join(records).encode("latin-1")

    assert raw_line(content, "cfonb120", 2) == records[1]
    assert raw_line(content, "cfonb120", 4) is None


@pytest.mark.parametrize(
    ("entries", "remittances", "transactions", "named"),
    [
        ([], [7], [], True),
        ([], [3, 7, 9], [], True),
        ([], [2, 7], [], True),
        ([], [7, 8], [], True),
        ([], [], [5], True),
        ([], [], [4, 5, 6], True),
        ([7], [17, 70], [], False),  # the digits, but not the remittance
        ([5], [], [15, 51], False),
        ([], [27], [35], False),
    ],
)
def test_suggestions_naming_an_object_are_found_by_its_exact_id(
    session, data, entries, remittances, transactions, named
):
    run = run_row(session, data.merchant_id)
    keys = [",".join(map(str, ids)) for ids in (entries, remittances, transactions)]
    row = Suggestion(
        merchant_id=data.merchant_id,
        run_id=run.id,
        rule="remittance_credit",
        score=0,
        evidence=[],
        entry_ids=entries,
        remittance_ids=remittances,
        transaction_ids=transactions,
        reason="",
        claim_key="e:{}|r:{}|t:{}".format(*keys),
    )
    session.add(row)
    session.flush()

    found = suggestions_naming(session, data.merchant_id, remittance_id=7, transaction_id=5)

    assert [s.id for s in found] == ([row.id] if named else [])
