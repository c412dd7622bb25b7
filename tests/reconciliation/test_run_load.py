"""What a run loads for the engine: the payments a chargeback line may take back, looked up
by order id, transaction id or amount and card, among the merchant's captured payments only."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from pointage.core.statuses import DetailedStatus
from pointage.matching.model import ChargebackClue
from pointage.payment.models import Transaction
from pointage.reconciliation.repository.runs import chargeback_candidates
from tests.factories import IBAN_BANK_B, make_payment
from tests.reconciliation.run_builders import MONDAY, remittance_of, shop_with_contract

BOOKED = MONDAY + timedelta(days=20)


def clue(amount: int, **kwargs: object) -> ChargebackClue:
    return ChargebackClue(
        entry_id=1,
        account_id=1,
        amount_minor=amount,
        currency="EUR",
        booked_on=kwargs.pop("booked_on", BOOKED),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def test_payments_are_found_by_order_transaction_id_or_amount_and_card(session) -> None:
    mine = shop_with_contract(session)
    other = shop_with_contract(session, shop_id="87654321", iban=IBAN_BANK_B)
    remittance_of(session, mine, MONDAY, [1_000, 2_000, 3_000], tag="M")
    remittance_of(session, other, MONDAY, [1_000, 2_000], tag="M")  # the same order ids
    make_payment(session, mine.shop, amount_minor=3_000, order_id="NOT-CAPTURED")
    payments = {
        (tx.shop_id, tx.order_id): tx
        for tx in session.scalars(select(Transaction))
        if tx.detailed_status == DetailedStatus.CAPTURED
    }
    first = payments[(mine.shop.id, f"ORDER-M-{MONDAY.isoformat()}-0")]
    second = payments[(mine.shop.id, f"ORDER-M-{MONDAY.isoformat()}-1")]
    third = payments[(mine.shop.id, f"ORDER-M-{MONDAY.isoformat()}-2")]

    found = chargeback_candidates(
        session,
        mine.merchant.id,
        [
            clue(1_000, order_ids=(first.order_id,)),
            clue(2_000, transaction_ids=(second.transaction_id,)),
            clue(3_000, card_last4="0044"),
        ],
        max_age_days=540,
    )

    assert [p.id for p in found] == sorted([first.id, second.id, third.id])
    by_id = {p.id: p for p in found}
    assert by_id[first.id].contract_number == mine.contract.number
    assert by_id[first.id].account_id == mine.bank_account.id
    assert by_id[first.id].card_last4 == "0044"
    assert by_id[first.id].remittance_date == MONDAY
    assert by_id[second.id].uuid == second.uuid


def test_payments_older_than_the_chargeback_horizon_are_left_out(session) -> None:
    setup = shop_with_contract(session)
    remittance_of(session, setup, MONDAY, [1_000], tag="O")
    order = f"ORDER-O-{MONDAY.isoformat()}-0"

    recent = chargeback_candidates(
        session, setup.merchant.id, [clue(1_000, order_ids=(order,))], max_age_days=30
    )
    late = chargeback_candidates(
        session,
        setup.merchant.id,
        [clue(1_000, order_ids=(order,), booked_on=date(2026, 12, 1))],
        max_age_days=30,
    )

    assert len(recent) == 1 and late == []
