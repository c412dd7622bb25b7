"""JSON routes of reconciliation runs (docs/reconciliation.md): start one, list them, read
one with what it left open.

A shop authenticates; a run covers every account of the shop's merchant, and another
merchant's run reads as absent (404). What a run left open is listed to a shop only for its
own contracts' remittances and the accounts its contracts credit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse

from pointage.core.errors import InvalidInput, NotFound
from pointage.reconciliation.engine_settings import engine_settings
from pointage.reconciliation.models import RunStatus, RunTrigger
from pointage.reconciliation.repository import run_history
from pointage.reconciliation.schemas_runs import (
    OpenItemOut,
    RunDetailOut,
    RunIn,
    RunListOut,
    RunOut,
)
from pointage.reconciliation.service.run import business_today, reconcile_all
from pointage.web.auth import CurrentShop
from pointage.web.deps import AppSettings, DbSession
from pointage.web.errors import problem, problem_responses

router = APIRouter(tags=["reconciliation"])

Limit = Annotated[int, Query(ge=1, le=500, description="At most this many")]
Offset = Annotated[int, Query(ge=0, description="Skip this many first")]


@router.post(
    "/v1/reconciliation-runs",
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
    "/v1/reconciliation-runs",
    response_model=RunListOut,
    summary="List reconciliation runs",
    responses=problem_responses(401, 422),
)
def list_runs(
    shop: CurrentShop, session: DbSession, limit: Limit = 50, offset: Offset = 0
) -> RunListOut:
    """The runs of the shop's merchant, newest first."""
    runs, total = run_history.runs_of_merchant(
        session, shop.merchant_id, limit=limit, offset=offset
    )
    return RunListOut(
        runs=[RunOut.of_row(run) for run in runs], total=total, limit=limit, offset=offset
    )


@router.get(
    "/v1/reconciliation-runs/{run_id}",
    response_model=RunDetailOut,
    summary="Get a reconciliation run",
    responses=problem_responses(401, 404, 422),
)
def get_run(
    run_id: int, shop: CurrentShop, session: DbSession, limit: Limit = 100, offset: Offset = 0
) -> RunDetailOut:
    """A run of the shop's merchant, with what it left open and why."""
    run = run_history.run_of_merchant(session, run_id, shop.merchant_id)
    if run is None:
        raise NotFound(f"reconciliation run {run_id} not found", param="run_id")
    items, total = run_history.open_items_of_shop(
        session, run.id, shop.id, limit=limit, offset=offset
    )
    return RunDetailOut(
        **RunOut.of_row(run).model_dump(),
        open_items=[OpenItemOut.of(item) for item in items],
        open_items_total=total,
        limit=limit,
        offset=offset,
    )
