"""One remittance paid by several lines (rule SPLIT_CREDIT).

Typically a net-settled remittance credited gross and its fee debited the same day in a
line naming the remittance, or a remittance credited in two lines that both name it. The
lines (at most `max_split_entries`, three at most) must add up exactly to one of the
remittance's amount variants.
- named: at least one line names the remittance with its contract, and either two lines do
  or one of them is a debit of exactly the remittance's fee; the other lines are those
  naming it or booked its gross less refunds. A fee debit naming the remittance adds
  `POINTS_FEE_DEBIT`, so that the split wins over the gross credit alone;
- summed: for a remittance nothing else fits, card lines around its date adding up to it.
"""

from __future__ import annotations

from collections.abc import Sequence

from pointage.matching.blocking import Blocks, LinesByDay
from pointage.matching.candidate import Candidate
from pointage.matching.evidence import amount_text, partial, passed
from pointage.matching.model import BankMovement, Criterion, ExpectedCredit, Outcome, Rule
from pointage.matching.normalise import variants
from pointage.matching.references import reference_criterion
from pointage.matching.scoring import (
    AMOUNT,
    POINTS_AMOUNT_EXACT,
    POINTS_AMOUNT_TOLERANCE,
    worst_date,
)
from pointage.matching.settings import EngineSettings
from pointage.matching.subset_sum import small_subsets

FEE_DEBIT = "fee_debit"
POINTS_FEE_DEBIT = 10
# The lines of one remittance compared for a split: enough for a credit, its fee and a few
# lines that happen to name the same number.
MAX_NAMED_LINES = 12
MAX_SPLIT_LINES = 3  # what `small_subsets` searches


def named_splits(
    remittance: ExpectedCredit, naming: Sequence[int], blocks: Blocks, settings: EngineSettings
) -> list[Candidate]:
    """Splits of a remittance among `naming` (the lines in its window naming it with its
    contract) and the lines booked its gross less refunds."""
    fee_debits = _fee_debits(remittance, blocks, naming)
    if not naming or (len(naming) < 2 and not fee_debits):
        return []
    gross = remittance.gross_minor - remittance.refunds_minor
    pool = sorted(set(naming) | set(blocks.by_amount(remittance, [gross])))[:MAX_NAMED_LINES]
    return _splits(remittance, pool, blocks, settings, fee_debits=fee_debits, limit=3)


def summed_splits(
    remittance: ExpectedCredit,
    blocks: Blocks,
    settings: EngineSettings,
    lines: LinesByDay,
    budget: list[int],
) -> list[Candidate]:
    """Splits among `lines` (the open card lines of the run) around the remittance's date.
    `budget` holds the combinations the run may still look at, and is spent."""
    pool = lines.near(remittance, settings.max_group_candidates)
    size = min(settings.max_split_entries, MAX_SPLIT_LINES)
    cost = len(pool) ** (size - 1) * len(variants(remittance))
    if len(pool) < 2 or cost > budget[0]:
        return []
    budget[0] -= cost
    fee_debits = _fee_debits(remittance, blocks, pool)
    return _splits(remittance, pool, blocks, settings, fee_debits=fee_debits, limit=2)


def _fee_debits(remittance: ExpectedCredit, blocks: Blocks, lines: Sequence[int]) -> frozenset[int]:
    """Lines debiting exactly the remittance's fee and naming it with its contract."""
    fee = remittance.fee_minor
    if fee <= 0:
        return frozenset()
    return frozenset(
        e
        for e in lines
        if blocks.entries[e].amount_minor == -fee
        and reference_criterion(blocks.texts[e], remittance).criterion.outcome is Outcome.PASS
    )


def _splits(
    remittance: ExpectedCredit,
    pool: Sequence[int],
    blocks: Blocks,
    settings: EngineSettings,
    *,
    fee_debits: frozenset[int],
    limit: int,
) -> list[Candidate]:
    if len(pool) < 2:
        return []
    by_amount = {v.amount_minor: v for v in variants(remittance)}
    found = small_subsets(
        [blocks.entries[e].amount_minor for e in pool],
        list(by_amount),
        max_size=min(settings.max_split_entries, MAX_SPLIT_LINES),
        limit=limit,
    )
    return [
        _split(remittance, [pool[i] for i in indexes], blocks, fee_debits, by_amount[target].name)
        for indexes, target in found
    ]


def _split(
    remittance: ExpectedCredit,
    lines: list[int],
    blocks: Blocks,
    fee_debits: frozenset[int],
    variant: str,
) -> Candidate:
    readings = [reference_criterion(blocks.texts[e], remittance) for e in lines]
    reference = max((r.criterion for r in readings), key=lambda c: c.points)
    amounts = [blocks.entries[e].amount_minor for e in lines]
    amount = _amount(amounts, remittance.account_currency, variant, named=reference.points > 0)
    when = worst_date(blocks.days, [remittance], [blocks.entries[e].value_date for e in lines])
    criteria = [reference, amount, when.criterion]
    fee_lines = [e for e in lines if e in fee_debits]
    if fee_lines:
        criteria.append(_fee_debit(remittance, blocks.entries[fee_lines[0]]))
    candidate = Candidate(
        rule=Rule.SPLIT_CREDIT,
        entry_ids=tuple(sorted(lines)),
        remittance_ids=(remittance.id,),
        criteria=tuple(criteria),
        late_business_days=when.late_business_days,
        anomaly=when.anomaly,
    )
    others = [r.names_other for r in readings if r.names_other]
    if others:
        candidate.blocked = others[0]
        candidate.contradicted = True
    return candidate


def _amount(amounts: list[int], currency: str, variant: str, *, named: bool) -> Criterion:
    actual = " + ".join(amount_text(a, currency) for a in amounts)
    expected = f"{amount_text(sum(amounts), currency)} ({variant})"
    if named:
        note = f"{len(amounts)} lines add up to it"
        return passed(AMOUNT, expected, actual, POINTS_AMOUNT_EXACT, note)
    note = f"{len(amounts)} lines found around its date add up to it"
    return partial(AMOUNT, expected, actual, POINTS_AMOUNT_TOLERANCE, note)


def _fee_debit(remittance: ExpectedCredit, debit: BankMovement) -> Criterion:
    currency = remittance.account_currency
    return passed(
        FEE_DEBIT,
        amount_text(-remittance.fee_minor, currency),
        amount_text(debit.amount_minor, currency),
        POINTS_FEE_DEBIT,
        "a debit of exactly the remittance's fee names it",
    )
