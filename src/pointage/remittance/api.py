"""JSON routes of remittances: the list, the detail with its credit and bank entries, and its
transactions. Remittances are real money: production keys only (web.auth.CurrentShop);
another shop's remittance answers 404 as a missing one does."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from pointage.core.errors import NotFound
from pointage.core.statuses import Mode
from pointage.payment.api_list import transaction_page
from pointage.payment.filters import TransactionFilters
from pointage.payment.repository import TransactionRepository
from pointage.payment.schemas import TransactionOut
from pointage.reconciliation.service.run import business_today
from pointage.remittance.listing import RemittanceFilters, query_of, status_of
from pointage.remittance.models import Remittance
from pointage.remittance.repository.reads import RemittanceReads
from pointage.remittance.schemas import CreditOut, RemittanceDetailOut, RemittanceOut
from pointage.shop.models import Shop
from pointage.web.auth import CurrentShop
from pointage.web.deps import DbSession
from pointage.web.errors import problem_responses
from pointage.web.pagination import Keyset, Page, PageParams, PageRequest, fetch_page

router = APIRouter(tags=["remittances"])

_READ = problem_responses(401, 403, 404, 422)
RemittanceId = Annotated[
    int, Path(alias="id", ge=1, le=2**63 - 1, description="The remittance's id")
]


def _filters(
    contract: Annotated[
        str | None, Query(max_length=20, description="Of this contract number (MID)")
    ] = None,
    date_from: Annotated[date | None, Query(description="Remittance date on or after")] = None,
    date_to: Annotated[date | None, Query(description="Remittance date on or before")] = None,
    status: Annotated[
        list[str] | None,
        Query(
            description="not_applicable, pending, to_review, reconciled, reconciled_manual, "
            "anomaly. Repeatable, or comma-separated"
        ),
    ] = None,
    currency: Annotated[
        list[str] | None, Query(description="ISO 4217 code. Repeatable, or comma-separated")
    ] = None,
) -> RemittanceFilters:
    return RemittanceFilters(contract, date_from, date_to, status, currency)


@router.get(
    "/v1/remittances",
    response_model=Page[RemittanceOut],
    summary="List remittances",
    responses=_READ,
)
def list_remittances(
    shop: CurrentShop,
    session: DbSession,
    page: PageParams,
    filters: Annotated[RemittanceFilters, Depends(_filters)],
) -> Page[RemittanceOut]:
    """The shop's remittances, newest first (remittance date, then id), with their totals
    and reconciliation status. The cursors are remittance ids."""
    today = business_today()
    reads = RemittanceReads(session)
    query = query_of(session, shop.id, filters, today)
    keyset = Keyset(
        sort=Remittance.remittance_date,
        pk=Remittance.id,
        position=lambda cursor: _position(reads, shop, cursor),
    )
    rows, has_more = fetch_page(session, reads.listing(shop.id, query), keyset, page)
    facts = reads.facts([r.id for r in rows])
    data = [
        RemittanceOut.of(r, facts.get(r.id), status_of(r, facts.get(r.id), today)) for r in rows
    ]
    return Page[RemittanceOut](data=data, has_more=has_more)


def _position(reads: RemittanceReads, shop: Shop, cursor: str) -> tuple[date, int] | None:
    """A cursor names a remittance by its id."""
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        return None
    return reads.position(shop.id, int(cursor))


def _own(reads: RemittanceReads, shop: Shop, remittance_id: int) -> Remittance:
    remittance = reads.of_shop(shop.id, remittance_id)
    if remittance is None:
        raise NotFound(f"remittance {remittance_id} not found", param="id")
    return remittance


@router.get(
    "/v1/remittances/{id}",
    response_model=RemittanceDetailOut,
    summary="Get a remittance",
    responses=_READ,
)
def get_remittance(
    remittance_id: RemittanceId,
    shop: CurrentShop,
    session: DbSession,
) -> RemittanceDetailOut:
    """A remittance with its totals and status, its credit match with the bank entries
    (file, record, dates, amount, label), and the first page of its transactions."""
    reads = RemittanceReads(session)
    remittance = _own(reads, shop, remittance_id)
    facts = reads.facts([remittance.id]).get(remittance.id)
    credit = facts.credit if facts is not None else None
    first = _transactions(session, shop, remittance, PageRequest(20, None, None))
    summary = RemittanceOut.of(remittance, facts, status_of(remittance, facts, business_today()))
    return RemittanceDetailOut(
        **summary.model_dump(),
        credit=None if credit is None else CreditOut.of(credit, reads.credit_entries(credit.id)),
        transactions=first,
        transactions_url=f"/v1/remittances/{remittance.id}/transactions",
    )


@router.get(
    "/v1/remittances/{id}/transactions",
    response_model=Page[TransactionOut],
    summary="A remittance's transactions",
    responses=_READ,
)
def list_remittance_transactions(
    remittance_id: RemittanceId,
    shop: CurrentShop,
    session: DbSession,
    page: PageParams,
) -> Page[TransactionOut]:
    """The payments and refunds the remittance captured, newest first (creation time, then
    id). The cursors are transaction uuids."""
    remittance = _own(RemittanceReads(session), shop, remittance_id)
    return _transactions(session, shop, remittance, page)


def _transactions(
    session: DbSession, shop: Shop, remittance: Remittance, page: PageRequest
) -> Page[TransactionOut]:
    repo = TransactionRepository(session)
    production = Mode.PRODUCTION.value
    query = repo.listing(shop.id, production, TransactionFilters(remittance_id=remittance.id))
    return transaction_page(
        session, query, lambda uuid: repo.position(shop.id, production, uuid), page, shop.shop_id
    )
