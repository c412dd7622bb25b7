"""JSON routes of the payment domain: ingestion from the payment page and the gateway's IPN,
the transaction list and detail; the operations (payment.api_operations) are included here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status

from pointage.core.errors import InvalidInput, NotFound
from pointage.core.statuses import OperationSource
from pointage.payment import api_operations, ipn
from pointage.payment.api_list import ListFilters, transaction_page
from pointage.payment.filters import read as read_filters
from pointage.payment.repository import TransactionRepository, row_with_links, with_links_by_uuid
from pointage.payment.schemas import IpnAck, IpnTransactionResult, TransactionIn, TransactionOut
from pointage.payment.service import Actor, IncomingTransaction, ingest
from pointage.web.auth import BASIC, BEARER, CurrentCaller, QuickCaller, quick_security
from pointage.web.deps import AppSettings, DbSession, read_rows, reads_only
from pointage.web.errors import problem_responses
from pointage.web.pagination import Page, PageParams

router = APIRouter()


@router.post(
    "/v1/transactions",
    response_model=TransactionOut,
    status_code=status.HTTP_201_CREATED,
    tags=["transactions"],
    summary="Record a transaction",
    responses={
        200: {"description": "Already known: the report changed nothing or moved it on"},
        **problem_responses(401, 404, 409, 422),
    },
)
def post_transaction(
    body: TransactionIn, caller: CurrentCaller, session: DbSession, response: Response
) -> TransactionOut:
    """Record a transaction as the payment page reports it (idempotent on `uuid`), in the
    mode of the key: a test-mode key records test-mode transactions."""
    shop = caller.shop
    incoming = IncomingTransaction(
        uuid=body.uuid,
        transaction_id=body.transaction_id,
        order_id=body.order_id,
        operation_type=body.operation_type,
        amount_minor=body.amount,
        original_amount_minor=body.original_amount,
        currency=body.currency,
        detailed_status=body.detailed_status,
        card_brand=body.card_brand,
        card_masked=body.card_masked,
        authorisation_number=body.authorisation_number,
        customer_reference=body.customer_reference,
        created_at=body.created_at or datetime.now(UTC),
        expected_capture_date=body.expected_capture_date,
        contract_number=body.contract_number,
        parent_uuid=body.parent_uuid,
        mode=caller.mode,
    )
    result = ingest(session, shop, incoming, Actor(f"api:{shop.shop_id}", OperationSource.API))
    if not result.created:
        response.status_code = status.HTTP_200_OK
    links = TransactionRepository(session).links([result.transaction.id])
    return TransactionOut.of(result.transaction, shop.shop_id, links.get(result.transaction.id))


@router.get(
    "/v1/transactions",
    response_model=Page[TransactionOut],
    tags=["transactions"],
    summary="List transactions",
    responses=problem_responses(401, 404, 422),
)
@reads_only
def list_transactions(
    caller: CurrentCaller, session: DbSession, page: PageParams, raw: ListFilters
) -> Page[TransactionOut]:
    """The shop's transactions in the key's mode, newest first (creation time, then id),
    narrowed by the filters. The cursors are transaction uuids."""
    shop = caller.shop
    filters = read_filters(raw, shop.timezone)
    repo = TransactionRepository(session)
    mode = caller.mode.value
    return transaction_page(
        session,
        repo.listing(shop.id, mode, filters),
        lambda uuid: repo.position(shop.id, mode, uuid),
        page,
        shop.shop_id,
    )


@router.get(
    "/v1/transactions/{uuid}",
    response_model=TransactionOut,
    tags=["transactions"],
    summary="Get a transaction",
    responses=problem_responses(401, 404),
    openapi_extra=quick_security(BEARER, BASIC),
)
async def get_transaction(uuid: str, caller: QuickCaller, request: Request) -> Response:
    """One transaction of the authenticated shop, in the key's mode."""
    # A quick read: on SQLite on the event loop, without a worker thread (web.deps.read_rows).
    # Another shop's (or mode's) transaction is not found, exactly as one that does not exist.
    values = {"uuid": uuid, "shop_pk": caller.shop.id, "mode": caller.mode.value}
    rows = await read_rows(request, with_links_by_uuid(), values)
    if not rows:
        raise NotFound(f"transaction {uuid} not found", param="uuid")
    tx, links = row_with_links(rows[0])
    answer = TransactionOut.of(tx, caller.shop.shop_id, links)
    return Response(answer.model_dump_json(), media_type="application/json")


@router.post(
    "/ipn",
    response_model=IpnAck,
    tags=["notifications"],
    summary="Receive a gateway notification (IPN)",
    responses=problem_responses(401, 404, 409, 422),
)
def post_ipn(
    session: DbSession,
    settings: AppSettings,
    kr_answer: Annotated[str, Form(alias="kr-answer")],
    kr_hash: Annotated[str | None, Form(alias="kr-hash")] = None,
    kr_hash_algorithm: Annotated[str | None, Form(alias="kr-hash-algorithm")] = None,
    kr_hash_key: Annotated[str | None, Form(alias="kr-hash-key")] = None,
    kr_answer_type: Annotated[str | None, Form(alias="kr-answer-type")] = None,
) -> IpnAck:
    """The gateway's signed payment notification (`kr-answer` + `kr-hash`).

    A missing or wrong signature is refused with 401 and nothing is stored; a replay of a
    notification already received changes nothing and is acknowledged again."""
    if kr_answer_type not in (None, ipn.ANSWER_TYPE):
        raise InvalidInput(
            f"unsupported kr-answer-type {kr_answer_type!r}; expected {ipn.ANSWER_TYPE}",
            param="kr-answer-type",
        )
    notification = ipn.Notification(kr_answer, kr_hash, kr_hash_algorithm, kr_hash_key)
    results = ipn.handle(session, notification, settings.secret_key)
    return IpnAck(
        transactions=[
            IpnTransactionResult(uuid=r.transaction.uuid, created=r.created, changed=r.changed)
            for r in results
        ]
    )


router.include_router(api_operations.router)
