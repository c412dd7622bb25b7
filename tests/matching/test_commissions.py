"""Commission debits: a month of fees of a gross-settled contract against its remittances."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointage.matching.commission_search import (
    MAX_SUBSET_TARGET,
    fee_subset,
    implied_rate,
    months_before,
    rate_text,
    read_line,
)
from pointage.matching.commissions import is_commission, match_commissions
from pointage.matching.model import (
    BankMovement,
    ExpectedCredit,
    FeeSchedule,
    OpenReason,
    Outcome,
    Rule,
)
from pointage.matching.settings import DEFAULT_SETTINGS, EngineSettings

ACCOUNT = 3
CONTRACT = "9351234567"
BOOKED = date(2026, 4, 3)


def remittance(
    id_: int,
    day: date,
    fee: int,
    *,
    currency: str = "EUR",
    contract: str = CONTRACT,
    account: int = ACCOUNT,
    awaiting: bool = True,
) -> ExpectedCredit:
    gross = fee * 40
    return ExpectedCredit(
        id=id_,
        account_id=account,
        account_currency="EUR",
        bank_code="10278",
        contract_number=contract,
        number=id_,
        remittance_date=day,
        currency=currency,
        payment_count=3,
        refund_count=0,
        gross_minor=gross,
        refunds_minor=0,
        fee_minor=fee,
        net_minor=gross - fee,
        expected_credit_minor=gross,
        expected_credit_date=day + timedelta(days=3),
        settlement_mode="gross",
        fee_schedule=FeeSchedule(rate_bp=250, fixed_minor=0),
        awaiting_credit=False,
        awaiting_fee_debit=awaiting,
    )


def debit(
    amount: int,
    *,
    id_: int = 1,
    label: str = "COMMISSIONS AMEX 03/2026",
    details: tuple[str, ...] = (f"CONTRAT {CONTRACT} 12 REMISES",),
    reference: str | None = "COM2026039351234",
    code: str | None = "64",
    booked: date = BOOKED,
    account: int = ACCOUNT,
) -> BankMovement:
    """A commission debit as the demo bank writes it (the reference cut at 16 characters)."""
    return BankMovement(
        id=id_,
        account_id=account,
        bank_code="10278",
        amount_minor=-amount,
        currency="EUR",
        value_date=booked,
        booking_date=booked,
        label=label,
        bank_operation_code=code,
        references={"reference": reference} if reference else {},
        details=details,
        record=id_,
    )


def march(*fees: int, first_id: int = 1) -> list[ExpectedCredit]:
    return [remittance(first_id + i, date(2026, 3, 2 + i % 27), fee) for i, fee in enumerate(fees)]


@pytest.mark.parametrize(
    ("amount", "code", "label", "expected"),
    [
        (-500, "64", "COMMISSIONS AMEX 03/2026", True),
        (-500, "PMNT/CCRD/COMM", "Card fees", True),
        (-500, None, "Commission carte mars", True),
        (-500, "06", "FRAIS ACQUEREUR 03/2026", True),
        (500, "64", "COMMISSIONS AMEX 03/2026", False),  # a credit is no fee debit
        (-500, "62", "FRAIS TENUE DE COMPTE", False),
    ],
)
def test_a_commission_is_a_debit_with_the_code_or_the_label(
    amount: int, code: str | None, label: str, expected: bool
) -> None:
    entry = replace(debit(0), amount_minor=amount, bank_operation_code=code, label=label)
    assert is_commission(entry, DEFAULT_SETTINGS) is expected


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("COMMISSIONS AMEX 03/2026", date(2026, 3, 1)),
        ("COMMISSIONS 3-2026", date(2026, 3, 1)),
        ("COMMISSIONS 2026-03", date(2026, 3, 1)),
        ("COMMISSIONS 202603", date(2026, 3, 1)),
        ("Commissions février 2026", date(2026, 2, 1)),
        ("COMMISSIONS DEC.", date(2025, 12, 1)),  # no year: the latest December before
        ("COMMISSIONS AVRIL", date(2026, 4, 1)),  # the booking month itself
        ("COMMISSIONS MAI", date(2025, 5, 1)),
    ],
)
def test_the_month_is_read_in_its_usual_shapes(text: str, month: date) -> None:
    reading = read_line(debit(1, label=text, details=(), reference=None), [CONTRACT])
    assert list(reading.months) == [month]


@pytest.mark.parametrize(
    "text",
    [
        "COMMISSIONS DU 15/03/2026",  # a date is not a month
        "COMMISSIONS 2026-03-15",
        "COMMISSIONS 201399",  # not a month of this century's calendar
        "DECOMPTE COMMISSIONS",  # a month name only as a whole word
    ],
)
def test_a_date_or_a_word_is_no_month(text: str) -> None:
    reading = read_line(debit(1, label=text, details=(), reference=None), [CONTRACT])
    assert reading.months == {}


def test_a_reference_of_month_and_contract_names_both() -> None:
    entry = debit(1, label="COMMISSIONS", details=(), reference="COM2026039351234567")
    reading = read_line(entry, [CONTRACT])
    assert reading.contracts == {CONTRACT: "2026039351234567"}
    assert list(reading.months) == [date(2026, 3, 1)]


def test_a_contract_is_named_only_as_a_whole_number() -> None:
    entry = debit(1, label="COMMISSIONS 93512345678 935123456", details=(), reference=None)
    assert read_line(entry, [CONTRACT]).contracts == {}


def test_a_month_named_by_contract_and_month_is_matched_automatically() -> None:
    remittances = [*march(120, 80, 45), remittance(9, date(2026, 2, 27), 70)]
    proposals, open_items = match_commissions(remittances, [debit(245)], DEFAULT_SETTINGS)
    assert open_items == []
    (match,) = proposals
    assert match.automatic
    assert match.rule == Rule.COMMISSION_DEBIT
    assert (match.entry_ids, match.remittance_ids, match.transaction_ids) == ((1,), (1, 2, 3), ())
    assert match.difference_minor == 0 and match.anomaly is None
    by_name = {c.name: c for c in match.criteria}
    assert (by_name["contract"].outcome, by_name["month"].outcome) == (Outcome.PASS, Outcome.PASS)
    assert by_name["month"].actual == "03/2026"
    assert (by_name["amount"].expected, by_name["amount"].actual) == ("2.45 EUR", "2.45 EUR")
    assert by_name["remittances"].actual == "000001, 000002, 000003"


def test_remittances_without_fee_or_not_awaiting_their_debit_are_left_out() -> None:
    remittances = [
        *march(120, 80),
        remittance(5, date(2026, 3, 9), 0),
        remittance(6, date(2026, 3, 10), 99, awaiting=False),
    ]
    proposals, _ = match_commissions(remittances, [debit(200)], DEFAULT_SETTINGS)
    assert proposals[0].automatic
    assert proposals[0].remittance_ids == (1, 2)


def test_foreign_fees_are_accepted_at_a_plausible_implied_rate() -> None:
    remittances = [*march(1000, 234), remittance(7, date(2026, 3, 20), 1234, currency="USD")]
    converted = 1140  # 12.34 USD at about 0.9238
    proposals, _ = match_commissions(remittances, [debit(1234 + converted)], DEFAULT_SETTINGS)
    (match,) = proposals
    assert match.automatic
    amount = next(c for c in match.criteria if c.name == "amount")
    assert amount.outcome == Outcome.PARTIAL
    assert amount.expected == "12.34 EUR + 12.34 USD"
    assert "foreign-currency fees 12.34 USD at the implied rate 0.923825" in amount.note


@pytest.mark.parametrize(
    ("amount", "why"),
    [
        (1234 + 5000, "not a plausible rate"),  # 4.05 EUR for a USD: no exchange rate
        (1234 + 500, "not a plausible rate"),  # 0.41
        (1200, "alone reach the debit"),  # the euro fees alone are more than the debit
    ],
)
def test_an_implausible_implied_rate_is_no_match(amount: int, why: str) -> None:
    remittances = [*march(1000, 234), remittance(7, date(2026, 3, 20), 1234, currency="USD")]
    proposals, _ = match_commissions(remittances, [debit(amount)], DEFAULT_SETTINGS)
    assert not any(p.automatic for p in proposals)
    amounts = [c for p in proposals for c in p.criteria if c.name == "amount"]
    assert all(c.outcome == Outcome.FAIL for c in amounts)
    assert any(why in c.note for c in amounts)


def test_the_implied_rate_minds_each_currencys_decimals() -> None:
    assert implied_rate(923, "EUR", 1000, "USD") == 923_000
    assert implied_rate(615, "EUR", 1000, "JPY") == 6_150  # 10 JPY -> 6.15 EUR: 0.615 per yen
    assert rate_text(923_456) == "0.923456"


def test_a_debit_that_does_not_add_up_is_a_suggestion_with_its_difference() -> None:
    proposals, open_items = match_commissions(march(120, 80), [debit(230)], DEFAULT_SETTINGS)
    (suggestion,) = proposals
    assert not suggestion.automatic
    assert suggestion.remittance_ids == (1, 2)
    assert suggestion.difference_minor == -30
    assert suggestion.anomaly == "the debit is 0.30 EUR more than the fees of 2 remittances"
    assert open_items[0].reason == OpenReason.BELOW_THRESHOLD


def test_a_debit_equal_to_part_of_the_month_proposes_that_part() -> None:
    proposals, _ = match_commissions(march(120, 80, 45), [debit(165)], DEFAULT_SETTINGS)
    (suggestion,) = proposals
    assert not suggestion.automatic
    assert suggestion.remittance_ids == (1, 3)
    assert "2 of the 3 remittances" in suggestion.reason


def test_a_debit_naming_no_month_proposes_the_whole_previous_month_that_adds_up() -> None:
    remittances = [
        *march(120, 85),
        remittance(5, date(2026, 2, 3), 50),
        remittance(6, date(2026, 2, 4), 150),
    ]
    entry = debit(200, label="COMMISSIONS AMEX", reference=None)
    proposals, open_items = match_commissions(remittances, [entry], DEFAULT_SETTINGS)
    (suggestion,) = proposals
    assert not suggestion.automatic
    assert suggestion.remittance_ids == (5, 6)
    assert suggestion.reason == (
        f"the line names no month: the fees of 2 remittances of contract {CONTRACT} in "
        "2026-02 add up to the debit"
    )
    month = next(c for c in suggestion.criteria if c.name == "month")
    assert (month.outcome, month.expected) == (Outcome.INFO, "2026-02")
    assert [(o.id, o.reason) for o in open_items] == [(1, OpenReason.BELOW_THRESHOLD)]


def test_a_debit_naming_no_month_is_ambiguous_when_two_months_add_up() -> None:
    remittances = [
        *march(120, 80),
        remittance(5, date(2026, 2, 3), 50),
        remittance(6, date(2026, 2, 4), 150),
    ]
    entry = debit(200, label="COMMISSIONS AMEX", reference=None)
    proposals, open_items = match_commissions(remittances, [entry], DEFAULT_SETTINGS)
    assert proposals == []
    assert open_items[0].reason == OpenReason.AMBIGUOUS


def test_a_debit_naming_no_month_may_cover_part_of_the_previous_months() -> None:
    remittances = [*march(120, 85, 33), remittance(5, date(2026, 2, 3), 50)]
    entry = debit(170, label="COMMISSIONS AMEX", reference=None)  # 1.20 + 0.50
    proposals, _ = match_commissions(remittances, [entry], DEFAULT_SETTINGS)
    (suggestion,) = proposals
    assert not suggestion.automatic
    assert sorted(suggestion.remittance_ids) == [1, 5]


def test_a_debit_naming_no_contract_is_searched_in_the_accounts_contracts() -> None:
    remittances = [*march(120, 80), remittance(5, date(2026, 3, 3), 77, contract="7012345")]
    entry = debit(200, details=(), reference=None)  # "COMMISSIONS AMEX 03/2026"
    proposals, _ = match_commissions(remittances, [entry], DEFAULT_SETTINGS)
    (suggestion,) = proposals
    assert not suggestion.automatic
    assert suggestion.remittance_ids == (1, 2)
    assert suggestion.reason.startswith("the line names no contract")


def test_nothing_adding_up_leaves_the_debit_open_with_what_was_searched() -> None:
    entry = debit(999, label="COMMISSIONS AMEX", reference=None)
    proposals, open_items = match_commissions(march(120, 85), [entry], DEFAULT_SETTINGS)
    assert proposals == []
    (item,) = open_items
    assert item.reason == OpenReason.NO_CANDIDATE
    assert item.detail == (
        f"the line names no month, and no set of fees awaiting their debit (contract {CONTRACT}, "
        "2026-01 to 2026-03) adds up to 9.99 EUR"
    )


def test_the_month_of_the_debit_itself_is_looked_before() -> None:
    # The acquirer names the month it debits (April), the fees are March's.
    entry = debit(200, label="COMMISSIONS AMEX PRELEVEES 04/2026", reference=None)
    proposals, _ = match_commissions(march(120, 80), [entry], DEFAULT_SETTINGS)
    (suggestion,) = proposals
    assert not suggestion.automatic
    assert suggestion.remittance_ids == (1, 2)
    assert suggestion.reason.startswith("no fee of 2026-04 awaits its debit")


def test_fees_of_another_account_or_later_than_the_debit_are_not_covered() -> None:
    remittances = [
        *march(120, 80),
        remittance(5, date(2026, 3, 30), 40, account=ACCOUNT + 1),
        remittance(6, date(2026, 4, 6), 40),  # after the debit of 2026-04-03
    ]
    entry = debit(200, label="COMMISSIONS AMEX 03/2026 04/2026", booked=BOOKED)
    proposals, _ = match_commissions(remittances, [entry], DEFAULT_SETTINGS)
    assert proposals[0].automatic
    assert proposals[0].remittance_ids == (1, 2)


def test_a_second_identical_debit_is_a_duplicate_line() -> None:
    first, second = debit(200, id_=1), debit(200, id_=2, booked=BOOKED + timedelta(days=1))
    proposals, open_items = match_commissions(march(120, 80), [second, first], DEFAULT_SETTINGS)
    assert [(p.entry_ids, p.automatic) for p in proposals] == [((1,), True)]
    (item,) = open_items
    assert (item.id, item.reason) == (2, OpenReason.DUPLICATE_LINE)
    assert "the debit of 2026-04-03" in item.detail


def test_an_exact_debit_is_matched_before_a_suggestion_takes_its_fees() -> None:
    # The earlier debit names no month and would take March by subset sum; the later one
    # names March and adds up: it is matched, and the earlier one is proposed nothing.
    vague = debit(120, id_=1, label="COMMISSIONS AMEX", reference=None)
    exact = debit(200, id_=2, booked=BOOKED + timedelta(days=2))
    proposals, open_items = match_commissions(march(120, 80), [vague, exact], DEFAULT_SETTINGS)
    assert [(p.entry_ids, p.automatic) for p in proposals] == [((2,), True)]
    assert [(o.id, o.reason) for o in open_items] == [(1, OpenReason.NO_CANDIDATE)]


def test_the_threshold_comes_from_the_settings() -> None:
    remittances = [*march(1000), remittance(7, date(2026, 3, 20), 1000, currency="USD")]
    strict = EngineSettings(auto_threshold=80)  # contract 30 + month 20 + converted 25 = 75
    assert match_commissions(remittances, [debit(1920)], DEFAULT_SETTINGS)[0][0].automatic
    assert not match_commissions(remittances, [debit(1920)], strict)[0][0].automatic


def test_a_credit_is_left_open_with_its_reason() -> None:
    entry = replace(debit(200), amount_minor=200)
    proposals, open_items = match_commissions(march(120, 80), [entry], DEFAULT_SETTINGS)
    assert proposals == []
    assert "credit" in open_items[0].detail


@pytest.mark.parametrize(
    ("fees", "target", "chosen", "unique"),
    [
        ([120, 80, 45], 165, [120, 45], True),
        ([100, 101, 102, 103], 203, None, False),  # 100 + 103 and 101 + 102
        ([120, 80], 999, None, None),
        ([120, 80], 0, None, None),
    ],
)
def test_the_subset_sum_is_exact_and_says_when_it_is_not_unique(
    fees: list[int], target: int, chosen: list[int] | None, unique: bool | None
) -> None:
    found = fee_subset(march(*fees), target)
    if unique is None:
        assert found is None
        return
    assert found is not None
    assert found.unique is unique
    assert sum(r.fee_minor for r in found.items) == target
    if chosen is not None:
        assert [r.fee_minor for r in found.items] == chosen


def test_the_subset_sum_of_forty_fees_is_found_and_bounded() -> None:
    fees = [1_000 + 7 * i + (i * i) % 13 for i in range(40)]
    found = fee_subset(march(*fees), sum(fees) // 2)
    assert found is not None and sum(r.fee_minor for r in found.items) == sum(fees) // 2
    assert fee_subset(march(MAX_SUBSET_TARGET, 1), MAX_SUBSET_TARGET + 1) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 30), max_size=8), st.integers(1, 90))
def test_the_subset_sum_agrees_with_trying_every_subset(fees: list[int], target: int) -> None:
    every = [
        chosen
        for size in range(len(fees) + 1)
        for chosen in itertools.combinations(range(len(fees)), size)
        if sum(fees[i] for i in chosen) == target
    ]
    found = fee_subset(march(*fees), target)
    if not every:
        assert found is None
        return
    assert found is not None
    assert sum(r.fee_minor for r in found.items) == target
    assert len({r.id for r in found.items}) == len(found.items)
    assert found.unique is (len(every) == 1)


def test_months_before_go_back_across_the_year() -> None:
    assert months_before(date(2026, 2, 10), 3) == [
        date(2026, 1, 1),
        date(2025, 12, 1),
        date(2025, 11, 1),
    ]


def test_a_few_dozen_debits_against_thousands_of_fees_all_match() -> None:
    remittances = []
    entries = []
    for c in range(40):
        contract = f"{9_000_000 + c}"
        month_fees = []
        for day in range(1, 29):
            fee = 100 + (c * 31 + day * 17) % 400
            month_fees.append(fee)
            remittances.append(
                remittance(c * 100 + day, date(2026, 3, day), fee, contract=contract)
            )
        entries.append(
            debit(sum(month_fees), id_=c + 1, details=(f"CONTRAT {contract}",), reference=None)
        )
    proposals, open_items = match_commissions(remittances, entries, DEFAULT_SETTINGS)
    assert len(proposals) == 40 and all(p.automatic for p in proposals) and open_items == []


@st.composite
def fee_months(draw: st.DrawFn) -> tuple[list[ExpectedCredit], list[BankMovement]]:
    """Small fees that often add up alike, and debits naming or not their month."""
    remittances = [
        remittance(
            i + 1,
            date(2026, draw(st.integers(1, 3)), draw(st.integers(1, 28))),
            draw(st.sampled_from([40, 60, 100, 140])),
            contract=draw(st.sampled_from([CONTRACT, "7012345"])),
        )
        for i in range(draw(st.integers(0, 12)))
    ]
    entries = []
    for i in range(draw(st.integers(1, 6))):
        month = draw(st.sampled_from(["", " 01/2026", " 02/2026", " 03/2026"]))
        contract = draw(st.sampled_from([(), (f"CONTRAT {CONTRACT}",), ("CONTRAT 7012345",)]))
        amount = draw(st.sampled_from([100, 140, 200, 240, 300, 400]))
        label = f"COMMISSIONS{month}"
        entries.append(debit(amount, id_=i + 1, label=label, details=contract, reference=None))
    return remittances, entries


@settings(max_examples=300, deadline=None)
@given(fee_months())
def test_a_fee_is_claimed_by_at_most_one_proposal(
    data: tuple[list[ExpectedCredit], list[BankMovement]],
) -> None:
    remittances, entries = data
    proposals, open_items = match_commissions(remittances, entries, DEFAULT_SETTINGS)
    claimed = [rid for p in proposals for rid in p.remittance_ids]
    assert len(claimed) == len(set(claimed))
    fees = {r.id: r.fee_minor for r in remittances}
    for proposal in proposals:
        entry = next(e for e in entries if e.id == proposal.entry_ids[0])
        assert proposal.remittance_ids
        if proposal.automatic:
            # Automatic only when contract and month are named and the fees add up exactly.
            assert sum(fees[i] for i in proposal.remittance_ids) == -entry.amount_minor
            outcomes = {c.name: c.outcome for c in proposal.criteria}
            assert outcomes["contract"] == outcomes["month"] == Outcome.PASS
    # Every debit is matched or left open, once.
    automatic = [p.entry_ids[0] for p in proposals if p.automatic]
    assert sorted([*automatic, *(o.id for o in open_items)]) == [e.id for e in entries]
