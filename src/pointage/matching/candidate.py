"""A candidate match while the engine weighs it: the proposal it may become, plus what
decides whether it may be applied without a person."""

from __future__ import annotations

from dataclasses import dataclass, replace

from pointage.matching.evidence import score
from pointage.matching.model import Criterion, OpenReason, Proposal, Rule

Item = tuple[str, int]  # ("entry", id) or ("remittance", id)


# Compared by identity: two candidates are the same only when they are one object.
@dataclass(slots=True, eq=False)
class Candidate:
    rule: Rule
    entry_ids: tuple[int, ...]
    remittance_ids: tuple[int, ...]
    criteria: tuple[Criterion, ...]
    difference_minor: int = 0
    late_business_days: int = 0
    anomaly: str | None = None
    # Why it may never be applied automatically, whatever its score ('' when it may), and
    # the reason the items it would claim then stay open for.
    blocked: str = ""
    blocked_reason: OpenReason = OpenReason.BELOW_THRESHOLD
    # The line names another remittance or contract: evidence against this candidate, so
    # that it never stands in the way of a clean one (it is still proposed when nothing
    # else is applied).
    contradicted: bool = False
    points: int = -1  # the score, computed once
    items: tuple[Item, ...] = ()  # what it would claim, computed once

    def __post_init__(self) -> None:
        self.points = score(self.criteria)
        self.items = tuple(("entry", i) for i in self.entry_ids) + tuple(
            ("remittance", i) for i in self.remittance_ids
        )

    @property
    def score(self) -> int:
        return self.points

    def proposal(self, *, automatic: bool, reason: str = "") -> Proposal:
        return Proposal(
            rule=self.rule,
            entry_ids=self.entry_ids,
            remittance_ids=self.remittance_ids,
            score=self.points,
            criteria=self.criteria,
            difference_minor=self.difference_minor,
            late_business_days=self.late_business_days,
            anomaly=self.anomaly,
            automatic=automatic,
            reason=reason,
        )

    def with_extra(self, criterion: Criterion, anomaly: str, difference_minor: int) -> Candidate:
        """The same candidate with one more line of evidence and one more anomaly."""
        combined = f"{self.anomaly}; {anomaly}" if self.anomaly else anomaly
        return replace(
            self,
            criteria=(*self.criteria, criterion),
            anomaly=combined,
            difference_minor=self.difference_minor + difference_minor,
        )


def join_anomalies(*anomalies: str | None) -> str | None:
    present = [anomaly for anomaly in anomalies if anomaly]
    return "; ".join(present) if present else None
