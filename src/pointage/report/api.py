"""JSON routes of reports (docs/reports.md): the shop's report settings, the journals
generated for it (list, generate now, download, re-send) and their deliveries.

A shop authenticates and sees only its own settings, reports and deliveries: another
shop's report is a 404, exactly like a report that does not exist.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi import status as http_status
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session, sessionmaker

from pointage.core.errors import InvalidInput
from pointage.report.delivery.service import process_due
from pointage.report.schemas import (
    DeliveryListOut,
    DeliveryOut,
    GenerateIn,
    ReportListOut,
    ReportOut,
    ReportSettingsIn,
    ReportSettingsOut,
    ResendIn,
)
from pointage.report.service import history, on_demand
from pointage.report.service import settings as report_settings
from pointage.settings import Settings
from pointage.web.auth import CurrentShop
from pointage.web.deps import AppSettings, DbSession
from pointage.web.errors import problem_responses

router = APIRouter(tags=["reports"])

Limit = Annotated[int, Query(ge=1, le=500, description="At most this many")]
Offset = Annotated[int, Query(ge=0, description="Skip this many first")]
JournalFilter = Annotated[
    Literal["jt", "jo", "jrb", "jri", "remittances"] | None,
    Query(description="Only this journal"),
]
StatusFilter = Annotated[
    Literal["pending", "delivered", "failed"] | None, Query(description="Only this status")
]


def _actor(shop_id: str) -> str:
    return f"api:{shop_id}"


@router.get(
    "/v1/report-settings",
    response_model=ReportSettingsOut,
    summary="Get the report settings",
    responses=problem_responses(401),
)
def get_report_settings(shop: CurrentShop, session: DbSession) -> ReportSettingsOut:
    """Which journals the shop receives, how often, in which format, and where. The SFTP
    password is never returned, only whether there is one."""
    return ReportSettingsOut.of(report_settings.settings_view(session, shop))


@router.put(
    "/v1/report-settings",
    response_model=ReportSettingsOut,
    summary="Replace the report settings",
    responses=problem_responses(401, 422),
)
def put_report_settings(
    body: ReportSettingsIn, shop: CurrentShop, session: DbSession, settings: AppSettings
) -> ReportSettingsOut:
    """Check every field (a refused one is named in `param`, and nothing is stored), then
    store the settings and answer them as stored."""
    stored = report_settings.settings_view(session, shop).local_directory
    if "local_directory" in body.model_fields_set and body.local_directory != stored:
        # A folder on Pointage's own server: its operator sets it, not an API caller.
        raise InvalidInput(
            "the local folder is set by the operator of the Pointage server "
            "(pointage reports settings); leave it out",
            param="local_directory",
        )
    report_settings.save_settings(
        session, shop, body.changes(), _actor(shop.shop_id), secret_key=settings.secret_key
    )
    return ReportSettingsOut.of(report_settings.settings_view(session, shop))


@router.get(
    "/v1/reports",
    response_model=ReportListOut,
    summary="List generated reports",
    responses=problem_responses(401, 422),
)
def list_reports(
    shop: CurrentShop,
    session: DbSession,
    journal: JournalFilter = None,
    period: Annotated[
        date | None, Query(description="Only the reports whose period includes this day")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ReportListOut:
    """The shop's generated journals, latest period first."""
    rows, total = history.reports(
        session, shop, journal=journal, day=period, limit=limit, offset=offset
    )
    return ReportListOut(
        reports=[ReportOut.of(row) for row in rows], total=total, limit=limit, offset=offset
    )


@router.post(
    "/v1/reports",
    response_model=ReportOut,
    status_code=http_status.HTTP_201_CREATED,
    summary="Generate a report now",
    responses=problem_responses(401, 409, 422),
)
def post_report(
    body: GenerateIn, shop: CurrentShop, session: DbSession, settings: AppSettings
) -> ReportOut:
    """Generate a journal of a day or a period that is over. It is kept and listed, not
    sent: re-send it to deliver it. The same journal, period and format twice is a 409."""
    request = on_demand.Request(
        journal=body.journal,
        day=body.date,
        period_start=body.period_start,
        period_end=body.period_end,
        format=body.format,
        encoding=body.encoding,
    )
    report = on_demand.generate_now(
        session,
        shop,
        request,
        reports_dir=Path(settings.reports_dir),
        actor=_actor(shop.shop_id),
        now=datetime.now(UTC),
    )
    return ReportOut.of(report)


