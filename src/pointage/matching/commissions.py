"""Commission debits: a month of acquirer fees of a gross-settled contract, in one debit.

A gross-settled contract is credited the gross of its remittances; the acquirer debits the
fees afterwards, usually once a month, naming the contract and the month ("COMMISSIONS AMEX
03/2026", "CONTRAT 9351234567 12 REMISES"). Such a debit is matched to every remittance of
that contract and month still awaiting its fee debit, when their fees add up to the debit:
exactly when all are in the account's currency; at a plausible implied rate when some were
in another currency, since the bank converts those at a rate the line need not state.

A debit that does not name its month (or its contract) is looked for among the fees of the
previous months, whole months first, then a bounded subset sum: that is only a suggestion.
One remittance's fee is claimed by at most one proposal, automatic or suggested.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from pointage.matching.commission_search import (
    CONTRACT_POINTS,
    MONTH_POINTS,
    LineReading,
    amount_criterion,
    fee_subset,
    month_of,
    month_text,
    months_before,
    read_line,
)
from pointage.matching.evidence import amount_text, day_text, info, passed, score
from pointage.matching.model import (
    BankMovement,
    Criterion,
    ExpectedCredit,
    OpenItem,
    OpenReason,
    Outcome,
    Proposal,
    Rule,
)
from pointage.matching.settings import DEFAULT_SETTINGS, EngineSettings
from pointage.matching.text import normal

# A debit naming no month is looked for among the fees of this many months before it.
LOOKBACK_MONTHS = 3


def is_commission(entry: BankMovement, settings: EngineSettings = DEFAULT_SETTINGS) -> bool:
    """A debit whose operation code or label says it is the acquirer's commissions."""
    if entry.amount_minor >= 0:
        return False
    if entry.bank_operation_code in settings.commission_codes:
        return True
    label = normal(entry.label)
    return any(pattern.search(label) for pattern in settings.commission_labels)


class _Pool:
    """The remittances awaiting their fee debit, by account and contract, and which debit
    of this run claims each one."""

    def __init__(self, remittances: Sequence[ExpectedCredit]) -> None:
        self.by_contract: dict[tuple[int, str], list[ExpectedCredit]] = defaultdict(list)
        for remittance in sorted(remittances, key=lambda r: (r.remittance_date, r.id)):
            if remittance.awaiting_fee_debit and remittance.fee_minor > 0:
                key = (remittance.account_id, remittance.contract_number)
                self.by_contract[key].append(remittance)
        self.contracts: dict[int, set[str]] = defaultdict(set)
        for account_id, contract in self.by_contract:
            self.contracts[account_id].add(contract)
        self.claimed_by: dict[int, BankMovement] = {}

    def of(
        self, entry: BankMovement, contracts: Iterable[str], months: set[date]
    ) -> list[ExpectedCredit]:
        """The remittances of those contracts and months, on the debit's account and not
        later than it, that no debit of this run claims yet."""
        booked_on = _booked_on(entry)
        return [
            r
            for contract in sorted(contracts)
            for r in self.by_contract.get((entry.account_id, contract), [])
            if month_of(r.remittance_date) in months
            and r.remittance_date <= booked_on
            and r.id not in self.claimed_by
        ]

    def claimers(
        self, entry: BankMovement, contracts: Iterable[str], months: set[date]
    ) -> list[BankMovement]:
        """The debits of this run that already claim fees of those contracts and months."""
        claimers = {
            self.claimed_by[r.id].id: self.claimed_by[r.id]
            for contract in sorted(contracts)
            for r in self.by_contract.get((entry.account_id, contract), [])
            if month_of(r.remittance_date) in months and r.id in self.claimed_by
        }
        return list(claimers.values())

    def claim(self, entry: BankMovement, remittances: Sequence[ExpectedCredit]) -> None:
        for remittance in remittances:
            self.claimed_by[remittance.id] = entry


@dataclass(frozen=True, slots=True)
class _Line:
    entry: BankMovement
    reading: LineReading

    @property
    def order(self) -> tuple[date, int, int, int]:
        return (_booked_on(self.entry), self.entry.file_id, self.entry.record, self.entry.id)

    @property
    def names_both(self) -> bool:
        """Whether the line names its contract and its month: it may then match alone."""
        return bool(self.reading.contracts and self.reading.months)


_Decision = tuple[list[Proposal], OpenItem | None]


def match_commissions(
    remittances: Sequence[ExpectedCredit],
    entries: Sequence[BankMovement],
    settings: EngineSettings = DEFAULT_SETTINGS,
) -> tuple[list[Proposal], list[OpenItem]]:
    """Commission debits against the remittances awaiting their fee debit: automatic matches
    and suggestions (rule COMMISSION_DEBIT), and the debits left open with the reason.

    Automatic matches are decided first, earliest debit first, so that a suggestion never
    takes a fee that a debit naming its contract and month matches exactly."""
    pool = _Pool(remittances)
    lines = sorted(
        (_Line(e, read_line(e, pool.contracts.get(e.account_id, set()))) for e in entries),
        key=lambda line: line.order,
    )
    decided: dict[int, _Decision] = {}
    for line in lines:
        if line.entry.amount_minor < 0 and line.names_both:
            automatic = _automatic(line, pool, settings)
            if automatic is not None:
                decided[line.entry.id] = automatic
    for line in lines:
        if line.entry.id not in decided:
            decided[line.entry.id] = _suggested(line, pool, settings)
    proposals = [p for line in lines for p in decided[line.entry.id][0]]
    open_items = [o for line in lines if (o := decided[line.entry.id][1]) is not None]
    return proposals, open_items


