"""Pydantic I/O of the reconciliation runs API. Amounts are integer minor units."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from pointage.reconciliation.models import ReconciliationRun
from pointage.reconciliation.repository.run_history import OpenItemRow
from pointage.reconciliation.service.report import RunReport


class RunIn(BaseModel):
    """A run asked for by a client."""

    model_config = ConfigDict(extra="forbid")

    dry_run: bool = Field(False, description="Compute and answer, store nothing")
    business_date: date | None = Field(
        None, description="The day to reconcile as of (what is overdue); default: today in Paris"
    )


class RunSummaryOut(BaseModel):
    """What a run did, in a few numbers (in the answer of a statement upload)."""

    run_id: int | None = Field(description="The recorded run; null for a dry run")
    status: str = Field(description="completed or failed")
    matched: int
    suggested: int
    open_entries: int
    open_remittances: int
    error: str | None = Field(description="Why the run failed, when it did")

    @classmethod
    def of(cls, report: RunReport) -> RunSummaryOut:
        return cls(
            run_id=report.run_id,
            status=report.status.value,
            matched=report.matched,
            suggested=report.suggested,
            open_entries=report.open_entries,
            open_remittances=report.open_remittances,
            error=report.error,
        )


class RunOut(BaseModel):
    """A reconciliation run of the merchant."""

    id: int | None = Field(description="Null for a dry run, which is not recorded")
    trigger: str = Field(description="import, daily, cli, api, backoffice or demo")
    actor: str | None
    dry_run: bool
    status: str = Field(description="running, completed or failed")
    business_date: date = Field(description="The day the run reconciled as of")
    started_at: datetime | None
    finished_at: datetime | None
    matched: int = Field(description="Automatic matches applied")
    suggested: int = Field(description="Suggestions left for a person to confirm or reject")
    open_entries: int = Field(description="Bank entries left open, each with its reason")
    open_remittances: int = Field(description="Remittances left open, each with its reason")
    to_review: int = Field(description="Remittances whose credit is overdue after the run")
    remittance_statuses: dict[str, int] | None = Field(
        None,
        description="Remittances the run looked at, by the status of their transactions "
        "after it; given in the answer of the run itself only",
    )
    error: str | None

    @classmethod
    def of_row(cls, run: ReconciliationRun, report: RunReport | None = None) -> RunOut:
        return cls(
            id=run.id,
            trigger=run.trigger,
            actor=run.actor,
            dry_run=run.dry_run,
            status=run.status,
            business_date=run.business_date,
            started_at=run.started_at,
            finished_at=run.finished_at,
            matched=run.matched,
            suggested=run.suggested,
            open_entries=run.open_entries,
            open_remittances=run.open_remittances,
            to_review=run.to_review,
            remittance_statuses=dict(report.remittance_statuses) if report else None,
            error=run.error,
        )

    @classmethod
    def of_dry_run(cls, report: RunReport, actor: str) -> RunOut:
        return cls(
            id=None,
            trigger=report.trigger,
            actor=actor,
            dry_run=True,
            status=report.status.value,
            business_date=report.business_date,
            started_at=None,
            finished_at=None,
            matched=report.matched,
            suggested=report.suggested,
            open_entries=report.open_entries,
            open_remittances=report.open_remittances,
            to_review=report.to_review,
            remittance_statuses=dict(report.remittance_statuses),
            error=report.error,
        )


class OpenItemOut(BaseModel):
    """A bank entry or a remittance the run left open, and why."""

    id: int = Field(description="The open item's own id (the cursor of its list)")
    kind: str = Field(description="entry or remittance")
    object_id: int = Field(description="The statement entry's or the remittance's id")
    reason: str = Field(
        description="no_candidate, ambiguous, below_threshold, not_yet_due, overdue, "
        "duplicate_line, not_gateway, already_claimed or undone"
    )
    detail: str = Field(description="The reason, as a sentence")
    day: date | None = Field(
        description="The entry's value date, or the remittance's expected credit date"
    )
    amount_minor: int | None = Field(
        description="The entry's signed amount, or the remittance's expected credit"
    )
    currency: str | None
    label: str = Field(description="The entry's label, or which remittance it is")

    @classmethod
    def of(cls, row: OpenItemRow) -> OpenItemOut:
        return cls(
            id=row.id,
            kind=row.kind,
            object_id=row.object_id,
            reason=row.reason,
            detail=row.detail,
            day=row.day,
            amount_minor=row.amount_minor,
            currency=row.currency,
            label=row.label,
        )
