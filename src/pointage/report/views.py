"""Report pages (/reports): the daily journals' history with download and re-send, failed
deliveries, and report settings per shop.

Everything is the selected shop's: another shop's report is not found (404), exactly like a
report that does not exist. Every role may read and download (`Action.EXPORT`); re-sending
and changing the settings are for the roles that manage reports (`Action.MANAGE_REPORTS`:
administrators and accountants): a read-only user sees no button and is refused (403) if
they post anyway. An action the service refuses is told next to its field, nothing changed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask

from pointage.auth.models import User
from pointage.auth.service.users import Action, can, require
from pointage.core.errors import InvalidInput, NotFound
from pointage.report import repository
from pointage.report import views_settings as settings_form
from pointage.report.delivery.service import process_due
from pointage.report.models import Channel, GeneratedReport
from pointage.report.service import history, on_demand
from pointage.report.service import settings as report_settings
from pointage.report.service.generate import ReportExists
from pointage.report.views_generate import GenerateForm, read_generate
from pointage.report.views_generate import refused as refused_generation
from pointage.report.views_history import configured, failed_deliveries, read_history_filter
from pointage.settings import Settings
from pointage.shop.models import Shop
from pointage.web.backoffice import CurrentUser, SelectedShop, gettext_for, page_router, render
from pointage.web.cursors import int_cursor
from pointage.web.deps import AppSettings, DbSession
from pointage.web.i18n import N_
from pointage.web.pagination import Keyset, PageRequest, fetch_page
from pointage.web.session import flash
from pointage.web.templating import SECURITY_HEADERS, redirect

router = page_router()

PAGE_SIZE = 50
HOME = "/reports"
Cursor = Annotated[str | None, Query(max_length=64)]
FormText = Annotated[str, Form()]
FormList = Annotated[list[str], Form()]

JOURNAL_LABELS = {
    "jt": N_("Transactions journal (JT)"),
    "jo": N_("Operations journal (JO)"),
    "jrb": N_("Bank reconciliation journal (JRB)"),
    "jri": N_("Chargebacks journal (JRI)"),
    "remittances": N_("Remittance tracking"),
}
FREQUENCY_LABELS = {
    "daily": N_("Every day"),
    "weekly": N_("Every week (Monday to Sunday)"),
    "monthly": N_("Every month"),
    "none": N_("Never: on demand only"),
}
FORMAT_LABELS = {"csv": N_("CSV"), "xlsx": N_("Excel (XLSX)")}
ENCODING_LABELS = {"utf-8": N_("UTF-8"), "iso-8859-15": N_("ISO-8859-15 (Latin-9)")}

# The message of each error of the settings form (views_settings), in English; translated
# where shown.
FIELD_ERRORS = {
    "journals": N_("Choose journals from the list."),
    "frequency": N_("Choose a value from the list."),
    "format": N_("Choose a value from the list."),
    "encoding": N_("Choose a value from the list."),
    "filename_pattern": N_(
        "Write a file name with {period} and {ext}, using only the fields {journal}, {shop}, "
        "{shop_id}, {period}, {ext}, letters, digits, spaces, _, - and dots."
    ),
    "email_recipients": N_("Enter valid e-mail addresses, one per line, at most 20."),
    "sftp_host": N_("Enter a host name or an IP address, without scheme, port or path."),
    "sftp_port": N_("Enter a whole number from 1 to 65535."),
    "sftp_username": N_("Enter 1 to 100 letters, digits or the signs . _ @ + -"),
    "sftp_password": N_("Enter 1 to 200 characters without control characters."),
    "sftp_host_key": N_("Enter the server public key in OpenSSH format (ssh-ed25519 AAAA…)."),
    "sftp_directory": N_("Enter an absolute folder, starting with /, without “..”."),
    settings_form.NEEDED: N_("An SFTP destination needs this field."),
    settings_form.HOST_NEEDED: N_("Enter the SFTP host, or leave the other SFTP fields empty."),
}
CHANNEL_LABELS = {
    "email": N_("E-mail"),
    "sftp": N_("SFTP"),
    "local": N_("Folder on the server"),
}
# A delivery's status: a symbol and words (its colour, from app.css, only adds).
DELIVERY_STATUSES = {
    "pending": ("◷", "pending", N_("Pending")),
    "delivered": ("✓", "ok", N_("Delivered")),
    "failed": ("✕", "anomaly", N_("Failed")),
}
FILTER_ERRORS = {
    "journal": N_("Choose a value from the list."),
    "period": N_("Enter a date as YYYY-MM-DD."),
}
GENERATE_ERRORS = {
    "choice": N_("Choose a value from the list."),
    "required": N_("Enter the first day of the period."),
    "date": N_("Enter a date as YYYY-MM-DD."),
    "order": N_("The start date is after the end date."),
    "too_long": N_("A period is at most 366 days."),
    "not_over": N_("The period must be over: it must end before today."),
    "exists": N_("This report was generated already."),
    "refused": N_("The file name pattern of the report settings makes no valid name here."),
}
RESEND_ERRORS = {
    "none": N_("Choose at least one channel."),
    "unconfigured": N_("This channel is not configured in the report settings."),
}


def _actor(user: User) -> str:
    return f"user:{user.email}"


# -- the history ---------------------------------------------------------------------------


def _common(user: User) -> dict[str, Any]:
    return {
        "may_manage": can(user, Action.MANAGE_REPORTS),
        "journal_labels": JOURNAL_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "delivery_statuses": DELIVERY_STATUSES,
    }


@router.get(HOME)
def reports(
    request: Request,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    after: Cursor = None,
    before: Cursor = None,
) -> HTMLResponse:
    require(user, Action.VIEW)
    found = read_history_filter(request.query_params)
    failed, failed_total = failed_deliveries(session, shop)
    context: dict[str, Any] = {
        **_common(user),
        "filter": found,
        "filter_errors": FILTER_ERRORS,
        "journal_choices": settings_form.JOURNAL_CHOICES,
        "rows": [],
        "older": None,
        "newer": None,
        "failed": failed,
        "failed_total": failed_total,
        "channels": configured(session, shop),
    }
    if found.errors:
        return render(request, "reports/list.html", context, status_code=400)

    def position(cursor: str) -> tuple[date, int] | None:
        pk = int_cursor(cursor)
        return None if pk is None else repository.report_position(session, shop.id, pk)

    page = PageRequest(PAGE_SIZE, after if before is None else None, before)
    rows, has_more = fetch_page(
        session,
        repository.reports_query(shop.id, journal=found.journal, day=found.day),
        Keyset(GeneratedReport.period_end, GeneratedReport.id, position),
        page,
    )
    backwards = page.ending_before is not None
    if rows and (has_more or backwards):
        context["older"] = rows[-1].id
    if rows and ((has_more and backwards) or (not backwards and page.starting_after)):
        context["newer"] = rows[0].id
    context["rows"] = rows
    return render(request, "reports/list.html", context)


# -- the settings (declared before /reports/{report_id}) -------------------------------------


def _settings_page(
    request: Request,
    user: User,
    session: Session,
    shop: Shop,
    form: settings_form.SettingsForm,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    view = report_settings.settings_view(session, shop)
    context = {
        "form": form,
        "view": view,
        "may_manage": can(user, Action.MANAGE_REPORTS),
        "journal_choices": settings_form.JOURNAL_CHOICES,
        "journal_labels": JOURNAL_LABELS,
        "frequency_choices": settings_form.FREQUENCY_CHOICES,
        "frequency_labels": FREQUENCY_LABELS,
        "format_choices": settings_form.FORMAT_CHOICES,
        "format_labels": FORMAT_LABELS,
        "encoding_choices": settings_form.ENCODING_CHOICES,
        "encoding_labels": ENCODING_LABELS,
        "field_errors": FIELD_ERRORS,
    }
    return render(request, "reports/settings.html", context, status_code=status_code)


@router.get(HOME + "/settings")
def settings_page(
    request: Request, user: CurrentUser, shop: SelectedShop, session: DbSession
) -> HTMLResponse:
    require(user, Action.VIEW)
    form = settings_form.shown(report_settings.settings_view(session, shop))
    return _settings_page(request, user, session, shop, form)


@router.post(HOME + "/settings")
def save_settings(
    request: Request,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    settings: AppSettings,
    posted: Annotated[settings_form.Posted, Form()],
) -> Response:
    require(user, Action.MANAGE_REPORTS)
    form = settings_form.read(posted)
    if not form.errors:
        try:
            with session.begin_nested():
                report_settings.save_settings(
                    session, shop, form.changes, _actor(user), secret_key=settings.secret_key
                )
        except InvalidInput as exc:
            settings_form.refused(form, exc)
    if form.errors:
        return _settings_page(request, user, session, shop, form, status_code=400)
    _ = gettext_for(request)
    flash(request, _("The report settings are saved."))
    return redirect(HOME + "/settings")


# -- on demand (declared before /reports/{report_id}) ----------------------------------------


def _generate_page(
    request: Request, session: Session, shop: Shop, form: GenerateForm, *, status_code: int = 200
) -> HTMLResponse:
    context = {
        "form": form,
        "errors": GENERATE_ERRORS,
        "journal_choices": settings_form.JOURNAL_CHOICES,
        "journal_labels": JOURNAL_LABELS,
        "format_choices": settings_form.FORMAT_CHOICES,
        "format_labels": FORMAT_LABELS,
    }
    return render(request, "reports/generate.html", context, status_code=status_code)


@router.get(HOME + "/generate")
def generate_page(
    request: Request, user: CurrentUser, shop: SelectedShop, session: DbSession
) -> HTMLResponse:
    require(user, Action.MANAGE_REPORTS)
    view = report_settings.settings_view(session, shop)
    form = GenerateForm({"journal": "jt", "first": "", "last": "", "format": view.format})
    return _generate_page(request, session, shop, form)


@router.post(HOME + "/generate")
def generate(
    request: Request,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    settings: AppSettings,
    journal: FormText = "",
    first: FormText = "",
    last: FormText = "",
    format: FormText = "",
) -> Response:
    require(user, Action.MANAGE_REPORTS)
    form = read_generate(journal, first, last, format)
    report: GeneratedReport | None = None
    if not form.errors and form.first is not None and form.last is not None:
        wanted = on_demand.Request(
            journal=form.values["journal"],
            period_start=form.first,
            period_end=form.last,
            format=form.values["format"],
        )
        try:
            with session.begin_nested():
                report = on_demand.generate_now(
                    session,
                    shop,
                    wanted,
                    reports_dir=Path(settings.reports_dir),
                    actor=_actor(user),
                    now=datetime.now(UTC),
                )
        except (ReportExists, InvalidInput) as exc:
            refused_generation(form, exc)
    if form.errors or report is None:
        return _generate_page(request, session, shop, form, status_code=400)
    _ = gettext_for(request)
    flash(
        request, _("The report is generated. It is kept here, not sent: re-send it to deliver it.")
    )
    return redirect(f"{HOME}/{report.id}")


# -- one report ----------------------------------------------------------------------------


def _own(session: Session, shop: Shop, report_id: str) -> GeneratedReport:
    pk = int_cursor(report_id)
    if pk is None:
        raise NotFound(f"report {report_id!r} not found", param="report_id")
    return history.report_of_shop(session, shop, pk)


def _report_page(
    request: Request,
    user: User,
    session: Session,
    shop: Shop,
    report: GeneratedReport,
    *,
    error: str | None = None,
    chosen: list[str] | None = None,
) -> HTMLResponse:
    channels = configured(session, shop)
    context = {
        **_common(user),
        "report": report,
        "deliveries": history.deliveries(session, report),
        "channels": channels,
        "chosen": channels if chosen is None else chosen,
        "error": error,
        "resend_errors": RESEND_ERRORS,
    }
    return render(
        request, "reports/detail.html", context, status_code=200 if error is None else 400
    )


@router.get(HOME + "/{report_id}")
def report_page(
    request: Request, report_id: str, user: CurrentUser, shop: SelectedShop, session: DbSession
) -> HTMLResponse:
    require(user, Action.VIEW)
    return _report_page(request, user, session, shop, _own(session, shop, report_id))


@router.get(HOME + "/{report_id}/download")
def download(
    report_id: str,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    settings: AppSettings,
) -> FileResponse:
    require(user, Action.EXPORT)
    report = _own(session, shop, report_id)
    path = history.report_file(report, Path(settings.reports_dir))
    return FileResponse(
        path,
        media_type=history.media_type(report),
        filename=report.filename,
        headers={**SECURITY_HEADERS, "X-Content-SHA256": report.sha256},
    )


@router.post(HOME + "/{report_id}/resend")
def resend(
    request: Request,
    report_id: str,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    settings: AppSettings,
    channels: FormList = [],  # noqa: B006 - FastAPI copies a Form default per request
    back: FormText = "",
) -> Response:
    require(user, Action.MANAGE_REPORTS)
    report = _own(session, shop, report_id)
    wanted = list(dict.fromkeys(channels))
    known = {channel.value for channel in Channel}
    if not wanted or not set(wanted) <= known:
        return _report_page(request, user, session, shop, report, error="none", chosen=wanted)
    try:
        with session.begin_nested():
            created = history.resend(session, shop, report.id, channels=wanted, actor=_actor(user))
    except InvalidInput:
        return _report_page(
            request, user, session, shop, report, error="unconfigured", chosen=wanted
        )
    # Committed before they are tried: the attempts run in transactions of their own.
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Re-send requested: %(count)s new deliveries.") % {"count": len(created)})
    target = HOME if back == "list" else f"{HOME}/{report.id}"
    response = redirect(target)
    response.background = BackgroundTask(_deliver_now, request.app.state.session_factory, settings)
    return response


def _deliver_now(factory: sessionmaker[Session], settings: Settings) -> None:
    process_due(factory, settings, now=datetime.now(UTC))