def _automatic(line: _Line, pool: _Pool, settings: EngineSettings) -> _Decision | None:
    """The match of a debit naming contract and month, when the fees agree with it."""
    covered = pool.of(line.entry, line.reading.contracts, set(line.reading.months))
    if not covered:
        return None
    criteria = _criteria(line, covered)
    if _amount_of(criteria).outcome == Outcome.FAIL or score(criteria) < settings.auto_threshold:
        return None
    pool.claim(line.entry, covered)
    return [_proposal(line, covered, criteria, reason="")], None


def _suggested(line: _Line, pool: _Pool, settings: EngineSettings) -> _Decision:
    """A debit not matched automatically: the set of fees it most likely covers, or why
    nothing is proposed."""
    entry = line.entry
    if entry.amount_minor >= 0:
        credit = amount_text(entry.amount_minor, entry.currency)
        return [], _open(entry, OpenReason.NO_CANDIDATE, f"a credit of {credit} is no fee debit")
    if line.names_both:
        return _suggested_in_named_month(line, pool, settings)
    unnamed = "month" if line.reading.contracts else "contract"
    return _suggested_elsewhere(line, pool, settings, f"the line names no {unnamed}")


def _suggested_in_named_month(line: _Line, pool: _Pool, settings: EngineSettings) -> _Decision:
    """The contract and month are named but their fees do not add up to the debit: the one
    subset that does, or else the whole month with its difference."""
    entry, contracts, months = line.entry, line.reading.contracts, set(line.reading.months)
    covered = pool.of(entry, contracts, months)
    if not covered:
        taken = _already_covered(line, pool)
        if taken is not None:
            return [], taken
        # The month named may be the month of the debit, not of the fees: look before it.
        lead = f"no fee of {_months_text(months)} awaits its debit"
        return _suggested_elsewhere(line, pool, settings, lead=lead, months=set())
    domestic = [r for r in covered if r.currency == entry.currency]
    subset = fee_subset(domestic, -entry.amount_minor)
    if subset is not None and subset.unique:
        why = (
            f"the debit equals the fees of {len(subset.items)} of the {len(covered)} "
            f"remittances of {_where(subset.items)}"
        )
        return _suggestion(line, pool, subset.items, why)
    criteria = _criteria(line, covered)
    return _suggestion(line, pool, covered, f"{_amount_of(criteria).note}: a person decides")


def _suggested_elsewhere(
    line: _Line, pool: _Pool, settings: EngineSettings, lead: str, months: set[date] | None = None
) -> _Decision:
    """A debit naming no month, or no contract: whole months, then a bounded subset sum of
    the fees of the months named or else the months before it, for each contract the line
    may mean. `lead` says why the line is searched that way."""
    entry, reading = line.entry, line.reading
    contracts = sorted(reading.contracts or pool.contracts.get(entry.account_id, set()))
    months = set(reading.months) if months is None else months
    months = months or set(months_before(_booked_on(entry), LOOKBACK_MONTHS))
    searched = [c for c in contracts if pool.of(entry, [c], months)]
    found = [s for c in searched for s in _whole_months(entry, pool.of(entry, [c], months))]
    if not found:
        found = _subsets(entry, pool, searched, months, settings)
    if not found:
        where = f"contract {', '.join(searched)}" if searched else "no contract of the account"
        why = (
            f"{lead}, and no set of fees awaiting their debit ({where}, "
            f"{_months_text(months)}) adds up to {amount_text(-entry.amount_minor, entry.currency)}"
        )
        return [], _open(entry, OpenReason.NO_CANDIDATE, why)
    if len(found) > 1:
        why = (
            f"{lead}, and several sets of fees add up to the debit, e.g. of {_where(found[0])}: "
            "a person chooses"
        )
        return [], _open(entry, OpenReason.AMBIGUOUS, why)
    why = (
        f"{lead}: the fees of {len(found[0])} remittances of {_where(found[0])} add up to the debit"
    )
    return _suggestion(line, pool, found[0], why)


def _whole_months(
    entry: BankMovement, candidates: list[ExpectedCredit]
) -> list[Sequence[ExpectedCredit]]:
    """Runs of consecutive whole months whose fees agree with the debit."""
    months = sorted({month_of(r.remittance_date) for r in candidates})
    agreeing: list[Sequence[ExpectedCredit]] = []
    for first in range(len(months)):
        for last in range(first, len(months)):
            span = set(months[first : last + 1])
            covered = [r for r in candidates if month_of(r.remittance_date) in span]
            if amount_criterion(covered, entry).outcome != Outcome.FAIL:
                agreeing.append(covered)
    return agreeing


