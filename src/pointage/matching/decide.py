"""Stage 5, decide: which candidates are applied, which are proposed to a person.

A candidate is applied automatically only when it scores at least the threshold, nothing
blocks it, and it is the strictly best candidate of every line and every remittance it
would claim (mutual best, no tie). A candidate contradicted by its line (the line names
another remittance or contract) competes with no one. Applying a candidate takes its
items out of every other candidate, which may leave another candidate alone at the top:
decisions go round after round until none is added.

One tie is not an ambiguity: a remittance whose best lines are identical in everything
(a line the bank booked twice) is matched to the first of them, as an anomaly, and the copy
is left open as a duplicate.

What is left becomes suggestions (the best candidates of every item still open) and open
items with the reason they stayed open.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from pointage.matching.candidate import Candidate, Item
from pointage.matching.evidence import info
from pointage.matching.model import OpenReason

DUPLICATE = "duplicate_line"

Tops = dict[Item, list[Candidate]]


@dataclass(frozen=True, slots=True)
class Line:
    """What the decision needs to know of a line to spot a copy."""

    content: Hashable  # normalise.content_key
    order: tuple[int, int]  # (record, id): the first booked is the original
    amount_minor: int
    currency: str


class Decider:
    def __init__(self, threshold: int, lines: dict[int, Line]) -> None:
        self.threshold = threshold
        self.lines = lines
        self.claimed: set[Item] = set()
        self.automatic: list[Candidate] = []
        self.copies: dict[int, int] = {}  # copy entry id -> the entry matched in its place

    def live(self, candidates: Iterable[Candidate]) -> list[Candidate]:
        claimed = self.claimed
        return [c for c in candidates if not any(item in claimed for item in c.items)]

    def settle(self, candidates: Iterable[Candidate]) -> list[Candidate]:
        """Apply every candidate that may be, round after round; the live ones are left."""
        live = self.live(candidates)
        while True:
            tops = top_candidates(c for c in live if not c.contradicted)
            picked = [c for c in live if self._clear(c, tops)]
            picked += self._originals(tops)
            if not picked:
                return live
            for candidate in picked:
                self.automatic.append(candidate)
                self.claimed.update(candidate.items)
            live = self.live(live)

    def _clear(self, candidate: Candidate, tops: Tops) -> bool:
        if candidate.blocked or candidate.score < self.threshold:
            return False
        return all(_alone(tops[item], candidate) for item in candidate.items)

    def _originals(self, tops: Tops) -> list[Candidate]:
        """Remittances whose tie is between copies of one line: the first copy, as an
        anomaly; the others are claimed as copies."""
        picked = []
        for item, tied in tops.items():
            if item[0] != "remittance" or len(tied) < 2 or not self._copies_only(tied, tops):
                continue
            tied = sorted(tied, key=lambda c: self.lines[c.entry_ids[0]].order)
            original, copies = tied[0], [c.entry_ids[0] for c in tied[1:]]
            for copy in copies:
                line = self.lines[copy]
                original = original.with_extra(
                    info(DUPLICATE, "one line", f"entry {copy}", "identical line booked again"),
                    f"the bank booked this credit twice (entry {copy})",
                    line.amount_minor,
                )
                self.copies[copy] = original.entry_ids[0]
                self.claimed.add(("entry", copy))
            picked.append(original)
        return picked

    def _copies_only(self, tied: list[Candidate], tops: Tops) -> bool:
        first = tied[0]
        if first.blocked or first.score < self.threshold:
            return False
        if any(len(c.entry_ids) != 1 or len(c.remittance_ids) != 1 for c in tied):
            return False
        if len({self.lines[c.entry_ids[0]].content for c in tied}) != 1:
            return False
        # Each copy must have this remittance as its own unique best.
        return all(_alone(tops[("entry", c.entry_ids[0])], c) for c in tied)


def _alone(best: list[Candidate], candidate: Candidate) -> bool:
    return len(best) == 1 and best[0] is candidate


def top_candidates(candidates: Iterable[Candidate]) -> Tops:
    """For every item, its best-scoring candidates (several when tied)."""
    tops: Tops = {}
    for candidate in candidates:
        for item in candidate.items:
            best = tops.get(item)
            if best is None or candidate.score > best[0].score:
                tops[item] = [candidate]
            elif candidate.score == best[0].score:
                best.append(candidate)
    return tops


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why an item is still open, from its best candidates."""

    reason: OpenReason
    detail: str


def suggestion_reason(candidate: Candidate, tops: Tops, threshold: int) -> str:
    if candidate.blocked:
        return candidate.blocked
    for item in candidate.items:
        tied = tops.get(item, [])
        if candidate in tied and len(tied) > 1:
            return f"ambiguous: {len(tied)} candidates score {candidate.score}"
    if candidate.score < threshold:
        return f"below the threshold: scores {candidate.score}, {threshold} needed"
    for item in candidate.items:
        best = tops.get(item, [])
        if best and candidate not in best:
            kind, number = item
            return f"ambiguous: {kind} {number} has a better candidate (score {best[0].score})"
    return "ambiguous: another candidate competes for the same items"


def verdict(
    item: Item, tops: Tops, threshold: int, describe: Callable[[Candidate, Item], str]
) -> Verdict | None:
    """The reason an item with candidates stayed open; None when it has none."""
    best = tops.get(item)
    if not best:
        return None
    first = best[0]
    if len(best) > 1:
        listed = "; ".join(describe(c, item) for c in best[:3])
        more = f" and {len(best) - 3} more" if len(best) > 3 else ""
        return Verdict(
            OpenReason.AMBIGUOUS,
            f"{len(best)} candidates score {first.score}: {listed}{more}",
        )
    if first.blocked:
        return Verdict(first.blocked_reason, f"{describe(first, item)}: {first.blocked}")
    if first.score < threshold:
        return Verdict(
            OpenReason.BELOW_THRESHOLD,
            f"best candidate {describe(first, item)} scores {first.score},"
            f" below the threshold of {threshold}",
        )
    return Verdict(
        OpenReason.AMBIGUOUS,
        f"best candidate {describe(first, item)} fits another item better",
    )
