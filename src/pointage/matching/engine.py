"""The reconciliation engine's entry point: `reconcile(data, settings) -> EngineResult`.

It sorts the lines first (stage 1):
- chargebacks (code 38, ISO UPCT, labels) go to `chargebacks.match_chargebacks`, with the
  card payments the app looked up for them;
- commission debits (code 64, ISO fee families, labels) go to
  `commissions.match_commissions`, with the remittances awaiting their fee debit; except a
  debit that names a net-settled remittance awaiting credit and is exactly its fee: that
  one is half of a split credit (the gross credited, the fee debited apart);
- everything else may pay a remittance: the credit matcher (`select`) compares them with
  the remittances awaiting a credit.
Then it puts the three results together. Pure: no clock, no database; `today` (given, or the
latest value date) decides which open remittances are overdue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from pointage.core.gc_pause import cycle_collection_paused
from pointage.matching import chargebacks, commissions
from pointage.matching.model import (
    BankMovement,
    EngineInput,
    EngineResult,
    ExpectedCredit,
    OpenItem,
    Outcome,
    Proposal,
)
from pointage.matching.references import LineText, contract_key, read_line, reference_criterion
from pointage.matching.select import CreditMatcher
from pointage.matching.settings import DEFAULT_SETTINGS, EngineSettings


def reconcile(data: EngineInput, settings: EngineSettings = DEFAULT_SETTINGS) -> EngineResult:
    """Match what `data` holds; nothing in it is claimed twice by the result."""
    # A run builds hundreds of thousands of small objects and no garbage cycle worth
    # collecting: the cyclic collector would walk them over and over (a third of the time).
    with cycle_collection_paused():
        return _reconcile(data, settings)


def _reconcile(data: EngineInput, settings: EngineSettings) -> EngineResult:
    today = data.today or _latest_day(data)
    contracts = frozenset(contract_key(r.contract_number) for r in data.remittances)
    disputed = [e for e in data.entries if chargebacks.is_chargeback(e, settings)]
    others = [e for e in data.entries if not chargebacks.is_chargeback(e, settings)]
    texts = {e.id: read_line(e, settings, contracts) for e in others}
    awaiting_credit = [r for r in data.remittances if r.awaiting_credit and r.expected_credit_minor]
    fee_halves = _fee_halves_of_splits(others, texts, awaiting_credit)
    fees = [e for e in others if e.id not in fee_halves and commissions.is_commission(e, settings)]
    fee_ids = {e.id for e in fees}
    credits = [e for e in others if e.id not in fee_ids]

    result = EngineResult()
    if disputed:
        _add(result, *chargebacks.match_chargebacks(disputed, data.payments, settings))
    if fees:
        awaiting_fee = [r for r in data.remittances if r.awaiting_fee_debit]
        _add(result, *commissions.match_commissions(awaiting_fee, fees, settings))
    matched = CreditMatcher(awaiting_credit, credits, texts, settings, today).run()
    result.matches += matched.matches
    result.suggestions += matched.suggestions
    result.open_entries += matched.open_entries
    result.open_remittances += matched.open_remittances
    return result


def _latest_day(data: EngineInput) -> date:
    days = [e.value_date for e in data.entries] or [r.remittance_date for r in data.remittances]
    return max(days, default=date.min)


def _add(
    result: EngineResult, proposals: Sequence[Proposal], open_items: Sequence[OpenItem]
) -> None:
    for proposal in proposals:
        (result.matches if proposal.automatic else result.suggestions).append(proposal)
    result.open_entries += [o for o in open_items if o.kind == "entry"]
    result.open_remittances += [o for o in open_items if o.kind == "remittance"]


def _fee_halves_of_splits(
    entries: Sequence[BankMovement],
    texts: dict[int, LineText],
    remittances: Sequence[ExpectedCredit],
) -> set[int]:
    """Debits naming a remittance awaiting credit, with its contract, for exactly its fee,
    when the remittance expects no fee debit of its own (net-settled)."""
    by_number: dict[tuple[int, int], list[ExpectedCredit]] = defaultdict(list)
    for r in remittances:
        if r.fee_minor > 0 and not r.awaiting_fee_debit:
            by_number[(r.account_id, r.number)].append(r)
    halves = set()
    for entry in entries:
        if entry.amount_minor >= 0:
            continue
        line = texts[entry.id]
        for number in line.hit_numbers | line.numbers:
            for r in by_number.get((entry.account_id, number), ()):
                if entry.amount_minor == -r.fee_minor and _names(line, r):
                    halves.add(entry.id)
    return halves


def _names(line: LineText, remittance: ExpectedCredit) -> bool:
    return reference_criterion(line, remittance).criterion.outcome is Outcome.PASS