def _subsets(
    entry: BankMovement,
    pool: _Pool,
    contracts: list[str],
    months: set[date],
    settings: EngineSettings,
) -> list[Sequence[ExpectedCredit]]:
    """A subset of each contract's most recent fees (in the account's currency, at most
    max_group_candidates of them) adding up to the debit; a subset that is not the only one
    of its contract is listed twice, so that the caller sees the choice is not unique."""
    found: list[Sequence[ExpectedCredit]] = []
    for contract in contracts:
        domestic = [r for r in pool.of(entry, [contract], months) if r.currency == entry.currency]
        subset = fee_subset(domestic[-settings.max_group_candidates :], -entry.amount_minor)
        if subset is not None:
            found.extend([subset.items] * (1 if subset.unique else 2))
    return found


def _criteria(line: _Line, covered: Sequence[ExpectedCredit]) -> tuple[Criterion, ...]:
    """Contract, month and amount, each against what the line names, and the remittances."""
    reading = line.reading
    contracts = sorted({r.contract_number for r in covered})
    months = sorted({month_of(r.remittance_date) for r in covered})
    expected = ", ".join(contracts)
    if all(c in reading.contracts for c in contracts):
        found = ", ".join(reading.contracts[c] for c in contracts)
        contract = passed("contract", expected, found, CONTRACT_POINTS)
    else:
        contract = info("contract", expected, "-", "the line names no contract number")
    if all(m in reading.months for m in months):
        found = ", ".join(reading.months[m] for m in months)
        month = passed("month", _months_text(set(months)), found, MONTH_POINTS)
    else:
        month = info("month", _months_text(set(months)), "-", "the line names no month")
    numbers = ", ".join(f"{r.number:06d}" for r in covered)
    return (
        contract,
        month,
        amount_criterion(covered, line.entry),
        info("remittances", f"{len(covered)} awaiting their fee debit", numbers),
    )


def _suggestion(line: _Line, pool: _Pool, covered: Sequence[ExpectedCredit], why: str) -> _Decision:
    """A proposal for a person, claiming its fees, and the debit left open meanwhile."""
    pool.claim(line.entry, covered)
    proposal = _proposal(line, covered, _criteria(line, covered), why)
    return [proposal], _open(line.entry, OpenReason.BELOW_THRESHOLD, why)


def _proposal(
    line: _Line, covered: Sequence[ExpectedCredit], criteria: tuple[Criterion, ...], reason: str
) -> Proposal:
    amount = _amount_of(criteria)
    entry = line.entry
    difference = 0
    if amount.outcome == Outcome.FAIL and all(r.currency == entry.currency for r in covered):
        difference = entry.amount_minor + sum(r.fee_minor for r in covered)
    return Proposal(
        rule=Rule.COMMISSION_DEBIT,
        entry_ids=(entry.id,),
        remittance_ids=tuple(r.id for r in covered),
        score=score(criteria),
        criteria=criteria,
        difference_minor=difference,
        anomaly=amount.note if amount.outcome == Outcome.FAIL else None,
        automatic=not reason,
        reason=reason,
    )


def _already_covered(line: _Line, pool: _Pool) -> OpenItem | None:
    """Why a debit naming contract and month finds no fee left, when another debit of this
    run took them."""
    entry, contracts, months = line.entry, line.reading.contracts, set(line.reading.months)
    where = f"contract {', '.join(sorted(contracts))} in {_months_text(months)}"
    for other in pool.claimers(entry, contracts, months):
        text = f"the debit of {day_text(_booked_on(other))}"
        if other.amount_minor == entry.amount_minor:
            why = f"the same amount as {text}, which covers the fees of {where}"
            return _open(entry, OpenReason.DUPLICATE_LINE, why)
        return _open(entry, OpenReason.NO_CANDIDATE, f"{text} covers the fees of {where}")
    return None


def _where(covered: Sequence[ExpectedCredit]) -> str:
    """'contract 9351234567 in 2026-03'."""
    contracts = ", ".join(sorted({r.contract_number for r in covered}))
    return f"contract {contracts} in {_months_text({month_of(r.remittance_date) for r in covered})}"


def _amount_of(criteria: tuple[Criterion, ...]) -> Criterion:
    return next(c for c in criteria if c.name == "amount")


def _months_text(months: set[date]) -> str:
    ordered = sorted(months)
    if len(ordered) > 2:
        return f"{month_text(ordered[0])} to {month_text(ordered[-1])}"
    return " and ".join(month_text(month) for month in ordered)


def _open(entry: BankMovement, reason: OpenReason, detail: str) -> OpenItem:
    return OpenItem("entry", entry.id, reason, detail)


def _booked_on(entry: BankMovement) -> date:
    return entry.booking_date or entry.value_date