@router.get(
    "/v1/reports/{report_id}",
    response_model=ReportOut,
    summary="Get a report",
    responses=problem_responses(401, 404, 422),
)
def get_report(report_id: int, shop: CurrentShop, session: DbSession) -> ReportOut:
    return ReportOut.of(history.report_of_shop(session, shop, report_id))


@router.get(
    "/v1/reports/{report_id}/download",
    response_class=FileResponse,
    summary="Download a report's file",
    responses={
        200: {
            "description": "The file; its SHA-256 in X-Content-SHA256 and Repr-Digest",
            "content": {"text/csv": {}, history.XLSX_MEDIA_TYPE: {}},
        },
        **problem_responses(401, 404, 422),
    },
)
def download_report(
    report_id: int, shop: CurrentShop, session: DbSession, settings: AppSettings
) -> FileResponse:
    report = history.report_of_shop(session, shop, report_id)
    path = history.report_file(report, Path(settings.reports_dir))
    digest = base64.b64encode(bytes.fromhex(report.sha256)).decode()
    return FileResponse(
        path,
        media_type=history.media_type(report),
        filename=report.filename,
        headers={"X-Content-SHA256": report.sha256, "Repr-Digest": f"sha-256=:{digest}:"},
    )


@router.post(
    "/v1/reports/{report_id}/resend",
    response_model=DeliveryListOut,
    status_code=http_status.HTTP_202_ACCEPTED,
    summary="Re-send a report",
    responses=problem_responses(401, 404, 422),
)
def resend_report(
    report_id: int,
    shop: CurrentShop,
    session: DbSession,
    settings: AppSettings,
    request: Request,
    background: BackgroundTasks,
    body: ResendIn | None = None,
) -> DeliveryListOut:
    """New deliveries of the report (the next sequence of each channel), through the
    channels given or every channel the settings fill in. They are tried right after the
    answer; follow them with GET /v1/reports/{id}/deliveries."""
    created = history.resend(
        session,
        shop,
        report_id,
        channels=None if body is None else body.channels,
        actor=_actor(shop.shop_id),
    )
    out = [DeliveryOut.of(delivery, []) for delivery in created]
    # Committed before they are tried: the attempts run in transactions of their own, which
    # on SQLite would otherwise wait for this request's write lock.
    session.commit()
    background.add_task(_deliver_now, request.app.state.session_factory, settings)
    return DeliveryListOut(deliveries=out, total=len(out), limit=len(out), offset=0)


def _deliver_now(factory: sessionmaker[Session], settings: Settings) -> None:
    process_due(factory, settings, now=datetime.now(UTC))


@router.get(
    "/v1/reports/{report_id}/deliveries",
    response_model=DeliveryListOut,
    summary="List a report's deliveries",
    responses=problem_responses(401, 404, 422),
)
def report_deliveries(report_id: int, shop: CurrentShop, session: DbSession) -> DeliveryListOut:
    """Every delivery of the report, scheduled and re-sent, with each attempt and its
    error."""
    report = history.report_of_shop(session, shop, report_id)
    views = history.deliveries(session, report)
    return DeliveryListOut(
        deliveries=[DeliveryOut.of_view(view) for view in views],
        total=len(views),
        limit=len(views),
        offset=0,
    )


@router.get(
    "/v1/report-deliveries",
    response_model=DeliveryListOut,
    summary="List deliveries",
    responses=problem_responses(401, 422),
)
def list_deliveries(
    shop: CurrentShop,
    session: DbSession,
    status: StatusFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DeliveryListOut:
    """The shop's deliveries, newest first; `status=failed` lists those that gave up."""
    views, total = history.deliveries_of_shop(
        session, shop, status=status, limit=limit, offset=offset
    )
    return DeliveryListOut(
        deliveries=[DeliveryOut.of_view(view) for view in views],
        total=total,
        limit=limit,
        offset=offset,
    )
