"""Import of a bank statement file: all or nothing, inside the caller's unit of work.

1. The same bytes already imported (for the merchant) → the report of that import, nothing
   added; this is not an error.
2. The file is parsed (`formats.statements.parse`); one that cannot be read raises
   `StatementFileError`.
3. The whole file is checked (`checks.check_file`: accounts, merchant, currencies,
   balances); any problem refuses it, every problem listed, nothing written.
4. The raw file is stored with its hash, then each statement (one already stored with the
   same account, dates and balances is not stored again), with the continuity gap to the
   account's previous statement (a warning, not a refusal).
5. Entries not yet known for their account (`entries.KeyMaker`) are inserted in bulk; the
   others are counted with the reason they were skipped.
The caller commits; nothing here does.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.core.errors import Conflict, InvalidInput
from pointage.core.gc_pause import cycle_collection_paused
from pointage.formats.statements import parse, parse_format_name
from pointage.formats.statements.checks import balance_issues, statement_name
from pointage.formats.statements.model import (
    ParseOptions,
    ParseResult,
    StatementFormat,
    StatementKind,
)
from pointage.statement.models import StatementFile
from pointage.statement.repository import (
    DuplicateEntry,
    FileStoredMeanwhile,
    KnownFile,
    StatementRepository,
)
from pointage.statement.service.accounts import AccountResolver
from pointage.statement.service.checks import CheckedFile, check_file
from pointage.statement.service.report import ImportReport
from pointage.statement.service.storing import store_entries, store_statements
from pointage.statement.service.summary import file_summary
from pointage.webhook import service as webhooks


def import_statement_file(
    session: Session,
    data: bytes,
    *,
    filename: str,
    actor: str,
    format: StatementFormat | str | None = None,
    options: ParseOptions | None = None,
    accept_unbalanced_reason: str | None = None,
    merchant_id: int | None = None,
) -> ImportReport:
    """Import the file, or raise StatementFileError / FileRejected with nothing written.

    `merchant_id` limits the accounts to that merchant's (an upload by one of its shops).
    `accept_unbalanced_reason` lets statements that do not add up in, and is recorded."""
    reason = _acceptance(accept_unbalanced_reason)
    repository = StatementRepository(session)
    digest = hashlib.sha256(data).hexdigest()
    known = repository.file_by_hash(digest, merchant_id)
    if known is not None:
        return _already_imported(session, known)
    wanted = parse_format_name(format) if isinstance(format, str) else format
    with cycle_collection_paused(keep_result=False):
        result = parse(data, wanted, options)
        resolver = AccountResolver(repository, merchant_id)
        checked = check_file(result, resolver, filename, accept_unbalanced=reason is not None)
        file = _new_file(data, digest, filename, actor, result, checked, reason)
        try:
            repository.add_file(file)
        except FileStoredMeanwhile:
            stored = repository.file_by_hash(digest, checked.merchant_id)
            assert stored is not None  # the unique constraint said it is there
            return _already_imported(session, stored)
        report = _report(file, result, checked)
        planned = store_statements(repository, result, checked, report)
        try:
            store_entries(repository, planned, file.id, report)
        except DuplicateEntry:
            raise Conflict(
                "another import stored some of these movements meanwhile; import the file again"
            ) from None
    _audit(session, actor, file, report, checked)
    webhooks.statement_imported(session, file)
    return report


def _acceptance(reason: str | None) -> str | None:
    if reason is None:
        return None
    if not reason.strip():
        raise InvalidInput(
            "accepting unbalanced statements needs a reason", param="accept_unbalanced_reason"
        )
    return reason.strip()


def _already_imported(session: Session, known: KnownFile) -> ImportReport:
    report = file_summary(session, known.id)
    assert report is not None  # it was just found
    report.already_imported = True
    return report


def _new_file(
    data: bytes,
    digest: str,
    filename: str,
    actor: str,
    result: ParseResult,
    checked: CheckedFile,
    reason: str | None,
) -> StatementFile:
    accepted = reason if checked.unbalanced else None
    return StatementFile(
        merchant_id=checked.merchant_id,
        sha256=digest,
        filename=filename[-255:],
        format=str(result.format),
        version=result.version,
        size_bytes=len(data),
        content=data,
        imported_at=datetime.now(UTC),
        imported_by=actor,
        accepted_unbalanced_reason=accepted,
        accepted_by=actor if accepted else None,
    )


def _report(file: StatementFile, result: ParseResult, checked: CheckedFile) -> ImportReport:
    """The report, with the parser's issues as warnings (balance issues are said by the
    check: refused, or accepted below)."""
    balance = {
        (issue.record, issue.message)
        for statement in result.statements
        for issue in balance_issues(statement)
    }
    warnings = [
        f"record {issue.record}: {issue.message}" if issue.record is not None else issue.message
        for issue in result.issues
        if (issue.record, issue.message) not in balance
    ]
    warnings += _unchecked(result)
    if file.accepted_unbalanced_reason:
        reason = file.accepted_unbalanced_reason
        warnings += [f"accepted ({reason}): {line}" for line in checked.unbalanced]
    return ImportReport(
        file_id=file.id,
        filename=file.filename,
        format=file.format,
        version=file.version,
        imported_at=file.imported_at,
        warnings=warnings,
        accepted_unbalanced_reason=file.accepted_unbalanced_reason,
        accepted_by=file.accepted_by,
    )


def _unchecked(result: ParseResult) -> list[str]:
    """Booked statements that lack a balance: nothing shows whether they are complete."""
    return [
        f"record {statement.record}: {statement_name(statement)} has no "
        f"{'opening' if statement.opening_balance is None else 'closing'} balance: "
        "whether it holds every movement cannot be checked"
        for statement in result.statements
        if statement.kind is StatementKind.STATEMENT
        and (statement.opening_balance is None or statement.closing_balance is None)
    ]


def _audit(
    session: Session, actor: str, file: StatementFile, report: ImportReport, checked: CheckedFile
) -> None:
    detail = {
        "filename": file.filename,
        "format": file.format,
        "statements": len(report.statements),
        "imported": report.imported,
        "skipped": report.skipped,
    }
    record(session, actor, "statements.file_imported", "statement_file", file.id, detail=detail)
    if file.accepted_unbalanced_reason:
        record(
            session,
            actor,
            "statements.unbalanced_accepted",
            "statement_file",
            file.id,
            detail={"reason": file.accepted_unbalanced_reason, "statements": checked.unbalanced},
        )
