"""JSON routes of reconciliation runs (docs/api/reconciliation.md): start one, list them,
read one, list what it left open.

A shop authenticates; a run covers every account of the shop's merchant, and another
merchant's run reads as absent (404). What a run left open is listed to a shop only for its
own contracts' remittances and the accounts its contracts credit.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from pointage.core.errors import InvalidInput, NotFound
from pointage.matching.model import OpenReason
from pointage.reconciliation.api_lists import RunId
from pointage.reconciliation.engine_settings import engine_settings
from pointage.reconciliation.models import ReconciliationRun, RunOpenItem, RunStatus, RunTrigger
from pointage.reconciliation.repository import lists as queries
from pointage.reconciliation.repository import run_history
from pointage.reconciliation.schemas_runs import OpenItemOut, RunIn, RunOut
from pointage.reconciliation.service.run import business_today, reconcile_all
from pointage.web.auth import CurrentShop
from pointage.web.cursors import int_cursor
from pointage.web.deps import AppSettings, DbSession
from pointage.web.errors import problem, problem_responses
from pointage.web.pagination import Keyset, Page, PageParams, fetch_page

router = APIRouter(tags=["reconciliation"])


@router.post(
    "/v1/reconciliation/runs",
    response_model=RunOut,
    status_code=status.HTTP_201_CREATED,
    summary="Run reconciliation",
    responses={
        200: {"description": "A dry run: what a run would do; nothing is stored"},
        500: {"description": "The run failed; the failure is recorded as a failed run"},
        **problem_responses(401, 422),
    },
)
def post_run(
    body: RunIn,
    shop: CurrentShop,
    session: DbSession,
    settings: AppSettings,
    request: Request,
    response: Response,
) -> RunOut | JSONResponse:
    """Reconcile the merchant's open remittances and bank entries now, as of
    `business_date`, and answer what the run did. A dry run answers the same and stores
    nothing."""
    today = business_today()
    day = body.business_date or today
    if day > today:
        raise InvalidInput("a run cannot be as of a day still to come", param="business_date")
    actor = f"api:{shop.shop_id}"
    # The run owns its transactions (the run's, and one to record a failure): the
    # request's, which only authenticated the shop, ends first, or on SQLite the run
    # would wait for the write lock this request holds.
    session.commit()
    [report] = reconcile_all(
        request.app.state.session_factory,
        trigger=RunTrigger.API,
        actor=actor,
        today=day,
        dry_run=body.dry_run,
        merchant_ids=[shop.merchant_id],
        settings=engine_settings(settings),
    )
    if report.status is RunStatus.FAILED:
        name = f" #{report.run_id}" if report.run_id is not None else ""
        return problem(
            500,
            "Reconciliation failed",
            f"the reconciliation run{name} failed: {report.error}",
            code="reconciliation_failed",
        )
    if report.run_id is None:
        response.status_code = status.HTTP_200_OK
        return RunOut.of_dry_run(report, actor)
    run = run_history.run_of_merchant(session, report.run_id, shop.merchant_id)
    assert run is not None  # just committed by this request
    return RunOut.of_row(run, report)


@router.get(
    "/v1/reconciliation/runs",
    response_model=Page[RunOut],
    summary="List reconciliation runs",
    responses=problem_responses(401, 404, 422),
)
def list_runs(
    shop: CurrentShop,
    session: DbSession,
    page: PageParams,
    status: Annotated[RunStatus | None, Query(description="Only runs in this status")] = None,
    trigger: Annotated[RunTrigger | None, Query(description="Only runs started this way")] = None,
) -> Page[RunOut]:
    """The runs of the shop's merchant, newest first."""

    def position(cursor: str) -> tuple[int, int] | None:
        pk = int_cursor(cursor)
        run = None if pk is None else run_history.run_of_merchant(session, pk, shop.merchant_id)
        return None if run is None else (run.id, run.id)

    query = queries.runs_query(
        shop.merchant_id,
        status=status.value if status else None,
        trigger=trigger.value if trigger else None,
    )
    keyset = Keyset(ReconciliationRun.id, ReconciliationRun.id, position)
    runs, has_more = fetch_page(session, query, keyset, page)
    return Page(data=[RunOut.of_row(run) for run in runs], has_more=has_more)


@router.get(
    "/v1/reconciliation/runs/{run_id}",
    response_model=RunOut,
    summary="Get a reconciliation run",
    responses=problem_responses(401, 404, 422),
)
def get_run(run_id: RunId, shop: CurrentShop, session: DbSession) -> RunOut:
    """A run of the shop's merchant: what it did, in numbers. What it left open is listed
    by `GET /v1/reconciliation/runs/{run_id}/open-items`."""
    return RunOut.of_row(_run(session, run_id, shop.merchant_id))


@router.get(
    "/v1/reconciliation/runs/{run_id}/open-items",
    response_model=Page[OpenItemOut],
    summary="List what a run left open",
    responses=problem_responses(401, 404, 422),
)
def list_open_items(
    run_id: RunId,
    shop: CurrentShop,
    session: DbSession,
    page: PageParams,
    kind: Annotated[
        Literal["entry", "remittance"] | None, Query(description="Only entries or remittances")
    ] = None,
    reason: Annotated[OpenReason | None, Query(description="Only this reason")] = None,
) -> Page[OpenItemOut]:
    """The bank entries and remittances the run left open, and why: among the shop's
    remittances and the entries of the accounts its contracts credit; the last recorded
    first."""
    run = _run(session, run_id, shop.merchant_id)
    query = queries.open_items_query(
        run.id, shop.id, kind=kind, reason=reason.value if reason else None
    )

    def position(cursor: str) -> tuple[int, int] | None:
        pk = int_cursor(cursor)
        return None if pk is None else queries.open_item_position(session, run.id, shop.id, pk)

    keyset = Keyset(RunOpenItem.id, RunOpenItem.id, position)
    items, has_more = fetch_page(session, query, keyset, page)
    rows = run_history.open_item_rows(session, [item.id for item in items])
    return Page(data=[OpenItemOut.of(row) for row in rows], has_more=has_more)


def _run(session: Session, run_id: int, merchant_id: int) -> ReconciliationRun:
    run = run_history.run_of_merchant(session, run_id, merchant_id)
    if run is None:
        raise NotFound(f"reconciliation run {run_id} not found", param="run_id")
    return run
