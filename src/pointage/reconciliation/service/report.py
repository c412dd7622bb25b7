"""What a reconciliation run did, as plain values for the command line and the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from pointage.matching.model import OpenItem, Proposal
from pointage.reconciliation.models import RunStatus


@dataclass(frozen=True, slots=True)
class RecordedProposal:
    """A match applied or a suggestion made by the run; `id` is its stored row (the match
    or the suggestion), None in a dry run."""

    id: int | None
    proposal: Proposal


@dataclass(frozen=True, slots=True)
class RunReport:
    """A run's outcome. Counts are of this run: `matched` automatic matches applied,
    `suggested` suggestions left for a person (those rejected before are not proposed
    again: `skipped_rejected`), `open_entries` / `open_remittances` left open with a
    reason, `to_review` remittances whose credit is overdue after the run.
    `remittance_statuses` counts the remittances the run looked at (all those not
    reconciled before it) by the status their transactions have after it."""

    run_id: int | None  # None for a dry run
    merchant_id: int
    trigger: str
    business_date: date
    dry_run: bool
    status: RunStatus
    matched: int = 0
    suggested: int = 0
    open_entries: int = 0
    open_remittances: int = 0
    to_review: int = 0
    skipped_rejected: int = 0
    remittance_statuses: Mapping[str, int] = field(default_factory=dict)
    matches: tuple[RecordedProposal, ...] = ()
    suggestions: tuple[RecordedProposal, ...] = ()
    open_items: tuple[OpenItem, ...] = ()
    error: str | None = None  # why a failed run failed, for people

    @property
    def summary(self) -> str:
        """One line for a person."""
        if self.dry_run:
            name = "dry run"
        else:
            name = "run" if self.run_id is None else f"run #{self.run_id}"
        if self.status is RunStatus.FAILED:
            return f"reconciliation {name} failed: {self.error}"
        return (
            f"reconciliation {name} as of {self.business_date.isoformat()}: "
            f"{self.matched} matched, {self.suggested} suggested, "
            f"{_count(self.open_entries, 'bank entry', 'bank entries')} and "
            f"{_count(self.open_remittances, 'remittance', 'remittances')} open, "
            f"{_count(self.to_review, 'remittance', 'remittances')} to review"
        )


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
