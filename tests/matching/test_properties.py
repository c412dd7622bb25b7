"""Properties of the engine on generated statements: nothing is claimed twice, every
automatic match is a true one, and a line naming its remittance exactly is always matched.

The generated bank follows the rules the engine is built on (docs/matching.md): a line
without reference is booked on the expected date for the expected amount; a short or late
credit names its remittance. Within those rules it is hostile: two contracts number their
remittances alike, amounts repeat, credits go missing, lines are booked twice, grouped
with or without the numbers; unrelated lines come and go, and so do the credits of
remittances that are not open.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pointage.core.calendar import add_business_days
from pointage.matching.engine import reconcile
from pointage.matching.model import BankMovement, EngineInput, ExpectedCredit
from tests.matching.builders import DAY, line, remittance

CONTRACTS = ("7012345", "8023456")
# Remittance amounts from a short list so that they collide; a group of two or more is
# always above them, so that a group never looks like a single remittance.
AMOUNTS = [100_00 + 37 * n for n in range(8)]

# How each remittance is paid: a labelled line, a bare one, short, late, not at all...
HOW = st.sampled_from(["named", "named", "bare", "short", "late", "missing", "duplicate"])


@dataclass
class Bank:
    remittances: list[ExpectedCredit] = field(default_factory=list)
    entries: list[BankMovement] = field(default_factory=list)
    truth: dict[int, frozenset[int]] = field(default_factory=dict)  # line -> what it pays
    # Named, exact and on time: the lines (a line and its copy) -> the remittance they pay.
    exact: dict[tuple[int, ...], int] = field(default_factory=dict)

    def book(self, amount: int, label: str, on, pays: frozenset[int], **kwargs) -> int:
        entry = line(len(self.entries) + 1, amount, label, on=on, **kwargs)
        self.entries.append(entry)
        self.truth[entry.id] = pays
        return entry.id


@st.composite
def banks(draw: st.DrawFn) -> Bank:
    bank = Bank()
    count = draw(st.integers(min_value=1, max_value=14))
    numbers = {contract: 0 for contract in CONTRACTS}
    for id_ in range(1, count + 1):
        contract = draw(st.sampled_from(CONTRACTS))
        numbers[contract] += 1
        due = add_business_days(DAY, draw(st.integers(min_value=0, max_value=4)))
        amount = draw(st.sampled_from(AMOUNTS))
        bank.remittances.append(
            remittance(id_, numbers[contract], amount, due=due, contract=contract)
        )
    grouped = draw(st.sets(st.sampled_from([r.id for r in bank.remittances]), max_size=4))
    for r in bank.remittances:
        if r.id not in grouped:
            _pay(bank, r, draw(HOW), draw(st.integers(min_value=1, max_value=5)))
    _pay_grouped(bank, [r for r in bank.remittances if r.id in grouped], draw(st.booleans()))
    for n in range(draw(st.integers(min_value=0, max_value=4))):
        amount = draw(st.integers(1_000_00, 9_000_00) | st.integers(-9_000_00, -1))
        on = DAY + timedelta(days=n)
        bank.book(amount, f"VIR SEPA FOURNISSEUR {n}", on, frozenset(), code="06")
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        # A credit of a remittance that is not open (paid in an earlier run, another
        # contract's): it pays nothing here, whatever its amount and date.
        r = draw(st.sampled_from(bank.remittances))
        number = draw(st.sampled_from([r.number + 100, r.number]))
        contract = draw(st.sampled_from(["7012345", "8023456", "9999999"]))
        if all((number, contract) != (o.number, o.contract_number) for o in bank.remittances):
            label = f"REMISE CB {number:06d} {contract}"
            bank.book(r.expected_credit_minor, label, r.expected_credit_date, frozenset())
    order = draw(st.permutations(range(len(bank.entries))))
    bank.entries = [replace(bank.entries[i], record=position) for position, i in enumerate(order)]
    return bank


def _pay(bank: Bank, r: ExpectedCredit, how: str, shift: int) -> None:
    label = f"REMISE CB {r.number:06d} {r.contract_number}"
    pays = frozenset({r.id})
    if how == "named" or how == "duplicate":
        copies = 2 if how == "duplicate" else 1
        lines = [
            bank.book(r.expected_credit_minor, label, r.expected_credit_date, pays)
            for _ in range(copies)
        ]
        bank.exact[tuple(lines)] = r.id
    elif how == "bare":
        bank.book(r.expected_credit_minor, "REMISE CB", r.expected_credit_date, pays)
    elif how == "short":
        bank.book(r.expected_credit_minor - shift * 50, label, r.expected_credit_date, pays)
    elif how == "late":
        on = add_business_days(r.expected_credit_date, shift)
        bank.book(r.expected_credit_minor, label, on, pays)


def _pay_grouped(bank: Bank, group: list[ExpectedCredit], named: bool) -> None:
    """The remittances of one contract and day together, the rest alone and named."""
    by_key: dict[tuple[str, object], list[ExpectedCredit]] = {}
    for r in group:
        by_key.setdefault((r.contract_number, r.expected_credit_date), []).append(r)
    for (contract, on), members in by_key.items():
        if len(members) == 1:
            _pay(bank, members[0], "named", 0)
            continue
        numbers = " ".join(f"{r.number:06d}" for r in members)
        details = (f"REM {numbers}",) if named else ()
        label = f"REMISES CB {len(members)} REM {contract}" if named else "REMISES CB"
        total = sum(r.expected_credit_minor for r in members)
        bank.book(total, label, on, frozenset(r.id for r in members), details=details)


@settings(max_examples=150, deadline=None)
@given(banks())
def test_nothing_claimed_twice_and_every_automatic_match_true(bank: Bank):
    result = reconcile(EngineInput(bank.remittances, bank.entries))
    claimed_entries = [e for m in result.matches for e in m.entry_ids]
    claimed_remittances = [r for m in result.matches for r in m.remittance_ids]
    assert len(claimed_entries) == len(set(claimed_entries))
    assert len(claimed_remittances) == len(set(claimed_remittances))
    for suggestion in result.suggestions:
        assert not set(suggestion.entry_ids) & set(claimed_entries)
        assert not set(suggestion.remittance_ids) & set(claimed_remittances)
    for match in result.matches:
        paid = frozenset().union(*(bank.truth[e] for e in match.entry_ids))
        assert paid == frozenset(match.remittance_ids), match
    # Every line naming its remittance, exact and on time, is matched to it (one of the two
    # when the bank booked it twice).
    matched = {(m.entry_ids, m.remittance_ids) for m in result.matches}
    for lines, r in bank.exact.items():
        assert sum(((entry,), (r,)) in matched for entry in lines) == 1
    # Everything is accounted for: matched, or open with a reason.
    open_entries = {o.id for o in result.open_entries}
    open_remittances = {o.id for o in result.open_remittances}
    assert set(claimed_entries) | open_entries == {e.id for e in bank.entries}
    assert set(claimed_remittances) | open_remittances == {r.id for r in bank.remittances}
    assert not set(claimed_entries) & open_entries
