"""Generating a journal of a shop for a period into a file of the reports directory.

The report's row is inserted first, as a claim: the unique constraint (shop, journal,
period, format) then makes a second generation of the same report wait for the first and
fail, instead of writing the same file twice. The file is written under a temporary name
next to its final place, its SHA-256 and size computed, and renamed: a reader never sees
half a file, and a failure leaves no file behind (the caller's transaction, rolled back,
leaves no row).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pointage.core.errors import Conflict, InvalidInput
from pointage.formats.journals.csv_writer import write_csv
from pointage.formats.journals.model import JournalDocument, JournalKind
from pointage.formats.journals.xlsx_writer import write_xlsx
from pointage.report import repository
from pointage.report.journals import producer
from pointage.report.models import GeneratedReport, ReportFormat
from pointage.report.service.naming import report_filename
from pointage.report.service.periods import Period
from pointage.report.service.settings import ENCODINGS
from pointage.shop.models import Shop
from pointage.webhook import service as webhooks

MAX_PERIOD_DAYS = 366
_CHUNK = 1 << 20


class ReportExists(Conflict):
    """The report of this shop, journal, period and format was generated already."""

    code = "report_exists"

    def __init__(self, report_id: int, message: str) -> None:
        super().__init__(message, param="period")
        self.report_id = report_id


@dataclass(frozen=True, slots=True)
class WrittenFile:
    rows: int
    size_bytes: int
    sha256: str


def generate_report(
    session: Session,
    shop: Shop,
    kind: JournalKind,
    period_start: date,
    period_end: date,
    fmt: ReportFormat,
    *,
    encoding: str,
    reports_dir: Path,
    actor: str,
    filename_pattern: str,
    now: datetime | None = None,
) -> GeneratedReport:
    """Generate and record the journal `kind` of `shop` for the period, in `fmt`.

    Raises ReportExists (a Conflict, with the existing report's id) if that report was
    generated already, and InvalidInput for a period or encoding that makes no sense.
    The caller's unit of work commits the row; the file is in place when this returns.
    """
    period = check_period(period_start, period_end)
    encoding = check_encoding(encoding, fmt)
    _raise_if_exists(session, shop, kind, period, fmt)
    filename = report_filename(
        filename_pattern,
        kind=kind,
        shop_name=shop.name,
        shop_id=shop.shop_id,
        period=period,
        fmt=fmt,
    )
    generated_at = (now or datetime.now(UTC)).astimezone(UTC)
    folder = Path(shop.shop_id) / kind.value
    report = GeneratedReport(
        shop_id=shop.id,
        journal=kind.value,
        period_start=period.start,
        period_end=period.end,
        format=fmt.value,
        encoding=encoding,
        filename=filename,
        storage_path=(folder / filename).as_posix(),
        sha256="",
        size_bytes=0,
        row_count=0,
        generated_at=generated_at,
        generated_by=actor,
    )
    _claim(session, report, shop, kind, period, fmt)
    document = producer(kind)(session, shop, period.start, period.end, generated_at=generated_at)
    written = write_report_file(document, reports_dir / report.storage_path, fmt, encoding=encoding)
    report.row_count = written.rows
    report.size_bytes = written.size_bytes
    report.sha256 = written.sha256
    session.flush()
    webhooks.report_ready(session, report)
    return report


def check_period(start: date, end: date) -> Period:
    if end < start:
        raise InvalidInput("the period ends before it starts", param="period_end")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(f"a period is at most {MAX_PERIOD_DAYS} days", param="period_end")
    return Period(start, end)


def check_encoding(encoding: str, fmt: ReportFormat) -> str:
    """The CSV encoding; an XLSX workbook is always UTF-8 inside, whatever was asked."""
    if fmt is ReportFormat.XLSX:
        return "utf-8"
    name = encoding.strip().lower()
    if name not in ENCODINGS:
        raise InvalidInput(f"encoding must be one of {', '.join(ENCODINGS)}", param="encoding")
    return name


def _raise_if_exists(
    session: Session, shop: Shop, kind: JournalKind, period: Period, fmt: ReportFormat
) -> None:
    existing = repository.report_for_period(
        session, shop.id, kind.value, period.start, period.end, fmt.value
    )
    if existing is not None:
        raise _exists(existing.id, kind, period, fmt)


def _exists(report_id: int, kind: JournalKind, period: Period, fmt: ReportFormat) -> ReportExists:
    return ReportExists(
        report_id,
        f"the {kind.value} journal of {period} in {fmt.value} was generated already "
        f"(report {report_id}); re-send it instead",
    )


def _claim(
    session: Session,
    report: GeneratedReport,
    shop: Shop,
    kind: JournalKind,
    period: Period,
    fmt: ReportFormat,
) -> None:
    """Insert the report's row before writing its file. Another transaction generating
    the same report at the same moment waits here for this one, then finds it."""
    try:
        with session.begin_nested():
            session.add(report)
    except IntegrityError:
        existing = repository.report_for_period(
            session, shop.id, kind.value, period.start, period.end, fmt.value
        )
        if existing is None:  # the other transaction rolled back meanwhile: not a clash
            raise
        raise _exists(existing.id, kind, period, fmt) from None


def write_report_file(
    document: JournalDocument, target: Path, fmt: ReportFormat, *, encoding: str
) -> WrittenFile:
    """Write `document` to `target` through a temporary file renamed in place; the
    temporary file is removed if anything fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        rows = _writer(fmt, encoding)(document, temporary)
        size, digest = _size_and_sha256(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return WrittenFile(rows, size, digest)


def _writer(fmt: ReportFormat, encoding: str) -> Callable[[JournalDocument, Path], int]:
    if fmt is ReportFormat.XLSX:
        return write_xlsx
    return lambda document, path: write_csv(document, path, encoding=encoding)


def _size_and_sha256(path: Path) -> tuple[int, str]:
    """Read back once: the digest is of the bytes on disk, and they reach the disk before
    the rename makes them visible."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
        os.fsync(file.fileno())
    return size, digest.hexdigest()
