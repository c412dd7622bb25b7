"""The reconciliation export over HTTP: `GET /v1/exports/reconciliation.xlsx` (docs/exports.md).

A shop authenticates and exports its own transactions only: naming another shop answers 404
as a missing one does. The workbook is written to a temporary file, streamed back, and the
file deleted once sent.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from pointage.core.errors import NotFound
from pointage.reconciliation.service.run import business_today
from pointage.report.export import ExportFilters, export_reconciliation, validated
from pointage.web.auth import CurrentShop
from pointage.web.deps import DbSession
from pointage.web.errors import problem_responses

router = APIRouter(tags=["exports"])

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Far above any amount and remittance number, and inside what the database compares.
MAX_AMOUNT = 10**15
MAX_NUMBER = 2**31 - 1


@router.get(
    "/v1/exports/reconciliation.xlsx",
    response_class=FileResponse,
    summary="Export the reconciliation state to Excel",
    responses={
        200: {
            "description": "The workbook: a Transactions sheet and a Summary sheet",
            "content": {XLSX_MEDIA_TYPE: {}},
        },
        **problem_responses(401, 404, 422),
    },
)
def reconciliation_xlsx(
    shop: CurrentShop,
    session: DbSession,
    request: Request,
    shops: Annotated[
        list[str] | None, Query(alias="shop", description="Only the caller's own shop id")
    ] = None,
    date_from: Annotated[
        date | None, Query(alias="from", description="Transaction date from (YYYY-MM-DD)")
    ] = None,
    date_to: Annotated[
        date | None, Query(alias="to", description="Transaction date up to (YYYY-MM-DD)")
    ] = None,
    status: Annotated[
        list[str] | None, Query(description="PAID, RUNNING, UNPAID or ABANDONED (repeatable)")
    ] = None,
    reconciliation_status: Annotated[
        list[str] | None,
        Query(
            description="not_applicable, pending, to_review, reconciled, reconciled_manual or"
            " anomaly (repeatable)"
        ),
    ] = None,
    dispute: Annotated[list[str] | None, Query(description="yes, no or na (repeatable)")] = None,
    order_id: Annotated[str | None, Query(description="This order id only")] = None,
    amount_min: Annotated[
        int | None, Query(ge=0, le=MAX_AMOUNT, description="Amount from, in minor units")
    ] = None,
    amount_max: Annotated[
        int | None, Query(ge=0, le=MAX_AMOUNT, description="Amount up to, in minor units")
    ] = None,
    remittance_number: Annotated[
        int | None, Query(ge=0, le=MAX_NUMBER, description="This remittance number")
    ] = None,
) -> FileResponse:
    """One line per transaction of the shop with its remittance, expected and actual
    credit dates, reconciliation status, bank entry and evidence; a summary sheet with
    totals by status and the ageing of payments awaiting credit."""
    filters = validated(
        ExportFilters(
            shop_ids=tuple(shops or ()),
            date_from=date_from,
            date_to=date_to,
            statuses=tuple(status or ()),
            reconciliation_statuses=tuple(reconciliation_status or ()),
            disputes=tuple(dispute or ()),
            order_id=order_id,
            amount_min=amount_min,
            amount_max=amount_max,
            remittance_number=remittance_number,
        )
    )
    for named in filters.shop_ids:
        if named != shop.shop_id:
            # Another shop's data reads as absent, exactly as a shop that does not exist.
            raise NotFound(f"shop {named} not found", param="shop")
    filters = replace(filters, shop_ids=(shop.shop_id,))
    # The export reads in transactions of its own: the request's, which only authenticated
    # the shop, ends first (on SQLite it holds the write lock the export's reads take).
    session.commit()
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
