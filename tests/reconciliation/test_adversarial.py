"""Cases built to fool an auto-matcher, end to end: remittances captured by the real batch,
bank lines in a real CFONB 120 file through the real import, a real reconciliation run.

The engine must never match wrongly: where the bank's line tells which remittances it pays,
exactly those are matched; where nothing tells equal candidates apart, nothing is matched
automatically and a person is asked.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.formats.statements.model import Entry, EntryDetail
from pointage.reconciliation.models import (
    Match,
    MatchEntry,
    MatchOrigin,
    MatchRemittance,
    RunTrigger,
    Suggestion,
    SuggestionStatus,
)
from pointage.reconciliation.service.run import run_reconciliation
from pointage.remittance.models import Remittance
from pointage.shop import service as shop_service
from pointage.shop.models import Contract
from pointage.statement.models import StatementEntry
from tests.factories import ShopSetup
from tests.reconciliation.run_builders import (
    credit_line,
    import_lines,
    remittance_of,
    shop_with_contract,
    statuses,
)

PARIS, LYON = "7012345", "8023456"
MONDAY = date(2026, 3, 2)
# Thursday 2 April 2026 to Easter Monday: Good Friday is a TARGET closing day and Easter
# Monday a French bank holiday, so five days of remittances are credited on Tuesday 7 April.
EASTER_DAYS = [date(2026, 4, day) for day in range(2, 7)]
EASTER_CREDIT = date(2026, 4, 7)


def free_contract(session: Session, **kwargs: object) -> ShopSetup:
    """A shop whose contract takes no fee: the credit is the sum of the payments."""
    return shop_with_contract(
        session, contract_number=PARIS, fee_rate_bp=0, fee_fixed_minor=0, **kwargs
    )


def second_shop(session: Session, first: ShopSetup, number: str) -> ShopSetup:
    """Another shop of the same merchant, its fee-free contract crediting the same account."""
    shop = shop_service.create_shop(session, first.merchant, shop_id="87654321", name="Lyon")
    contract = shop_service.create_contract(
        session,
        shop,
        first.bank_account,
        number=number,
        acquirer="Test Acquirer",
        credit_delay_days=first.contract.credit_delay_days,
    )
    return ShopSetup(first.merchant, shop, first.bank_account, contract)


def line(amount: int, day: date, label: str, *details: str) -> Entry:
    return Entry(
        record=0,
        amount_minor=amount,
        currency="EUR",
        booking_date=day,
        value_date=day,
        label=label,
        bank_operation_code="30",
        details=[EntryDetail(record=0, qualifier="LIB", text=text) for text in details],
    )


def run(session: Session, setup: ShopSetup, today: date) -> None:
    run_reconciliation(
        session,
        merchant_id=setup.merchant.id,
        trigger=RunTrigger.CLI,
        actor="test",
        today=today,
    )
    session.flush()


def automatic(session: Session) -> dict[str, set[tuple[str, int]]]:
    """Label of each bank line an automatic match claims -> (contract, remittance number)
    of the remittances that match says it pays."""
    rows = session.execute(
        select(StatementEntry.label, Contract.number, Remittance.number)
        .join(MatchEntry, MatchEntry.entry_id == StatementEntry.id)
        .join(Match, Match.id == MatchEntry.match_id)
        .outerjoin(MatchRemittance, MatchRemittance.match_id == Match.id)
        .outerjoin(Remittance, Remittance.id == MatchRemittance.remittance_id)
        .outerjoin(Contract, Contract.id == Remittance.contract_id)
        .where(Match.origin == MatchOrigin.ENGINE.value, Match.reversed_at.is_(None))
    )
    claimed: dict[str, set[tuple[str, int]]] = {}
    for label, contract, number in rows:
        claimed.setdefault(label, set())
        if contract is not None:
            claimed[label].add((contract, number))
    return claimed


def open_suggestion_entries(session: Session) -> set[int]:
    ids = session.scalars(
        select(Suggestion.entry_ids).where(Suggestion.status == SuggestionStatus.OPEN.value)
    )
    return {entry_id for entry_ids in ids for entry_id in entry_ids}


def entry_id(session: Session, label: str) -> int:
    found = session.scalar(select(StatementEntry.id).where(StatementEntry.label == label))
    assert found is not None
    return found


def test_two_remittances_of_the_same_amount_the_same_day_each_get_their_own_credit(session):
    paris = free_contract(session)
    lyon = second_shop(session, paris, LYON)
    # Both are the first remittance of their contract: the same number, the same amount.
    first = remittance_of(session, paris, MONDAY, [12_345])
    second = remittance_of(session, lyon, MONDAY, [12_345], tag="B")
    assert (first.number, first.expected_credit_minor) == (second.number, 12_345)
    assert first.expected_credit_date == second.expected_credit_date
    # The bank books Lyon's credit first.
    import_lines(session, paris.merchant.id, [credit_line(second, LYON), credit_line(first, PARIS)])
    run(session, paris, first.expected_credit_date)
    assert automatic(session) == {
        f"REMISE CB 000001 {LYON}": {(LYON, 1)},
        f"REMISE CB 000001 {PARIS}": {(PARIS, 1)},
    }
    assert statuses(session, first) == statuses(session, second) == ["reconciled"]


def test_two_equal_credits_that_name_no_remittance_are_left_to_a_person(session):
    paris = free_contract(session)
    lyon = second_shop(session, paris, LYON)
    first = remittance_of(session, paris, MONDAY, [12_345])
    second = remittance_of(session, lyon, MONDAY, [12_345], tag="B")
    day = first.expected_credit_date
    import_lines(
        session,
        paris.merchant.id,
        [line(12_345, day, "VIR CARTES BANCAIRES"), line(12_345, day, "VIR CARTES BANCAIRES")],
    )
    run(session, paris, day)
    assert automatic(session) == {}
    assert statuses(session, first) == statuses(session, second) == ["pending"]
    assert open_suggestion_entries(session)


def easter_remittances(session: Session, setup: ShopSetup, amounts: list[int]) -> list[Remittance]:
    remittances = [
        remittance_of(session, setup, day, [amount])
        for day, amount in zip(EASTER_DAYS, amounts, strict=True)
    ]
    assert {r.expected_credit_date for r in remittances} == {EASTER_CREDIT}
    return remittances


def test_a_credit_equal_to_two_subsets_is_matched_to_the_remittances_it_names(session):
    paris = free_contract(session, credit_delay_days=1)
    # 100 + 200 = 150 + 150 = 300, due the same day: only the line's numbers tell.
    first, second, third, fourth, fifth = easter_remittances(
        session, paris, [10_000, 20_000, 15_000, 15_000, 4_321]
    )
    import_lines(
        session,
        paris.merchant.id,
        [
            line(30_000, EASTER_CREDIT, f"REMISES CB 2 REM {PARIS}", "REM 000003 000004"),
            line(4_321, EASTER_CREDIT, f"REMISE CB 000005 {PARIS}"),
        ],
    )
    run(session, paris, EASTER_CREDIT)
    assert automatic(session) == {
        f"REMISES CB 2 REM {PARIS}": {(PARIS, third.number), (PARIS, fourth.number)},
        f"REMISE CB 000005 {PARIS}": {(PARIS, fifth.number)},
    }
    assert (third.number, fourth.number) == (3, 4)
    assert statuses(session, first) == statuses(session, second) == ["pending"]
    assert statuses(session, third) == statuses(session, fourth) == ["reconciled"]


def test_a_credit_equal_to_two_subsets_that_names_neither_is_left_to_a_person(session):
    paris = free_contract(session, credit_delay_days=1)
    remittances = easter_remittances(session, paris, [10_000, 20_000, 15_000, 15_000, 4_321])
    label = f"REMISES CB {PARIS}"
    import_lines(session, paris.merchant.id, [line(30_000, EASTER_CREDIT, label)])
    run(session, paris, EASTER_CREDIT)
    assert label not in automatic(session)
    assert entry_id(session, label) in open_suggestion_entries(session)
    assert all(statuses(session, r) == ["pending"] for r in remittances)


def test_a_remittance_number_inside_another_number_is_not_taken_for_it(session):
    paris = free_contract(session)
    # Twelve remittances of 50.00 on twelve days: numbers 1 to 12, all credits alike but for
    # their numbers. "12" and "3" are inside the contract number 7012345 and inside "000123".
    days = [date(2026, 3, day) for day in range(2, 14)]
    remittances = [remittance_of(session, paris, day, [5_000]) for day in days]
    assert [r.number for r in remittances] == list(range(1, 13))
    third, twelfth = remittances[2], remittances[11]
    lines = [
        line(5_000, third.expected_credit_date, f"REMISE CB 000003 {PARIS}"),
        line(5_000, twelfth.expected_credit_date, f"REMISE CB 000012 {PARIS}", "REF 000123"),
    ]
    import_lines(session, paris.merchant.id, lines)
    run(session, paris, twelfth.expected_credit_date)
    assert automatic(session) == {
        f"REMISE CB 000003 {PARIS}": {(PARIS, 3)},
        f"REMISE CB 000012 {PARIS}": {(PARIS, 12)},
    }
    assert statuses(session, third) == statuses(session, twelfth) == ["reconciled"]
    others = [r for r in remittances if r.number not in (3, 12)]
    assert all("reconciled" not in statuses(session, r) for r in others)
