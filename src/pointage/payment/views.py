"""Cash management (*Gestion de caisse*): the selected shop's production transactions,
newest first, narrowed by the filter form (`payment.views_form`), a page at a time by
keyset cursors in the order of a sortable column (`payment.views_sort`), each line with its
reconciliation indicator and kept up to date while the page is open (`payment.views_live`);
the current filter exported to CSV (streamed) and to Excel (`pointage.report.export`).
docs/backoffice/transactions.md lists the columns."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask

from pointage.core.errors import InvalidInput
from pointage.core.money import to_decimal
from pointage.core.statuses import Mode
from pointage.payment import views_live as live
from pointage.payment.models import Transaction
from pointage.payment.repository import TransactionLinks, TransactionRepository
from pointage.payment.views_form import (
    DISPUTE_CHOICES,
    RECONCILIATION_CHOICES,
    STATUS_CHOICES,
    FilterForm,
    read_form,
)
from pointage.payment.views_sort import SORT_COLUMNS, fetch_sorted
from pointage.reconciliation.service.run import business_today
from pointage.report.export import export_reconciliation, validated
from pointage.shop.models import Shop
from pointage.web.backoffice import CurrentUser, SelectedShop, page_router, render
from pointage.web.deps import DbSession
from pointage.web.formatting import time_zone
from pointage.web.i18n import N_
from pointage.web.pagination import PageRequest
from pointage.web.templating import SECURITY_HEADERS

router = page_router()

PAGE_SIZE = 50
CSV_BATCH = 500
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PRODUCTION = Mode.PRODUCTION.value


@dataclass(frozen=True)
class Indicator:
    """How a reconciliation status is shown: a symbol, a colour (its CSS class) and words;
    never the colour alone."""

    symbol: str
    tone: str
    label: str  # English; translated where shown


INDICATORS = {
    "reconciled": Indicator("✓", "ok", N_("Reconciled")),
    "reconciled_manual": Indicator("✓", "ok-manual", N_("Reconciled by hand")),
    "pending": Indicator("◷", "pending", N_("Pending")),
    "to_review": Indicator("!", "review", N_("To review")),
    "anomaly": Indicator("✕", "anomaly", N_("Anomaly")),
    "not_applicable": Indicator("–", "na", N_("Not applicable")),
}
FILTER_LABELS = {
    "not_applicable": N_("Not applicable"),
    "pending": N_("Pending"),
    "to_review": N_("To review"),
    "reconciled": N_("Reconciled"),
    "reconciled_manual": N_("Reconciled by hand"),
    "anomaly": N_("Anomaly"),
    "yes": N_("Disputed"),
    "no": N_("Not disputed"),
    "na": N_("No dispute possible"),
}

FORM_ERRORS = {
    "date": N_("Enter a date as YYYY-MM-DD."),
    "order": N_("The start date is after the end date."),
    "choice": N_("Choose a value from the list."),
    "order_id": N_("An order id has 1 to 64 characters."),
    "transaction_id": N_("A transaction id has 6 digits."),
    "card": N_("Enter the last 4 digits of the card."),
    "amount": N_("Enter an amount such as 12.50."),
    "amount_order": N_("The minimum amount is above the maximum."),
    "remittance": N_("Enter a remittance number (a whole number)."),
    "sort": N_("The list cannot be sorted this way: choose a column header."),
}


@dataclass(frozen=True)
class Line:
    transaction: Transaction
    remittance_number: int | None
    expected_credit_date: date | None
    indicator: Indicator


def lines_of(session: Session, rows: Sequence[Transaction]) -> list[Line]:
    links = TransactionRepository(session).links([tx.id for tx in rows])
    out = []
    for tx in rows:
        link = links.get(tx.id) or TransactionLinks()
        indicator = INDICATORS.get(tx.reconciliation_status, INDICATORS["not_applicable"])
        out.append(Line(tx, link.remittance_number, link.expected_credit_date, indicator))
    return out


Cursor = Annotated[str | None, Query(max_length=64)]


@router.get("/transactions/changes")
def changes(
    request: Request,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    since: Annotated[str, Query(max_length=40)],
    ids: Annotated[str, Query(max_length=live.MAX_IDS * 33)],
) -> JSONResponse:
    """The lines of these transactions (of the selected shop) changed since `since`, as the
    list shows them, for the page to update them in place."""
    changed = live.changed(session, shop.id, PRODUCTION, live.read_since(since), live.read_ids(ids))
    body = live.answer(request, lines_of(session, changed))
    return JSONResponse(body, headers=SECURITY_HEADERS)


@router.get("/transactions")
def transactions(
    request: Request,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    after: Cursor = None,
    before: Cursor = None,
) -> HTMLResponse:
    form = read_form(request.query_params, shop.timezone)
    context: dict[str, Any] = {
        "form": form,
        "lines": [],
        "older": None,
        "newer": None,
        "status_choices": STATUS_CHOICES,
        "reconciliation_choices": RECONCILIATION_CHOICES,
        "dispute_choices": DISPUTE_CHOICES,
        "filter_labels": FILTER_LABELS,
        "form_errors": FORM_ERRORS,
        "sort_columns": SORT_COLUMNS,
        "live_since": live.since_now(),
        "live_interval": live.POLL_SECONDS * 1000,
        "stamp": live.stamp,
    }
    if form.errors:
        return render(request, "transactions/list.html", context, status_code=400)
    repo = TransactionRepository(session)
    page = PageRequest(PAGE_SIZE, after if before is None else None, before)
    query = repo.listing(shop.id, PRODUCTION, form.filters)
    rows, has_more = fetch_sorted(session, query, shop.id, PRODUCTION, form.sort, page)
    backwards = page.ending_before is not None
    if rows and (has_more or backwards):
        context["older"] = rows[-1].uuid
    if rows and ((has_more and backwards) or (not backwards and page.starting_after)):
        context["newer"] = rows[0].uuid
    context["lines"] = lines_of(session, rows)
    return render(request, "transactions/list.html", context)


def _checked(request: Request, shop: Shop) -> FilterForm:
    form = read_form(request.query_params, shop.timezone)
    if form.errors:
        name = next(iter(form.errors))
        raise InvalidInput(f"the filter {name} is not valid", param=name)
    return form


@router.get("/transactions/export.csv")
def export_csv(
    request: Request, user: CurrentUser, shop: SelectedShop, session: DbSession
) -> StreamingResponse:
    form = _checked(request, shop)
    # The lines are read in transactions of their own while the answer streams.
    session.commit()
    factory: sessionmaker[Session] = request.app.state.session_factory
    stamp = business_today()
    return StreamingResponse(
        _csv_rows(factory, shop.id, shop.timezone, form),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="transactions_{shop.shop_id}_{stamp:%Y%m%d}.csv"'
            )
        },
    )


CSV_COLUMNS = (
    "created_at",
    "transaction_date",
    "transaction_id",
    "order_id",
    "operation_type",
    "status",
    "detailed_status",
    "amount",
    "currency",
    "card_brand",
    "card_masked",
    "remittance_number",
    "expected_credit_date",
    "reconciliation_status",
    "dispute",
    "uuid",
)


def _csv_rows(
    factory: sessionmaker[Session], shop_pk: int, timezone: str, form: FilterForm
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield _drain(buffer)
    cursor: str | None = None
    while True:
        with factory() as session:
            query = TransactionRepository(session).listing(shop_pk, PRODUCTION, form.filters)
            page = PageRequest(CSV_BATCH, cursor, None)
            rows, has_more = fetch_sorted(session, query, shop_pk, PRODUCTION, form.sort, page)
            for line in lines_of(session, rows):
                writer.writerow(_csv_row(line, timezone))
        yield _drain(buffer)
        if not has_more or not rows:
            return
        cursor = rows[-1].uuid


def _csv_row(line: Line, timezone: str) -> list[object]:
    tx = line.transaction
    return [
        _local(tx.created_at, timezone),
        tx.transaction_date.isoformat(),
        tx.transaction_id,
        tx.order_id or "",
        tx.operation_type,
        tx.status,
        tx.detailed_status,
        str(to_decimal(tx.amount_minor, tx.currency)),
        tx.currency,
        tx.card_brand or "",
        tx.card_masked or "",
        "" if line.remittance_number is None else line.remittance_number,
        "" if line.expected_credit_date is None else line.expected_credit_date.isoformat(),
        tx.reconciliation_status,
        tx.dispute_flag,
        tx.uuid,
    ]


def _local(value: datetime, timezone: str) -> str:
    return value.astimezone(time_zone(timezone)).isoformat(timespec="seconds")


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


@router.get("/transactions/export.xlsx")
def export_xlsx(
    request: Request, user: CurrentUser, shop: SelectedShop, session: DbSession
) -> FileResponse:
    form = _checked(request, shop)
    if not form.excel_covers:
        raise InvalidInput(
            "the Excel export does not filter by transaction id or card digits",
            param="transaction_id" if form.values["transaction_id"] else "card",
        )
    filters = validated(form.export_filters(shop.shop_id))
    session.commit()  # the export reads in transactions of its own
    today = business_today()
    handle, name = tempfile.mkstemp(prefix="pointage-export-", suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        export_reconciliation(request.app.state.session_factory, filters, path, today=today)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type=XLSX_MEDIA_TYPE,
        filename=f"reconciliation_{shop.shop_id}_{today:%Y%m%d}.xlsx",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
