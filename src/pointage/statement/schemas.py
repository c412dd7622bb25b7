"""Pydantic I/O of the statement API. Amounts are integer minor units."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

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
