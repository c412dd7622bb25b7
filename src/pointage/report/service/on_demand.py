"""A journal generated when a person asks for it (API, back office), for a period over.

Recorded like a scheduled one (it can be listed, downloaded and re-sent) but not delivered
by itself. A period not over yet is refused: its journal would be missing the rest of the
period, and the scheduled run would then find that period generated already. Asking again
for the same journal, period and format is a Conflict naming the report there is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from pointage.core.errors import InvalidInput
from pointage.formats.journals.model import JournalKind
from pointage.report.journals import producer
from pointage.report.models import GeneratedReport, ReportFormat
from pointage.report.service import checks
from pointage.report.service.generate import (
    check_encoding,
    check_period,
    generate_report,
    write_report_file,
)
from pointage.report.service.naming import report_filename
from pointage.report.service.settings import default_setting, get_settings
from pointage.shop.models import Shop


@dataclass(frozen=True, slots=True)
class Request:
    journal: str
    day: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    format: str | None = None  # default: the shop's settings
    encoding: str | None = None


def journal_kind(name: str, param: str = "journal") -> JournalKind:
    try:
        return JournalKind(name.strip().lower())
    except ValueError:
        raise InvalidInput(f"unknown journal type {name!r}", param=param) from None


def report_format(name: str, param: str = "format") -> ReportFormat:
    return ReportFormat(checks.choice(name, param, [fmt.value for fmt in ReportFormat]))


def period_of(day: date | None, start: date | None, end: date | None) -> tuple[date, date]:
    """One day, or a period: exactly one of the two ways."""
    if day is not None:
        if start is not None or end is not None:
            raise InvalidInput("give date, or period_start and period_end, not both", param="date")
        return day, day
    if start is None or end is None:
        missing = "period_start" if start is None else "period_end"
        raise InvalidInput("give date, or period_start and period_end", param=missing)
    return start, end


def generate_now(
    session: Session,
    shop: Shop,
    request: Request,
    *,
    reports_dir: Path,
    actor: str,
    now: datetime,
) -> GeneratedReport:
    kind = journal_kind(request.journal)
    start, end = period_of(request.day, request.period_start, request.period_end)
    today = now.astimezone(ZoneInfo(shop.timezone)).date()
    if end >= today:
        raise InvalidInput(
            f"the period must be over: it ends on or after today ({today.isoformat()})",
            param="date" if request.day is not None else "period_end",
        )
    setting = get_settings(session, shop) or default_setting(shop)
    return generate_report(
        session,
        shop,
        kind,
        start,
        end,
        report_format(request.format or setting.format),
        encoding=request.encoding or setting.encoding,
        reports_dir=reports_dir,
        actor=actor,
        filename_pattern=setting.filename_pattern,
        now=now,
    )


@dataclass(frozen=True, slots=True)
class FolderFile:
    path: Path
    rows: int
    size_bytes: int
    sha256: str


def write_to_folder(
    session: Session,
    shop: Shop,
    kind: JournalKind,
    start: date,
    end: date,
    fmt: ReportFormat,
    *,
    encoding: str,
    folder: Path,
    now: datetime,
) -> FolderFile:
    """Write a journal into `folder`, named as the shop's settings say, without recording
    it: a file for a person, any period (today's too, as it stands)."""
    period = check_period(start, end)
    encoding = check_encoding(encoding, fmt)
    setting = get_settings(session, shop) or default_setting(shop)
    filename = report_filename(
        setting.filename_pattern,
        kind=kind,
        shop_name=shop.name,
        shop_id=shop.shop_id,
        period=period,
        fmt=fmt,
    )
    document = producer(kind)(session, shop, period.start, period.end, generated_at=now)
    target = folder / filename
    try:
        written = write_report_file(document, target, fmt, encoding=encoding)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidInput(f"cannot write {target}: {reason}", param="out") from None
    return FolderFile(target, written.rows, written.size_bytes, written.sha256)
