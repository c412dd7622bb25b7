"""Several remittances credited in one line (rule GROUPED_CREDIT).

Two ways to find them:
- named: the line writes the numbers of several remittances of one contract (a label
  "REMISES CB 3 REM 7012345" with a complement "REM 000012 000013 000014"), and the
  expected credits of some of them add up exactly to the line: reference and amount agree;
- summed: among the remittances of the account still open whose window holds the line's
  date, a bounded subset-sum finds those adding up exactly to the line. A sum found among
  candidates proves less than one amount: it scores as an amount within tolerance, so that
  without references it is a suggestion. Two different sets adding up to the same line are
  an ambiguity, never applied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pointage.matching.blocking import Blocks, RemittanceIndex
from pointage.matching.candidate import Candidate
from pointage.matching.evidence import amount_text, failed, partial, passed
from pointage.matching.model import Criterion, ExpectedCredit, OpenReason, Rule
from pointage.matching.references import (
    POINTS_NUMBER_AND_CONTRACT,
    POINTS_NUMBER_ONLY,
    REFERENCE,
    LineText,
    contract_key,
)
from pointage.matching.scoring import (
    AMOUNT,
    POINTS_AMOUNT_EXACT,
    POINTS_AMOUNT_TOLERANCE,
    worst_date,
)
from pointage.matching.settings import EngineSettings
from pointage.matching.subset_sum import Solutions, any_sign_subsets, exact_subsets
from pointage.matching.text import whole_numbers

# Steps one line's subset-sum may take, and all lines' of a run together: a run full of
# lines that cannot be card credits, or of tiny remittances, stays quick; what a search
# left unfinished is never applied (an unfinished search proves no uniqueness).
SEARCH_BUDGET = 100_000
RUN_BUDGET = 2_000_000
AMBIGUOUS_SETS = "ambiguous: the amount is the sum of several different sets of remittances"


def named_groups(
    entry_id: int, blocks: Blocks, index: RemittanceIndex, settings: EngineSettings
) -> list[Candidate]:
    """Groups of remittances the line names, of one contract, adding up to it."""
    entry = blocks.entries[entry_id]
    line = blocks.texts[entry_id]
    by_contract: dict[int | str, list[ExpectedCredit]] = defaultdict(list)
    for remittance in index.named_by(entry_id):
        if line.names_contract(remittance.contract_number) and remittance.expected_credit_minor:
            by_contract[contract_key(remittance.contract_number)].append(remittance)
    candidates: list[Candidate] = []
    for members in by_contract.values():
        if len(members) < 2:
            continue
        members = members[: settings.max_group_candidates]
        amounts = [r.expected_credit_minor for r in members]
        # A remittance of refunds (negative) may be netted into the group's credit.
        search = (
            exact_subsets
            if all(_same_sign(amount, entry.amount_minor) for amount in amounts)
            else any_sign_subsets
        )
        solutions = search(amounts, entry.amount_minor, max_size=settings.max_group_size)
        candidates += _candidates(entry_id, members, solutions, blocks, named=members)
    return candidates


def summed_groups(
    entry_id: int,
    blocks: Blocks,
    open_remittances: RemittanceIndex,
    settings: EngineSettings,
    budget: list[int],
) -> list[Candidate]:
    """Sets of open remittances around the line's date adding up exactly to it. `budget`
    holds the steps the run may still spend on such searches, and is spent."""
    entry = blocks.entries[entry_id]
    members = [
        r
        for r in open_remittances.around(entry_id, settings.max_group_candidates)
        if _same_sign(r.expected_credit_minor, entry.amount_minor)
    ]
    if len(members) < 2 or not entry.amount_minor or budget[0] <= 0:
        return []
    solutions = exact_subsets(
        [r.expected_credit_minor for r in members],
        entry.amount_minor,
        max_size=settings.max_group_size,
        budget=min(budget[0], SEARCH_BUDGET),
    )
    budget[0] -= solutions.steps
    return _candidates(entry_id, members, solutions, blocks, named=None)


def _same_sign(amount: int, other: int) -> bool:
    return amount != 0 and (amount > 0) == (other > 0)


def _candidates(
    entry_id: int,
    members: Sequence[ExpectedCredit],
    solutions: Solutions,
    blocks: Blocks,
    *,
    named: Sequence[ExpectedCredit] | None,
) -> list[Candidate]:
    """`named`: the remittances the line names (None for a sum found unnamed)."""
    candidates = []
    for solution in solutions.found:
        group = sorted((members[i] for i in solution), key=lambda r: (r.contract_number, r.number))
        candidate = _group(entry_id, group, blocks, named=named)
        if solutions.unique is None:
            candidate.blocked = AMBIGUOUS_SETS
            candidate.blocked_reason = OpenReason.AMBIGUOUS
        candidates.append(candidate)
    return candidates


def _group(
    entry_id: int,
    group: list[ExpectedCredit],
    blocks: Blocks,
    *,
    named: Sequence[ExpectedCredit] | None,
) -> Candidate:
    entry = blocks.entries[entry_id]
    when = worst_date(blocks.days, group, [entry.value_date])
    return Candidate(
        rule=Rule.GROUPED_CREDIT,
        entry_ids=(entry_id,),
        remittance_ids=tuple(r.id for r in group),
        criteria=(
            _reference(blocks.texts[entry_id], group, named),
            _amount(entry.amount_minor, entry.currency, group, named=named is not None),
            when.criterion,
        ),
        late_business_days=when.late_business_days,
        anomaly=when.anomaly,
    )


def _reference(
    line: LineText, group: list[ExpectedCredit], named: Sequence[ExpectedCredit] | None
) -> Criterion:
    numbers = ", ".join(f"{r.number:06d}" for r in group)
    contracts = ", ".join(sorted({r.contract_number for r in group}))
    expected = f"remittances {numbers} of contract {contracts}"
    if named is None:
        actual = line.zones[0] if line.zones else ""
        return failed(REFERENCE, expected, actual, "the line does not name the remittances")
    wanted = {r.number for r in group}
    zones = [z for z in line.zones if wanted & {int(n) for n in whole_numbers(z)}]
    actual = " | ".join(zones[:3])
    extra = [f"{r.number:06d}" for r in named if r not in group]
    if extra:
        note = f"the line also names {', '.join(extra[:3])}: not the group it names exactly"
        return partial(REFERENCE, expected, actual, POINTS_NUMBER_ONLY, note)
    note = "every remittance of the group is named, with its contract"
    return passed(REFERENCE, expected, actual, POINTS_NUMBER_AND_CONTRACT, note)


def _amount(
    booked_minor: int, currency: str, group: list[ExpectedCredit], *, named: bool
) -> Criterion:
    parts = " + ".join(amount_text(r.expected_credit_minor, currency) for r in group[:6])
    parts += " + ..." if len(group) > 6 else ""
    total = sum(r.expected_credit_minor for r in group)
    shown = f"{amount_text(total, currency)} = {parts}"
    actual = amount_text(booked_minor, currency)
    if named:
        note = f"the expected credits of {len(group)} remittances add up to the line"
        return passed(AMOUNT, shown, actual, POINTS_AMOUNT_EXACT, note)
    note = f"the line is the sum of {len(group)} open remittances found around it"
    return partial(AMOUNT, shown, actual, POINTS_AMOUNT_TOLERANCE, note)
