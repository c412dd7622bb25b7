"""JSON routes of reports (docs/api/reports.md): the shop's report settings, the journals
generated for it (list, generate now, download, re-send) and their deliveries. Lists are
paged with cursors (web.pagination), newest first.

A shop authenticates and sees only its own settings, reports and deliveries: another
shop's report is a 404, exactly like a report that does not exist.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi import Path as PathParameter
from fastapi import status as http_status
from fastapi.responses import FileResponse
from sqlalchemy import Select
from sqlalchemy.orm import Session, sessionmaker

from pointage.core.errors import InvalidInput
from pointage.report import repository
from pointage.report.delivery.service import process_due
from pointage.report.models import Delivery, GeneratedReport
from pointage.report.schemas import (
    DeliveryOut,
    GenerateIn,
    ReportOut,
    ReportSettingsIn,
    ReportSettingsOut,
    ResendIn,
)
from pointage.report.service import history, on_demand
from pointage.report.service import settings as report_settings
from pointage.settings import Settings
from pointage.web.auth import CurrentShop
from pointage.web.cursors import int_cursor
from pointage.web.deps import AppSettings, DbSession
from pointage.web.errors import problem_responses
from pointage.web.ids import MAX_ID
from pointage.web.pagination import Keyset, Page, PageParams, PageRequest, fetch_page

router = APIRouter(tags=["reports"])

JournalFilter = Annotated[
    Literal["jt", "jo", "jrb", "jri", "remittances"] | None,
    Query(description="Only this journal"),
]
ReportId = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The report's id")]
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
    response_model=Page[ReportOut],
    summary="List generated reports",
    responses=problem_responses(401, 404, 422),
)
def list_reports(
    shop: CurrentShop,
    session: DbSession,
    page: PageParams,
    journal: JournalFilter = None,
    period: Annotated[
        date | None, Query(description="Only the reports whose period includes this day")
    ] = None,
) -> Page[ReportOut]:
    """The shop's generated journals, latest period first (then latest generated)."""

    def position(cursor: str) -> tuple[date, int] | None:
        pk = int_cursor(cursor)
        return None if pk is None else repository.report_position(session, shop.id, pk)

    query = repository.reports_query(shop.id, journal=journal, day=period)
    keyset = Keyset(GeneratedReport.period_end, GeneratedReport.id, position)
    rows, has_more = fetch_page(session, query, keyset, page)
    return Page(data=[ReportOut.of(row) for row in rows], has_more=has_more)


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
def get_report(report_id: ReportId, shop: CurrentShop, session: DbSession) -> ReportOut:
    """A journal generated for the shop: its period, format, file name, size, SHA-256 and
    where to download it."""
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
    report_id: ReportId, shop: CurrentShop, session: DbSession, settings: AppSettings
) -> FileResponse:
    """The report's file as it was generated (CSV in its encoding, or XLSX), with its
    SHA-256 in `X-Content-SHA256` and `Repr-Digest`; 404 once the file is no longer kept."""
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
    response_model=Page[DeliveryOut],
    status_code=http_status.HTTP_202_ACCEPTED,
    summary="Re-send a report",
    responses=problem_responses(401, 404, 422),
)
def resend_report(
    report_id: ReportId,
    shop: CurrentShop,
    session: DbSession,
    settings: AppSettings,
    request: Request,
    background: BackgroundTasks,
    body: ResendIn | None = None,
) -> Page[DeliveryOut]:
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
    return Page(data=out, has_more=False)


def _deliver_now(factory: sessionmaker[Session], settings: Settings) -> None:
    process_due(factory, settings, now=datetime.now(UTC))


@router.get(
    "/v1/reports/{report_id}/deliveries",
    response_model=Page[DeliveryOut],
    summary="List a report's deliveries",
    responses=problem_responses(401, 404, 422),
)
def report_deliveries(
    report_id: ReportId,
    shop: CurrentShop,
    session: DbSession,
    page: PageParams,
    status: StatusFilter = None,
) -> Page[DeliveryOut]:
    """The deliveries of the report, scheduled and re-sent, newest first, each with its
    attempts and their errors."""
    report = history.report_of_shop(session, shop, report_id)
    query = repository.deliveries_query(shop.id, report_id=report.id, status=status)
    return _deliveries_page(session, query, shop.id, page, report_id=report.id)


@router.get(
    "/v1/report-deliveries",
    response_model=Page[DeliveryOut],
    summary="List deliveries",
    responses=problem_responses(401, 404, 422),
)
def list_deliveries(
    shop: CurrentShop, session: DbSession, page: PageParams, status: StatusFilter = None
) -> Page[DeliveryOut]:
    """The shop's deliveries of every report, newest first; `status=failed` lists those
    that gave up."""
    query = repository.deliveries_query(shop.id, status=status)
    return _deliveries_page(session, query, shop.id, page)


def _deliveries_page(
    session: Session,
    query: Select[Delivery],
    shop_pk: int,
    page: PageRequest,
    *,
    report_id: int | None = None,
) -> Page[DeliveryOut]:
    def position(cursor: str) -> tuple[int, int] | None:
        pk = int_cursor(cursor)
        if pk is None:
            return None
        return repository.delivery_position(session, shop_pk, pk, report_id)

    keyset = Keyset(Delivery.id, Delivery.id, position)
    rows, has_more = fetch_page(session, query, keyset, page)
    views = history.deliveries_by_ids(session, [row.id for row in rows])
    by_id = {view.delivery.id: view for view in views}
    return Page(data=[DeliveryOut.of_view(by_id[row.id]) for row in rows], has_more=has_more)
