"""JSON routes of bank statements: upload of a bank file, summary of an imported one; the
lists are in `statement.api_lists`.

The upload's size is checked before its body is read whole: a declared Content-Length
over the limit is refused at once (413), and a body sent without one (chunked) is read
through a counter that stops at the limit. The form is then parsed by Starlette, which
keeps the file part in a temporary file past 1 MiB, not in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import Field
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.types import Message

from pointage.core.errors import InvalidInput, NotFound
from pointage.formats.statements import FORMAT_CHOICES, parse_format_name
from pointage.formats.statements.model import ParseOptions, StatementFileError
from pointage.reconciliation.engine_settings import engine_settings
from pointage.reconciliation.models import RunTrigger
from pointage.reconciliation.schemas_runs import RunSummaryOut
from pointage.reconciliation.service.run import business_today, reconcile_all
from pointage.statement.api_lists import FileId
from pointage.statement.api_lists import router as lists_router
from pointage.statement.schemas import StatementFileOut
from pointage.statement.service import file_summary, import_statement_file
from pointage.web.auth import CurrentShop, GivenCredentials
from pointage.web.deps import AppSettings, DbSession
from pointage.web.errors import problem_responses

router = APIRouter()
# The lists (files, a file's entries, bank accounts) live in their own module.
router.include_router(lists_router)

# Room for the multipart boundaries, part headers and the small fields next to the file.
FORM_ALLOWANCE = 64 * 1024
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


@dataclass
class StatementUpload:
    data: bytes
    filename: str
    format: str | None
    lenient: bool
    accept_unbalanced_reason: str | None


def _too_large(limit: int) -> HTTPException:
    return HTTPException(
        status.HTTP_413_CONTENT_TOO_LARGE, f"the statement file exceeds {limit} bytes"
    )


def _capped(request: Request, cap: int, limit: int) -> Request:
    """The request, whose body reads fail past `cap` bytes."""
    received = 0
    receive = request.receive

    async def capped_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > cap:
                raise _too_large(limit)
        return message

    return Request(request.scope, capped_receive)


async def _upload(
    request: Request, settings: AppSettings, _anonymous_refused: GivenCredentials
) -> StatementUpload:
    # The key itself is checked after the upload is read (CurrentShop): on SQLite a check
    # inside the request's transaction would hold the write lock while a slow client sends.
    limit = settings.statement_max_bytes
    cap = limit + FORM_ALLOWANCE
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(limit)
    async with _capped(request, cap, limit).form(max_files=1, max_fields=10) as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise InvalidInput("the bank statement file is missing", param="file")
        if file.size is not None and file.size > limit:
            raise _too_large(limit)
        data = await file.read()
        fields = {
            name: form.get(name) for name in ("format", "lenient", "accept_unbalanced_reason")
        }
    texts = {name: value if isinstance(value, str) else None for name, value in fields.items()}
    return StatementUpload(
        data=data,
        filename=file.filename or "upload",
        format=texts["format"] or None,
        lenient=_flag(texts["lenient"]),
        accept_unbalanced_reason=texts["accept_unbalanced_reason"],
    )


def _flag(value: str | None) -> bool:
    word = (value or "").strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise InvalidInput("lenient must be true or false", param="lenient")


_UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "The file"},
                    "format": {
                        "type": "string",
                        "enum": list(FORMAT_CHOICES),
                        "description": "Force the format; detected from the content if absent",
                    },
                    "lenient": {
                        "type": "boolean",
                        "description": "Read CFONB 120 amounts some banks shift",
                    },
                    "accept_unbalanced_reason": {
                        "type": "string",
                        "description": "Import statements that do not add up; recorded",
                    },
                },
            }
        }
    },
}


class StatementImportOut(StatementFileOut):
    """An imported bank file, and the reconciliation run its new entries started."""

    reconciliation: RunSummaryOut | None = Field(
        None,
        description="The run that followed the import (POINTAGE_RECONCILE_AFTER_IMPORT); "
        "null when nothing new was imported or runs after imports are off",
    )


@router.post(
    "/v1/statements",
    response_model=StatementImportOut,
    status_code=status.HTTP_201_CREATED,
    tags=["statements"],
    summary="Import a bank statement file",
    responses={
        200: {"description": "The same file was imported before: nothing added"},
        413: {"description": "The file is larger than POINTAGE_STATEMENT_MAX_BYTES"},
        **problem_responses(401, 422),
    },
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
def post_statement(
    upload: Annotated[StatementUpload, Depends(_upload)],
    shop: CurrentShop,
    session: DbSession,
    settings: AppSettings,
    request: Request,
    response: Response,
) -> StatementImportOut:
    """Import a bank file (CFONB 120, camt.052/053/054, MT940/MT942, OFX) for the
    accounts of the shop's merchant: all of it, or nothing with every problem listed (422).
    Movements already known are skipped; see docs/statements.md. When new entries were
    imported, a reconciliation run follows (docs/reconciliation.md); the answer says
    what it did."""
    if upload.format is not None:
        try:
            parse_format_name(upload.format)
        except StatementFileError as exc:
            raise InvalidInput(exc.message, param="format") from None
    try:
        report = import_statement_file(
            session,
            upload.data,
            filename=upload.filename,
            actor=f"api:{shop.shop_id}",
            format=upload.format,
            options=ParseOptions(lenient=upload.lenient),
            accept_unbalanced_reason=upload.accept_unbalanced_reason,
            merchant_id=shop.merchant_id,
        )
    except StatementFileError as exc:
        # The parser knows the record, not the file: the answer names both.
        unreadable = StatementFileError(f"{upload.filename}: {exc.message}")
        unreadable.param = "file"
        raise unreadable from None
    if report.already_imported:
        response.status_code = status.HTTP_200_OK
    answer = StatementImportOut(**StatementFileOut.of(report).model_dump())
    new_entries = report.imported and not report.already_imported
    if new_entries and settings.reconcile_after_import:
        # The import is committed first: a run that fails must not undo it. The run owns
        # its transactions (and records its own failure).
        session.commit()
        [run] = reconcile_all(
            request.app.state.session_factory,
            trigger=RunTrigger.IMPORT,
            actor=f"api:{shop.shop_id}",
            today=business_today(),
            merchant_ids=[shop.merchant_id],
            settings=engine_settings(settings),
        )
        answer.reconciliation = RunSummaryOut.of(run)
    return answer


@router.get(
    "/v1/statements/{file_id}",
    response_model=StatementFileOut,
    tags=["statements"],
    summary="Get an imported bank statement file",
    responses=problem_responses(401, 404),
)
def get_statement_file(file_id: FileId, shop: CurrentShop, session: DbSession) -> StatementFileOut:
    """An imported file of the shop's merchant: its statements and entries imported."""
    report = file_summary(session, file_id, merchant_id=shop.merchant_id)
    if report is None:
        # Another merchant's file is reported as absent, not as forbidden.
        raise NotFound(f"statement file {file_id} not found", param="file_id")
    return StatementFileOut.of(report)
