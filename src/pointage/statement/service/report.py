"""What an import did, statement by statement: for the command's output and the API's body."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class StatementReport:
    """One statement of the file: where it went and what became of its entries."""

    record: int
    identifier: str | None
    bank_account_id: int
    account_label: str
    iban: str
    currency: str
    opening_date: date | None
    closing_date: date | None
    entries: int  # movements the statement carries in the file
    imported: int = 0
    statement_id: int | None = None
    # The same account, dates and balances were stored already: not added again.
    already_known: bool = False
    balance_difference_minor: int | None = None
    continuity_gap_minor: int | None = None
    skip_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def skipped(self) -> int:
        return sum(self.skip_reasons.values())


@dataclass
class ImportReport:
    """The import of one bank file. `already_imported`: the same bytes were imported
    before as file `file_id`, and nothing was added."""

    file_id: int
    filename: str
    format: str
    version: str | None
    imported_at: datetime
    already_imported: bool = False
    statements: list[StatementReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    accepted_unbalanced_reason: str | None = None
    accepted_by: str | None = None

    @property
    def entries(self) -> int:
        return sum(s.entries for s in self.statements)

    @property
    def imported(self) -> int:
        return sum(s.imported for s in self.statements)

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.statements)

    @property
    def summary(self) -> str:
        """One line for a person: what was imported, or which file had it already."""
        if self.already_imported:
            return (
                f"{self.filename}: already imported as file #{self.file_id} on "
                f"{self.imported_at.date().isoformat()}; nothing added"
            )
        return (
            f"{self.filename}: file #{self.file_id} ({self.format}), "
            f"{len(self.statements)} statements, {self.entries} entries: "
            f"{self.imported} imported, {self.skipped} skipped"
        )
