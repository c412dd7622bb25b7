"""The upload form of the bank statement pages: reading it, importing the file, and what
the person is told (imported, already imported, refused and why), with the reconciliation
run that follows an import that brought new movements.

As over the API (statement.api): the file is imported for the accounts of the selected
shop's merchant, all of it or nothing; a refused file leaves the data as it was. A body
declared larger than the limit is refused before it is read; the file part is kept in a
temporary file past 1 MiB while the form is read, never whole in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import UploadFile

from pointage.auth.models import User
from pointage.auth.service.users import Action, can
from pointage.core.errors import Conflict, FileRejected, InvalidInput, NotFound, PermissionDenied
from pointage.formats.statements import FORMAT_CHOICES, parse_format_name
from pointage.formats.statements.model import CsvProfile, ParseOptions, StatementFileError
from pointage.reconciliation.engine_settings import engine_settings
from pointage.reconciliation.models import RunTrigger
from pointage.reconciliation.service.report import RunReport
from pointage.reconciliation.service.run import business_today, reconcile_all
from pointage.settings import Settings
from pointage.shop.models import Shop
from pointage.statement.service import ImportReport, get_profile, import_statement_file
from pointage.web.backoffice import CurrentUser
from pointage.web.deps import AppSettings

# Room for the multipart boundaries, part headers and the small fields next to the file.
FORM_ALLOWANCE = 64 * 1024
MAX_REASON = 500
FORMAT_LABELS = {
    "cfonb120": "CFONB 120",
    "camt": "camt.053",
    "camt.052": "camt.052",
    "camt.053": "camt.053",
    "camt.054": "camt.054",
    "mt940": "MT940",
    "mt942": "MT942",
    "ofx": "OFX",
    "csv": "CSV",
}
FORMATS = tuple(name for name in FORMAT_CHOICES if name != "camt")  # "camt" is camt.053


@dataclass
class UploadForm:
    """The form as sent; `errors` name the fields that cannot be used as they are."""

    filename: str = ""
    data: bytes = b""
    format: str = ""
    csv_profile: str = ""
    lenient: bool = False
    reason: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # field -> views.FIELD_ERRORS key


@dataclass
class UploadOutcome:
    """What became of an upload: `imported`, `already` (the same file was imported before:
    nothing added) or `refused` (nothing imported; `reason` and `problems` say why)."""

    kind: str
    filename: str
    report: ImportReport | None = None
    run: RunReport | None = None
    reason: str | None = None
    problems: list[str] = field(default_factory=list)


def _text(value: object, limit: int = 200) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


async def read_upload(request: Request, user: CurrentUser, settings: AppSettings) -> UploadForm:
    """The form of POST /statements/upload, once the user is known to be allowed."""
    if not can(user, Action.RECONCILE):
        raise PermissionDenied(f"a {user.role} user may not import bank statements")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.statement_max_bytes + FORM_ALLOWANCE:
        return UploadForm(errors={"file": "too_large"})
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    sent = UploadForm(
        format=_text(form.get("format")),
        csv_profile=_text(form.get("csv_profile")),
        lenient=_text(form.get("lenient")) == "on",
        reason=_text(form.get("accept_unbalanced_reason"), MAX_REASON + 1),
    )
    if not isinstance(upload, UploadFile) or (not upload.filename and not upload.size):
        sent.errors["file"] = "no_file"
    elif upload.size is not None and upload.size > settings.statement_max_bytes:
        sent.errors["file"] = "too_large"
    else:
        sent.filename = (upload.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1]
        sent.data = await upload.read()
        if len(sent.data) > settings.statement_max_bytes:
            sent.errors["file"], sent.data = "too_large", b""
    if sent.format and sent.format not in FORMAT_CHOICES:
        sent.errors["format"] = "format"
    if len(sent.reason) > MAX_REASON:
        sent.errors["accept_unbalanced_reason"] = "reason_long"
    return sent


UploadedForm = Annotated[UploadForm, Depends(read_upload)]


def _options(session: Session, sent: UploadForm, shop: Shop) -> ParseOptions:
    profile: CsvProfile | None = None
    if sent.csv_profile:
        try:
            profile = get_profile(session, sent.csv_profile, merchant_id=shop.merchant_id)
        except (NotFound, Conflict):
            sent.errors["csv_profile"] = "csv_profile"
    elif sent.format == "csv":
        sent.errors["csv_profile"] = "csv_needed"
    return ParseOptions(lenient=sent.lenient, csv_profile=profile)


def import_upload(
    session: Session,
    session_factory: sessionmaker[Session],
    sent: UploadForm,
    *,
    shop: Shop,
    user: User,
    settings: Settings,
) -> UploadOutcome:
    """Import the sent file; the request's unit of work is committed when something was
    imported (before the reconciliation run, which must not undo it) and rolled back when
    the file is refused."""
    options = _options(session, sent, shop)
    if sent.errors:
        return UploadOutcome("refused", sent.filename)
    actor = f"user:{user.email}"
    try:
        report = import_statement_file(
            session,
            sent.data,
            filename=sent.filename,
            actor=actor,
            format=parse_format_name(sent.format) if sent.format else None,
            options=options,
            accept_unbalanced_reason=sent.reason or None,
            merchant_id=shop.merchant_id,
        )
    except FileRejected as exc:
        session.rollback()
        return UploadOutcome("refused", sent.filename, reason=exc.message, problems=exc.errors)
    except StatementFileError as exc:
        session.rollback()
        # The parser knows the record (the line), not the file: the reason names both.
        return UploadOutcome("refused", sent.filename, reason=f"{sent.filename}: {exc.message}")
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        return UploadOutcome("refused", sent.filename, reason=exc.message)
    if report.already_imported:
        return UploadOutcome("already", sent.filename, report=report)
    outcome = UploadOutcome("imported", sent.filename, report=report)
    session.commit()
    if report.imported and settings.reconcile_after_import:
        [outcome.run] = reconcile_all(
            session_factory,
            trigger=RunTrigger.IMPORT,
            actor=actor,
            today=business_today(),
            merchant_ids=[shop.merchant_id],
            settings=engine_settings(settings),
        )
    return outcome
