"""The reports a shop has: list, one report and its file, its deliveries, a re-send.

Every look-up is by the shop: another shop's report reads as missing, exactly like a report
that does not exist.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.core.errors import InvalidInput, NotFound
from pointage.report import repository
from pointage.report.delivery.service import configured_channels, schedule_deliveries
from pointage.report.models import (
    Channel,
    Delivery,
    DeliveryAttempt,
    GeneratedReport,
    ReportSetting,
)
from pointage.shop.models import Shop

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class DeliveryView:
    delivery: Delivery
    attempts: list[DeliveryAttempt]


def reports(
    session: Session,
    shop: Shop,
    *,
    journal: str | None = None,
    day: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[GeneratedReport], int]:
    return repository.reports_of_shop(
        session, shop.id, journal=journal, day=day, limit=limit, offset=offset
    )


def report_of_shop(session: Session, shop: Shop, report_id: int) -> GeneratedReport:
    report = repository.report_of_shop(session, report_id, shop.id)
    if report is None:
        raise NotFound(f"report {report_id} not found", param="report_id")
    return report


def shop_of_report(session: Session, report_id: int) -> Shop:
    """The shop a report belongs to (for an operator, who acts for every shop)."""
    report = repository.report(session, report_id)
    shop = None if report is None else repository.shop(session, report.shop_id)
    if shop is None:
        raise NotFound(f"report {report_id} not found", param="report_id")
    return shop


def report_file(report: GeneratedReport, reports_dir: Path) -> Path:
    """The report's file; NotFound if it is no longer in the reports directory."""
    path = reports_dir / report.storage_path
    if not path.is_file():
        raise NotFound(
            f"the file of report {report.id} is no longer kept; generate it again",
            param="report_id",
        )
    return path


def media_type(report: GeneratedReport) -> str:
    if report.format == "xlsx":
        return XLSX_MEDIA_TYPE
    return f"text/csv; charset={report.encoding}"


def deliveries(session: Session, report: GeneratedReport) -> list[DeliveryView]:
    rows = repository.deliveries_of_report(session, report.id)
    attempts = repository.attempts_of(session, (row.id for row in rows))
    return [DeliveryView(row, attempts[row.id]) for row in rows]


def deliveries_by_ids(session: Session, delivery_ids: Collection[int]) -> list[DeliveryView]:
    rows = repository.deliveries_by_ids(session, delivery_ids)
    attempts = repository.attempts_of(session, (row.id for row in rows))
    return [DeliveryView(row, attempts[row.id]) for row in rows]


def deliveries_of_shop(
    session: Session,
    shop: Shop,
    *,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[DeliveryView], int]:
    rows, total = repository.deliveries_of_shop(
        session, shop.id, status=status, limit=limit, offset=offset
    )
    attempts = repository.attempts_of(session, (row.id for row in rows))
    return [DeliveryView(row, attempts[row.id]) for row in rows], total


def resend(
    session: Session,
    shop: Shop,
    report_id: int,
    *,
    channels: Collection[str] | None,
    actor: str,
) -> list[Delivery]:
    """New deliveries of a report (the next sequence of each channel), through the given
    channels or every channel the shop's settings fill in. They are pending: the caller
    has them tried (pointage.report.delivery.service.process_due)."""
    report = report_of_shop(session, shop, report_id)
    setting = repository.setting_of_shop(session, shop.id)
    available = [] if setting is None else configured_channels(setting)
    wanted = _wanted_channels(channels, available)
    assert setting is not None  # some channel is available, so there are settings
    created = schedule_deliveries(
        session, report, _restricted(setting, wanted), requested_by=actor, resend=True
    )
    record(
        session,
        actor,
        "report.resent",
        "generated_report",
        report.id,
        shop_pk=shop.id,
        detail={"channels": [channel.value for channel in wanted]},
    )
    return created


def _wanted_channels(
    channels: Collection[str] | None, available: Sequence[Channel]
) -> list[Channel]:
    if not available:
        raise InvalidInput(
            "no delivery channel is configured: add e-mail recipients, an SFTP destination "
            "or a local folder to the report settings",
            param="channels",
        )
    if channels is None:
        return list(available)
    if not channels:
        raise InvalidInput("name at least one channel", param="channels")
    wanted = []
    for name in channels:
        if name not in {channel.value for channel in Channel}:
            raise InvalidInput(f"unknown channel {name!r}", param="channels")
        channel = Channel(name)
        if channel not in available:
            raise InvalidInput(
                f"the {name} channel is not configured in the report settings", param="channels"
            )
        if channel not in wanted:
            wanted.append(channel)
    return wanted


def _restricted(setting: ReportSetting, channels: Collection[Channel]) -> ReportSetting:
    """A copy of the settings, never stored, with only `channels` filled in: what
    schedule_deliveries needs to create deliveries for those channels only."""
    copy = ReportSetting(
        shop_id=setting.shop_id,
        email_recipients=list(setting.email_recipients) if Channel.EMAIL in channels else [],
        sftp_host=setting.sftp_host if Channel.SFTP in channels else None,
        sftp_port=setting.sftp_port,
        sftp_username=setting.sftp_username,
        sftp_directory=setting.sftp_directory,
        local_directory=setting.local_directory if Channel.LOCAL in channels else None,
    )
    return copy
