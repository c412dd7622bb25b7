"""Chargebacks: which lines are chargebacks, what they say about the payment taken back, and
how the engine decides between the candidate payments."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointage.matching.chargebacks import (
    chargeback_clues,
    clue_of,
    is_chargeback,
    match_chargebacks,
)
from pointage.matching.model import BankMovement, CardPayment, OpenReason, Outcome, Rule
from pointage.matching.settings import DEFAULT_SETTINGS, EngineSettings

ACCOUNT = 7
BOOKED = date(2026, 3, 12)
REMITTED = date(2026, 2, 20)


def line(
    id_: int = 1,
    *,
    amount: int = -4500,
    label: str = "IMPAYE AMEX X1234 TR 123456",
    code: str | None = "38",
    details: tuple[str, ...] = ("CDE CMD-2026-000123 CONTRAT 9351234567", "MOTIF 4837 FRAUDE"),
    references: dict[str, str] | None = None,
    booked: date = BOOKED,
    account: int = ACCOUNT,
) -> BankMovement:
    """A chargeback line as the demo bank and French banks write them."""
    return BankMovement(
        id=id_,
        account_id=account,
        bank_code="30066",
        amount_minor=amount,
        currency="EUR",
        value_date=booked,
        booking_date=booked,
        label=label,
        bank_operation_code=code,
        references={"reference": "CB260220123456"} if references is None else references,
        details=details,
        record=id_,
    )


def payment(
    id_: int = 100,
    *,
    transaction_id: str = "123456",
    order_id: str | None = "CMD-2026-000123",
    amount: int = 4500,
    last4: str | None = "1234",
    contract: str = "9351234567",
    remitted: date = REMITTED,
    account: int = ACCOUNT,
) -> CardPayment:
    return CardPayment(
        id=id_,
        uuid=f"uuid-{id_}",
        account_id=account,
        transaction_id=transaction_id,
        order_id=order_id,
        amount_minor=amount,
        currency="EUR",
        card_last4=last4,
        contract_number=contract,
        remittance_date=remitted,
    )


@pytest.mark.parametrize(
    ("amount", "code", "label", "expected"),
    [
        (-4500, "38", "IMPAYE CB X1234 TR 123456", True),
        (-4500, "PMNT/CCRD/UPCT", "Card transaction returned", True),
        (-4500, None, "Impayé carte 1234", True),  # accents and case do not hide the label
        (-4500, "OTHR", "CHARGEBACK VISA 1234", True),
        (-4500, "06", "RETOUR CARTE 1234", True),
        (4500, "38", "IMPAYE CB X1234", False),  # a credit gives money back, takes none
        (-4500, "06", "VIR SEPA FOURNISSEUR", False),
        (-4500, "64", "COMMISSIONS AMEX 03/2026", False),
    ],
)
def test_a_chargeback_is_a_debit_with_the_code_or_the_label(
    amount: int, code: str | None, label: str, expected: bool
) -> None:
    assert is_chargeback(line(amount=amount, code=code, label=label), DEFAULT_SETTINGS) is expected


def test_the_codes_and_labels_come_from_the_settings() -> None:
    own = EngineSettings(chargeback_codes=frozenset({"99"}), chargeback_labels=())
    assert is_chargeback(line(code="99", label="RETOUR"), own)
    assert not is_chargeback(line(code="38", label="IMPAYE"), own)


def test_the_clue_names_transaction_order_card_contract_amount_and_date() -> None:
    clue = clue_of(line())
    assert clue.entry_id == 1
    assert clue.account_id == ACCOUNT
    assert (clue.amount_minor, clue.currency, clue.booked_on) == (4500, "EUR", BOOKED)
    assert clue.transaction_ids == ("123456",)
    assert clue.order_ids == ("CMD-2026-000123",)
    assert clue.card_last4 == "1234"
    assert "9351234567" in clue.contract_numbers
    # The reference glues a date to the transaction id: not a whole number of 6 digits.
    assert "260220123456" not in clue.transaction_ids


@pytest.mark.parametrize(
    ("text", "last4"),
    [
        ("IMPAYE CB X1234", "1234"),
        ("IMPAYE CB XXXX1234", "1234"),
        ("IMPAYE CB ****1234", "1234"),
        ("IMPAYE CB 497010XXXXXX1234", "1234"),
        ("IMPAYE CARTE 1234", "1234"),
        ("IMPAYE CARTE N° 1234", "1234"),
        ("IMPAYE AMEX1234", None),  # "X" ends a word there, it masks nothing
        ("IMPAYE MOTIF 4837", None),  # a reason code is no card
        ("IMPAYE X12345", None),  # five digits are not a card's last four
    ],
)
def test_the_card_is_read_only_from_a_masked_number_or_after_carte(
    text: str, last4: str | None
) -> None:
    assert clue_of(line(label=text, details=(), references={})).card_last4 == last4


@pytest.mark.parametrize(
    ("text", "orders"),
    [
        ("CDE CMD-2026-000123", ("CMD-2026-000123",)),
        ("REF CDE A-17.", ("A-17",)),
        ("COMMANDE N° 4711", ("4711",)),
        ("ORDER ID: 99-XY", ("99-XY",)),
        ("commande web-88", ("WEB-88",)),  # the normal form: upper case
        ("CDE - CONTRAT 7012345", ()),  # a dash says there is none
    ],
)
def test_the_order_is_the_token_after_its_keyword(text: str, orders: tuple[str, ...]) -> None:
    assert clue_of(line(label="IMPAYE", details=(text,), references={})).order_ids == orders


def test_digits_of_an_order_or_a_card_are_no_transaction_id() -> None:
    clue = clue_of(line(label="IMPAYE 497010XXXXXX1234", details=("CDE 654321",), references={}))
    assert clue.order_ids == ("654321",)
    assert clue.transaction_ids == ()


def test_a_transaction_id_is_a_whole_number_of_six_digits() -> None:
    clue = clue_of(line(label="IMPAYE TR 123456 1234567 12345", details=(), references={}))
    assert clue.transaction_ids == ("123456",)
    assert clue.contract_numbers == ("1234567",)


def test_clues_are_given_for_the_chargeback_lines_only() -> None:
    lines = [line(1), line(2, code="06", label="VIR SEPA"), line(3, amount=4500)]
    assert [clue.entry_id for clue in chargeback_clues(lines, DEFAULT_SETTINGS)] == [1]


def test_a_line_naming_its_payment_takes_it_back_automatically() -> None:
    proposals, open_items = match_chargebacks([line()], [payment(), payment(101, last4="9999")])
    assert open_items == []
    (match,) = proposals
    assert match.automatic
    assert match.rule == Rule.CHARGEBACK
    assert (match.entry_ids, match.transaction_ids, match.remittance_ids) == ((1,), (100,), ())
    assert match.difference_minor == 0
    assert match.score == 30 + 30 + 25 + 20 + 10
    by_name = {c.name: c for c in match.criteria}
    assert by_name["amount"].outcome == Outcome.PASS
    assert (by_name["transaction_id"].expected, by_name["transaction_id"].actual) == (
        "123456",
        "123456",
    )
    assert by_name["card_last4"].outcome == Outcome.PASS
    assert by_name["date"].outcome == Outcome.PASS


def test_the_amount_is_required() -> None:
    proposals, open_items = match_chargebacks([line()], [payment(amount=4600)])
    assert proposals == []
    (item,) = open_items
    assert item.reason == OpenReason.NO_CANDIDATE
    assert "transaction id 123456" in item.detail
    assert "45.00 EUR" in item.detail
    assert "is of 46.00 EUR" in item.detail  # the payment it names, and why it is not it


@pytest.mark.parametrize(
    ("remitted", "account", "why"),
    [
        (BOOKED, ACCOUNT, "remitted on 2026-03-12"),  # taken back the day it was remitted
        (BOOKED + timedelta(days=3), ACCOUNT, "remitted on 2026-03-15"),
        (BOOKED - timedelta(days=541), ACCOUNT, "by 2026-03-11"),  # older than the limit
        (REMITTED, ACCOUNT + 1, "another account"),
    ],
)
def test_a_payment_out_of_time_or_of_another_account_is_no_candidate(
    remitted: date, account: int, why: str
) -> None:
    proposals, open_items = match_chargebacks(
        [line()], [payment(remitted=remitted, account=account)]
    )
    assert proposals == []
    assert open_items[0].reason == OpenReason.NO_CANDIDATE
    assert why in open_items[0].detail


def test_the_maximum_age_comes_from_the_settings() -> None:
    young = EngineSettings(chargeback_max_age_days=10)
    assert match_chargebacks([line()], [payment()], young)[0] == []
    assert match_chargebacks([line()], [payment()], DEFAULT_SETTINGS)[0] != []


def test_amount_and_transaction_id_alone_are_only_a_suggestion() -> None:
    bare = line(label="IMPAYE TR 123456", details=(), references={})
    proposals, open_items = match_chargebacks([bare], [payment()])
    (suggestion,) = proposals
    assert not suggestion.automatic
    assert suggestion.score == 60
    assert open_items[0].reason == OpenReason.BELOW_THRESHOLD
    assert "60 of the 70 needed" in suggestion.reason


def test_the_threshold_comes_from_the_settings() -> None:
    bare = line(label="IMPAYE TR 123456", details=(), references={})
    lenient = EngineSettings(auto_threshold=60)
    assert match_chargebacks([bare], [payment()], lenient)[0][0].automatic


def test_two_payments_equally_named_are_ambiguous() -> None:
    # Two shops may give the same transaction id, of the same amount, the same day.
    bare = line(label="IMPAYE TR 123456 X1234", details=(), references={})
    twins = [payment(100, order_id=None), payment(101, order_id=None, contract="7012345")]
    proposals, open_items = match_chargebacks([bare], twins)
    assert [p.transaction_ids for p in proposals] == [(100,), (101,)]
    assert not any(p.automatic for p in proposals)
    assert open_items[0].reason == OpenReason.AMBIGUOUS


def test_many_equal_candidates_are_not_listed() -> None:
    blind = line(label="IMPAYE", details=(), references={})
    same_amount = [payment(100 + i, transaction_id=f"{i:06d}", last4=None) for i in range(5)]
    proposals, open_items = match_chargebacks([blind], same_amount)
    assert proposals == []
    assert open_items[0].reason == OpenReason.AMBIGUOUS
    assert "5 captured payments" in open_items[0].detail


def test_a_line_naming_another_card_is_never_automatic() -> None:
    # Transaction id and order agree, but the card the bank names is not the payment's.
    proposals, open_items = match_chargebacks([line()], [payment(last4="9999")])
    assert not proposals[0].automatic
    assert "card ending 1234" in proposals[0].reason
    assert open_items[0].reason == OpenReason.BELOW_THRESHOLD


def test_a_second_chargeback_of_the_same_payment_is_a_suggestion() -> None:
    first, second = line(1), line(2, booked=BOOKED + timedelta(days=20))
    proposals, open_items = match_chargebacks([second, first], [payment()])
    assert [(p.entry_ids, p.automatic) for p in proposals] == [((1,), True), ((2,), False)]
    assert "2026-03-12" in proposals[1].reason
    assert [(o.id, o.reason) for o in open_items] == [(2, OpenReason.DUPLICATE_LINE)]


def test_the_line_naming_a_payment_best_takes_it() -> None:
    # The later line names the payment fully, the earlier one by amount and card only.
    vague = line(1, label="IMPAYE X1234 TR 777777", details=(), references={})
    exact = line(2, booked=BOOKED + timedelta(days=1))
    proposals, _ = match_chargebacks([vague, exact], [payment()])
    automatic = [p.entry_ids for p in proposals if p.automatic]
    assert automatic == [(2,)]


def test_a_credit_is_left_open_with_its_reason() -> None:
    proposals, open_items = match_chargebacks([line(amount=4500)], [payment()])
    assert proposals == []
    assert "credit" in open_items[0].detail


def test_hundreds_of_lines_against_thousands_of_payments_each_find_their_own() -> None:
    payments = [
        payment(
            i,
            transaction_id=f"{i:06d}",
            order_id=f"CMD-{i}",
            amount=1000 + i % 500,
            last4=f"{i % 10_000:04d}",
        )
        for i in range(1, 5001)
    ]
    lines = [
        line(
            i,
            amount=-(1000 + i % 500),
            label=f"IMPAYE CB X{i % 10_000:04d} TR {i:06d}",
            details=(f"CDE CMD-{i}",),
            references={},
        )
        for i in range(1, 5001, 17)
    ]
    proposals, open_items = match_chargebacks(lines, payments)
    assert len(lines) > 250
    assert all(p.automatic for p in proposals) and open_items == []
    assert [p.transaction_ids[0] for p in proposals] == [entry.id for entry in lines]


@st.composite
def crowded(draw: st.DrawFn) -> tuple[list[BankMovement], list[CardPayment]]:
    """Few amounts, ids and cards shared out at random: lines often name the same payment."""
    payments = [
        payment(
            100 + i,
            transaction_id=draw(st.sampled_from(["111111", "222222", "333333"])),
            order_id=draw(st.sampled_from([None, "A-1", "A-2"])),
            amount=draw(st.sampled_from([1000, 2000])),
            last4=draw(st.sampled_from([None, "1111", "2222"])),
            remitted=REMITTED + timedelta(days=draw(st.integers(0, 3))),
        )
        for i in range(draw(st.integers(0, 8)))
    ]
    lines = []
    for i in range(draw(st.integers(1, 8))):
        tr = draw(st.sampled_from(["", "TR 111111", "TR 222222", "TR 333333"]))
        card = draw(st.sampled_from(["", "X1111", "X2222"]))
        order = draw(st.sampled_from([(), ("CDE A-1",), ("CDE A-2",)]))
        amount = draw(st.sampled_from([1000, 2000]))
        booked = BOOKED + timedelta(days=draw(st.integers(0, 5)))
        lines.append(
            line(
                i + 1,
                amount=-amount,
                label=f"IMPAYE {card} {tr}",
                details=order,
                references={},
                booked=booked,
            )
        )
    return lines, payments


@settings(max_examples=300, deadline=None)
@given(crowded(), st.integers(30, 120))
def test_a_payment_and_a_line_are_claimed_at_most_once(
    data: tuple[list[BankMovement], list[CardPayment]], threshold: int
) -> None:
    lines, payments = data
    own = replace(DEFAULT_SETTINGS, auto_threshold=threshold)
    proposals, open_items = match_chargebacks(lines, payments, own)
    automatic = [p for p in proposals if p.automatic]
    claimed = [p.transaction_ids[0] for p in automatic]
    assert len(claimed) == len(set(claimed))
    matched_lines = [p.entry_ids[0] for p in automatic]
    assert len(matched_lines) == len(set(matched_lines))
    # Every line is either matched or left open with a reason, never both nor neither.
    assert sorted([*matched_lines, *(o.id for o in open_items)]) == [e.id for e in lines]
    for proposal in automatic:
        assert proposal.score >= threshold
        taken = next(p for p in payments if p.id == proposal.transaction_ids[0])
        entry = next(e for e in lines if e.id == proposal.entry_ids[0])
        assert taken.amount_minor == -entry.amount_minor
