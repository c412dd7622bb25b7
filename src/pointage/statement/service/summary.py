"""A stored file told as an import report: for `GET /v1/statements/{id}` and for a file
imported a second time. Why each entry was skipped is known only at import; the stored
file says how many of each statement's entries it brought."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from pointage.formats.statements.checks import format_amount
from pointage.statement.models import BankStatement
from pointage.statement.repository import StatementRepository
from pointage.statement.service.report import ImportReport, StatementReport

NOT_IMPORTED = "not imported (already known, or not booked)"


def file_summary(
    session: Session, file_id: int, *, merchant_id: int | None = None
) -> ImportReport | None:
    """The file's summary; None when there is no such file (of that merchant, if given)."""
    repository = StatementRepository(session)
    file = repository.file(file_id)
    if file is None or (merchant_id is not None and file.merchant_id != merchant_id):
        return None
    stored = repository.statements_of_file(file_id)
    accounts = repository.accounts(s.bank_account_id for s in stored)
    imported = repository.imported_counts(file_id)
    report = ImportReport(
        file_id=file.id,
        filename=file.filename,
        format=file.format,
        version=file.version,
        imported_at=file.imported_at,
        accepted_unbalanced_reason=file.accepted_unbalanced_reason,
        accepted_by=file.accepted_by,
    )
    for statement in stored:
        account = accounts[statement.bank_account_id]
        count = imported.get(statement.id, 0)
        report.statements.append(
            StatementReport(
                record=statement.record,
                identifier=statement.identifier,
                bank_account_id=account.id,
                account_label=account.label,
                iban=account.iban,
                currency=statement.currency,
                opening_date=statement.opening_date,
                closing_date=statement.closing_date,
                entries=statement.entry_count,
                imported=count,
                statement_id=statement.id,
                balance_difference_minor=statement.balance_difference_minor,
                continuity_gap_minor=statement.continuity_gap_minor,
                skip_reasons=Counter({NOT_IMPORTED: statement.entry_count - count})
                if statement.entry_count > count
                else Counter(),
            )
        )
        report.warnings.extend(_warnings(statement))
    return report


def _warnings(statement: BankStatement) -> list[str]:
    found = []
    where = f"record {statement.record}: statement"
    if statement.continuity_gap_minor:
        gap = format_amount(statement.continuity_gap_minor, statement.currency)
        found.append(f"{where} opens {gap} away from the account's previous closing balance")
    if statement.balance_difference_minor:
        difference = format_amount(statement.balance_difference_minor, statement.currency)
        found.append(f"{where} does not add up by {difference} (accepted)")
    return found
