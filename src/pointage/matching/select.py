"""Stage 4, select: the candidates for remittance credits, in two phases.

Phase 1 compares every remittance with the lines its indexes find (one-to-one, and its
foreign-currency form), every line with the remittances it names (grouped credits), and
every remittance with the lines naming it (split credits); `decide` applies what is clear.
Phase 2 works on what is left only, so that its searches stay small: the bounded
subset-sum of open remittances into each open line, and of open card lines into each open
remittance nothing else fits. Then decide again, and what is left becomes suggestions and
open items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from pointage.core.money import format_amount
from pointage.matching.blocking import Blocks, RemittanceIndex
from pointage.matching.candidate import Candidate, Item
from pointage.matching.days import BusinessDays, overdue_from
from pointage.matching.decide import Decider, Line, Tops, suggestion_reason, top_candidates, verdict
from pointage.matching.foreign import score_foreign
from pointage.matching.grouped import RUN_BUDGET, named_groups, summed_groups
from pointage.matching.model import (
    BankMovement,
    ExpectedCredit,
    OpenItem,
    OpenReason,
    Outcome,
    Proposal,
    Rule,
)
from pointage.matching.normalise import content_key, looks_like_card, may_be_card
from pointage.matching.references import LineText
from pointage.matching.scoring import score_single
from pointage.matching.settings import EngineSettings
from pointage.matching.split import named_splits, summed_splits


@dataclass(slots=True)
class CreditResult:
    matches: list[Proposal] = field(default_factory=list)
    suggestions: list[Proposal] = field(default_factory=list)
    open_entries: list[OpenItem] = field(default_factory=list)
    open_remittances: list[OpenItem] = field(default_factory=list)


class CreditMatcher:
    """Remittances awaiting a credit against the lines that may pay them."""

    def __init__(
        self,
        remittances: Sequence[ExpectedCredit],
        entries: Sequence[BankMovement],
        texts: dict[int, LineText],
        settings: EngineSettings,
        today: date,
    ) -> None:
        self.remittances = {r.id: r for r in remittances}
        self.settings = settings
        self.today = today
        dates = [e.value_date for e in entries] + [r.expected_credit_date for r in remittances]
        self.days = BusinessDays(dates)
        numbers = frozenset(r.number for r in remittances)
        self.blocks = Blocks(entries, texts, self.days, settings, numbers)
        lines = {
            e.id: Line(content_key(e), (e.record, e.id), e.amount_minor, e.currency)
            for e in entries
        }
        self.decider = Decider(settings.auto_threshold, lines)

    def run(self) -> CreditResult:
        live = self.decider.settle(self._phase_one())
        live = self.decider.settle(self._phase_two(live))
        return self._result(live)

    def _phase_one(self) -> list[Candidate]:
        blocks, days = self.blocks, self.days
        candidates: list[Candidate] = []
        domestic = []
        for r in self.remittances.values():
            if r.currency != r.account_currency:
                for e in blocks.by_number(r):
                    found = score_foreign(r, blocks.entries[e], blocks.texts[e], days)
                    if found is not None:
                        candidates.append(found)
                continue
            domestic.append(r)
            naming = []
            for e in sorted(set(blocks.by_variants(r)) | set(blocks.by_number(r))):
                found = score_single(r, blocks.entries[e], blocks.texts[e], days)
                if found is not None:
                    candidates.append(found)
                    if found.criteria[0].outcome is Outcome.PASS:
                        naming.append(e)
            if naming:
                candidates += named_splits(r, naming, blocks, self.settings)
        index = RemittanceIndex(domestic, blocks)
        for e in blocks.entries:
            candidates += named_groups(e, blocks, index, self.settings)
        return candidates

    def _phase_two(self, live: list[Candidate]) -> list[Candidate]:
        """The candidates of phase one still live, the named groups of the open lines read
        again among the open remittances only (a remittance matched alone no longer makes
        a group ambiguous), and the searches by sum."""
        claimed = self.decider.claimed
        blocks = self.blocks
        open_entries = [e for e in blocks.entries if ("entry", e) not in claimed]
        open_remittances = [
            r
            for r in self.remittances.values()
            if ("remittance", r.id) not in claimed and r.currency == r.account_currency
        ]
        index = RemittanceIndex(open_remittances, blocks)
        candidates = [c for c in live if c.rule is not Rule.GROUPED_CREDIT]
        budget = [RUN_BUDGET]
        for e in open_entries:
            candidates += named_groups(e, blocks, index, self.settings)
            if may_be_card(blocks.entries[e], blocks.texts[e]):
                candidates += summed_groups(e, blocks, index, self.settings, budget)
        with_candidates = {item for c in live for item in c.items}
        card_lines = blocks.by_day(
            e for e in open_entries if looks_like_card(blocks.entries[e], blocks.texts[e])
        )
        budget = [RUN_BUDGET]
        for r in open_remittances:
            if ("remittance", r.id) not in with_candidates:
                candidates += summed_splits(r, blocks, self.settings, card_lines, budget)
        return candidates

    def _result(self, live: list[Candidate]) -> CreditResult:
        threshold = self.settings.auto_threshold
        result = CreditResult()
        result.matches = [c.proposal(automatic=True) for c in self.decider.automatic]
        tops = top_candidates(live)
        suggested: dict[int, Candidate] = {}
        for best in tops.values():
            for candidate in best:
                suggested.setdefault(id(candidate), candidate)
        result.suggestions = [
            c.proposal(automatic=False, reason=suggestion_reason(c, tops, threshold))
            for c in sorted(suggested.values(), key=_order)
        ]
        result.open_entries = self._open_entries(tops)
        result.open_remittances = self._open_remittances(tops)
        return result

    def _open_entries(self, tops: Tops) -> list[OpenItem]:
        threshold = self.settings.auto_threshold
        items = []
        for e, entry in self.blocks.entries.items():
            item: Item = ("entry", e)
            if e in self.decider.copies:
                original = self.decider.copies[e]
                detail = f"identical to entry {original}, matched in its place: booked twice"
                items.append(OpenItem("entry", e, OpenReason.DUPLICATE_LINE, detail))
                continue
            if item in self.decider.claimed:
                continue
            found = verdict(item, tops, threshold, self._describe)
            if found is not None:
                items.append(OpenItem("entry", e, found.reason, found.detail))
            elif looks_like_card(entry, self.blocks.texts[e]):
                detail = "a card line, but no remittance awaiting credit fits it"
                items.append(OpenItem("entry", e, OpenReason.NO_CANDIDATE, detail))
            else:
                detail = "names no remittance, matches no amount, is not a card movement"
                items.append(OpenItem("entry", e, OpenReason.NOT_GATEWAY, detail))
        return items

    def _open_remittances(self, tops: Tops) -> list[OpenItem]:
        threshold = self.settings.auto_threshold
        items = []
        for r in self.remittances.values():
            item: Item = ("remittance", r.id)
            if item in self.decider.claimed:
                continue
            found = verdict(item, tops, threshold, self._describe)
            if found is not None:
                items.append(OpenItem("remittance", r.id, found.reason, found.detail))
                continue
            due = overdue_from(r.expected_credit_date, r.grace_business_days)
            if self.today < due:
                detail = f"credit expected on {r.expected_credit_date}, overdue from {due}"
                items.append(OpenItem("remittance", r.id, OpenReason.NOT_YET_DUE, detail))
            else:
                detail = f"no credit found; expected on {r.expected_credit_date}"
                items.append(OpenItem("remittance", r.id, OpenReason.OVERDUE, detail))
        return items

    def _describe(self, candidate: Candidate, item: Item) -> str:
        """The other side of a candidate, as people read it."""
        if item[0] == "entry":
            named = [self.remittances[i] for i in candidate.remittance_ids]
            listed = ", ".join(f"{r.number:06d} of contract {r.contract_number}" for r in named)
            return f"remittance {listed}"
        shown = []
        for e in candidate.entry_ids:
            entry = self.blocks.entries[e]
            shown.append(
                f"entry {e} ({format_amount(entry.amount_minor, entry.currency)}"
                f" {entry.currency} on {entry.value_date})"
            )
        return ", ".join(shown)


def _order(candidate: Candidate) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    return (-candidate.score, candidate.entry_ids, candidate.remittance_ids)
