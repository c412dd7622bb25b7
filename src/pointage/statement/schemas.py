"""Pydantic I/O of the statement API. Amounts are integer minor units."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from pydantic import BaseModel, Field

from pointage.reconciliation.repository.entry_states import EntryState
from pointage.reconciliation.service.entry_states import EntryMatchView, EntryStateView
from pointage.shop.models import BankAccount
from pointage.statement.service import ImportReport, StatementReport


class StatementOut(BaseModel):
    """One statement of the file and what became of its entries."""

    statement_id: int | None = Field(description="The stored statement its entries went to")
    record: int = Field(description="Record of the file where the statement starts")
    identifier: str | None
    bank_account_id: int
    account_label: str
    iban: str
    currency: str
    opening_date: date | None
    closing_date: date | None
    entries: int = Field(description="Movements the statement carries in the file")
    imported: int
    skipped: int
    skip_reasons: dict[str, int] = Field(description="Why entries were skipped, and how many")
    already_known: bool = Field(
        description="A statement with the same account, dates and balances was stored before"
    )
    balance_difference: int | None = Field(
        description="closing - (opening + movements), minor units; null when not checkable"
    )
    continuity_gap: int | None = Field(
        description="opening - the previous statement's closing balance, minor units"
    )

    @classmethod
    def of(cls, report: StatementReport) -> StatementOut:
        return cls(
            statement_id=report.statement_id,
            record=report.record,
            identifier=report.identifier,
            bank_account_id=report.bank_account_id,
            account_label=report.account_label,
            iban=report.iban,
            currency=report.currency,
            opening_date=report.opening_date,
            closing_date=report.closing_date,
            entries=report.entries,
            imported=report.imported,
            skipped=report.skipped,
            skip_reasons=dict(report.skip_reasons),
            already_known=report.already_known,
            balance_difference=report.balance_difference_minor,
            continuity_gap=report.continuity_gap_minor,
        )


class StatementFileOut(BaseModel):
    """An imported bank file: its statements, entries imported and skipped, warnings."""

    file_id: int
    filename: str
    format: str
    version: str | None
    imported_at: datetime
    already_imported: bool = Field(
        description="The same file was imported before (as file_id); nothing was added"
    )
    summary: str
    entries: int
    imported: int
    skipped: int
    statements: list[StatementOut]
    warnings: list[str]
    accepted_unbalanced_reason: str | None
    accepted_by: str | None

    @classmethod
    def of(cls, report: ImportReport) -> StatementFileOut:
        return cls(
            file_id=report.file_id,
            filename=report.filename,
            format=report.format,
            version=report.version,
            imported_at=report.imported_at,
            already_imported=report.already_imported,
            summary=report.summary,
            entries=report.entries,
            imported=report.imported,
            skipped=report.skipped,
            statements=[StatementOut.of(s) for s in report.statements],
            warnings=report.warnings,
            accepted_unbalanced_reason=report.accepted_unbalanced_reason,
            accepted_by=report.accepted_by,
        )


class BankAccountOut(BaseModel):
    """A bank account of the shop's merchant. The IBAN is shown whole: it is the
    merchant's own account, printed on each of its statements."""

    id: int
    label: str
    iban: str
    bic: str | None
    bank_code: str | None = Field(description="Code banque (French accounts)")
    branch_code: str | None = Field(description="Code guichet (French accounts)")
    account_number: str | None = Field(description="Numéro de compte (French accounts)")
    currency: str
    contracts: list[str] = Field(
        description="Numbers of the shop's acquirer contracts credited on this account"
    )
    created_at: datetime

    @classmethod
    def of(cls, account: BankAccount, contracts: list[str]) -> BankAccountOut:
        return cls(
            id=account.id,
            label=account.label,
            iban=account.iban,
            bic=account.bic,
            bank_code=account.bank_code,
            branch_code=account.branch_code,
            account_number=account.account_number,
            currency=account.currency,
            contracts=contracts,
            created_at=account.created_at,
        )


class EntryMatchOut(BaseModel):
    """The active match that claims the entry."""

    id: int = Field(description="The match: GET /v1/reconciliation/matches/{id}")
    rule: str = Field(description="The matching rule (remittance_credit, manual, …)")
    origin: str = Field(description="engine (a run), confirmed (a suggestion) or manual")
    automatic: bool = Field(description="Applied by a run, not by a person")
    role: str = Field(description="The entry's role in the match: credit, fee or chargeback")
    run_id: int | None = Field(description="The run that applied or suggested it")
    difference_minor: int = Field(description="Booked minus expected, minor units")
    anomaly: str | None = Field(description="The unexplained difference, as a sentence")
    remittance_ids: list[int] = Field(description="The remittances it reconciles")
    transaction_uuids: list[str] = Field(
        description="The transactions it reconciles on their own (without their remittance)"
    )
    hidden_objects: int = Field(
        description="Remittances and transactions of other shops of the merchant it also "
        "claims, not shown"
    )

    @classmethod
    def of(cls, view: EntryMatchView) -> EntryMatchOut:
        return cls(**asdict(view))


class OpenReasonOut(BaseModel):
    """Why no match claims the entry: the latest run's reason."""

    reason: str = Field(
        description="no_candidate, ambiguous, below_threshold, duplicate_line, not_gateway, "
        "already_claimed, undone; not_run when no run has looked at it yet"
    )
    detail: str = Field(description="The reason, as a sentence")
    run_id: int | None = Field(description="The run that left it open")
    run_business_date: date | None = Field(description="The day that run reconciled as of")


class StatementEntryOut(BaseModel):
    """A movement on a bank account, where it is in the bank's file, and its match state."""

    id: int
    file_id: int = Field(description="The bank file that brought it")
    statement_id: int
    bank_account_id: int
    record: int = Field(description="1-based line (record) of the file where it starts")
    booking_date: date | None
    value_date: date | None
    amount_minor: int = Field(description="Signed minor units: credit > 0, debit < 0")
    currency: str
    label: str
    bank_operation_code: str | None
    references: dict[str, str] = Field(
        description="The bank's references (end-to-end id, remittance information…)"
    )
    reversal: bool = Field(description="The bank reverses an earlier movement here")
    match_state: EntryState = Field(
        description="matched, suggested, open, ignored (not a card movement) or duplicate"
    )
    match: EntryMatchOut | None = Field(description="Set when matched")
    suggestion_ids: list[int] = Field(
        description="The open suggestions naming it: GET /v1/reconciliation/suggestions/{id}"
    )
    open_reason: OpenReasonOut | None = Field(description="Set when not matched")

    @classmethod
    def of(cls, view: EntryStateView) -> StatementEntryOut:
        entry = view.entry
        reason = view.open_reason
        return cls(
            id=entry.id,
            file_id=entry.file_id,
            statement_id=entry.statement_id,
            bank_account_id=entry.bank_account_id,
            record=entry.record,
            booking_date=entry.booking_date,
            value_date=entry.value_date,
            amount_minor=entry.amount_minor,
            currency=entry.currency,
            label=entry.label,
            bank_operation_code=entry.bank_operation_code,
            references=dict(entry.references or {}),
            reversal=entry.reversal,
            match_state=EntryState(view.state),
            match=EntryMatchOut.of(view.match) if view.match is not None else None,
            suggestion_ids=view.suggestion_ids,
            open_reason=OpenReasonOut(**asdict(reason)) if reason is not None else None,
        )
