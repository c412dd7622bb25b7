"""Events of a real reconciliation run: payments captured by the batch, the bank's CFONB 120
statement imported, a run with the real engine. Each transaction whose reconciliation status
changes gets one `transaction.reconciliation_status_changed`, the others none; each credited
remittance a `remittance.credited`; the payment taken back a `chargeback.received`; a shop
without an endpoint, no event at all."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pointage.auth.service.keys import issue_production_key
from pointage.formats.statements.model import EntryDetail
from pointage.payment.models import Transaction
from pointage.reconciliation.models import MatchRemittance, RunTrigger
from pointage.reconciliation.service.manual import mark_reconciled_without_entry, unmatch
from pointage.reconciliation.service.run import run_reconciliation
from pointage.webhook.models import EventType
from tests.reconciliation.run_builders import (
    MONDAY,
    credit_line,
    import_lines,
    other_line,
    remittance_of,
    shop_with_contract,
)
from tests.webhook.builders import deliveries, events, register

TODAY = date(2026, 3, 9)
CHANGED = EventType.RECONCILIATION_STATUS_CHANGED.value


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
            chargeback,
        ],
    )
    session.commit()
    return setup, remittances


def _run(session, setup, today=TODAY):
    report = run_reconciliation(
        session, merchant_id=setup.merchant.id, trigger=RunTrigger.CLI, actor="test", today=today
    )
    session.commit()
    return report


def _transactions_of(session, remittance):
    return list(
        session.scalars(select(Transaction).where(Transaction.remittance_id == remittance.id))
    )


def test_a_run_tells_each_transaction_whose_status_changed_and_only_those(session, settings, week):
    setup, (first, short, missing, fourth) = week
    register(session, settings, setup.shop)

    _run(session, setup)

    changed = events(session, CHANGED)
    by_uuid = {e.payload["uuid"]: e for e in changed}
    outcomes = ((first, "reconciled"), (short, "anomaly"), (fourth, "reconciled"))
    expected = {
        tx.uuid: status
        for remittance, status in outcomes
        for tx in _transactions_of(session, remittance)
    }
    assert len(changed) == len(by_uuid) == 5
    assert {uuid: e.payload["reconciliation_status"] for uuid, e in by_uuid.items()} == expected
    assert {e.previous["reconciliation_status"] for e in changed} == {"pending"}
    # The third remittance's payment stays pending: no event.
    assert not {tx.uuid for tx in _transactions_of(session, missing)} & set(by_uuid)
    credited = events(session, EventType.REMITTANCE_CREDITED.value)
    assert sorted(e.payload["id"] for e in credited) == sorted([first.id, short.id, fourth.id])
    short_credit = next(e.payload for e in credited if e.payload["id"] == short.id)
    assert short_credit["status"] == "anomaly"
    assert short_credit["credit"]["difference_minor"] == -100
    assert short_credit["credit"]["entries"][0]["amount_minor"] == short.expected_credit_minor - 100
    [chargeback] = events(session, EventType.CHARGEBACK_RECEIVED.value)
    assert chargeback.payload["transaction"]["order_id"] == "ORDER-A-2026-03-02-0"
    assert chargeback.payload["transaction"]["dispute_flag"] == "yes"
    assert chargeback.payload["amount_minor"] == 10_000
    assert chargeback.payload["match"]["entries"][0]["amount_minor"] == -10_000
    assert len(deliveries(session)) == len(events(session))


def test_a_run_that_changes_nothing_tells_nothing(session, settings, week):
    setup, _ = week
    _run(session, setup)
    register(session, settings, setup.shop)

    _run(session, setup)

    assert events(session) == []


def test_the_day_alone_turning_a_credit_overdue_is_told(session, settings, week):
    setup, (_first, _short, missing, _fourth) = week
    _run(session, setup)
    register(session, settings, setup.shop)

    _run(session, setup, today=date(2026, 3, 11))

    [event] = events(session)
    assert event.type == CHANGED
    assert event.payload["uuid"] == _transactions_of(session, missing)[0].uuid
    assert (event.previous, event.payload["reconciliation_status"]) == (
        {"reconciliation_status": "pending"},
        "to_review",
    )


def test_undoing_a_match_tells_its_transactions_their_credit_is_overdue_again(
    session, settings, week
):
    setup, (first, *_rest) = week
    _run(session, setup)
    register(session, settings, setup.shop)
    credit = session.scalar(
        select(MatchRemittance.match_id).where(
            MatchRemittance.remittance_id == first.id, MatchRemittance.active
        )
    )

    unmatch(session, setup.merchant.id, credit, "test", "wrong line", today=TODAY)
    session.commit()

    # Credited on 4 March, two business days' grace: overdue on the 9th once undone.
    changed = events(session, CHANGED)
    assert Counter(e.payload["reconciliation_status"] for e in changed) == {"to_review": 2}
    assert {e.previous["reconciliation_status"] for e in changed} == {"reconciled"}
    assert events(session, EventType.REMITTANCE_CREDITED.value) == []


def test_a_merchant_without_webhooks_gets_no_event_from_its_run(session, settings, week):
    setup, _ = week
    other = shop_with_contract(session, shop_id="87654321", iban="FR7610278060610001020480197")
    register(session, settings, other.shop)

    _run(session, setup)

    assert events(session) == []


def test_a_transaction_reconciled_on_its_own_is_not_told_twice_by_a_later_run(
    session, settings, week
):
    setup, (_first, _short, missing, _fourth) = week
    _run(session, setup)
    [payment] = _transactions_of(session, missing)
    mark_reconciled_without_entry(
        session, setup.merchant.id, "test", "paid by cheque", transaction_uuid=payment.uuid
    )
    session.commit()
    register(session, settings, setup.shop)

    # The run recomputes the remittance (still uncredited) and the payment's own claim.
    _run(session, setup, today=date(2026, 3, 11))

    assert events(session) == []
    session.refresh(payment)
    assert payment.reconciliation_status == "reconciled_manual"


def test_the_payloads_are_what_the_api_shows(session, settings, week, client):
    setup, (first, *_rest) = week
    register(session, settings, setup.shop)
    key = issue_production_key(session, setup.shop, settings.secret_key)
    _run(session, setup)
    [credited] = [
        e.payload
        for e in events(session, EventType.REMITTANCE_CREDITED.value)
        if e.payload["id"] == first.id
    ]
    changed = events(session, CHANGED)[0].payload
    remittance_id = first.id
    session.rollback()  # on SQLite, an open transaction holds the write lock
    headers = {"Authorization": f"Bearer {key}"}

    remittance = client.get(f"/v1/remittances/{remittance_id}", headers=headers).json()
    transaction = client.get(f"/v1/transactions/{changed['uuid']}", headers=headers).json()

    assert credited == {key: remittance[key] for key in credited}
    assert changed == transaction
