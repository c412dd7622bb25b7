"""Pieces of the transaction lists of the resource API: the filters as query parameters, and
one page of transactions with what each answer shows of its contract and remittance.

`GET /v1/transactions` and `GET /v1/remittances/{id}/transactions` share them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy import Select
from sqlalchemy.orm import Session

from pointage.payment.filters import RawFilters
from pointage.payment.models import Transaction
from pointage.payment.repository import TransactionRepository
from pointage.payment.schemas import TransactionOut
from pointage.web.pagination import Keyset, Page, PageRequest, fetch_page

_REPEATABLE = "Repeatable, or comma-separated"
MAX_AMOUNT = 10**15  # far above any amount (ingestion refuses over 10**13), inside BIGINT


def _raw_filters(
    created_from: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Created on or after: a date (YYYY-MM-DD, midnight in the shop's time "
            "zone) or an ISO 8601 instant with a zone",
        ),
    ] = None,
    created_to: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Created on or before: a date (the whole day, in the shop's time zone) "
            "or an ISO 8601 instant with a zone",
        ),
    ] = None,
    capture_date_from: Annotated[
        date | None, Query(description="Capture date on or after (YYYY-MM-DD)")
    ] = None,
    capture_date_to: Annotated[
        date | None, Query(description="Capture date on or before (YYYY-MM-DD)")
    ] = None,
    status: Annotated[
        list[str] | None, Query(description=f"PAID, RUNNING, UNPAID, ABANDONED. {_REPEATABLE}")
    ] = None,
    detailed_status: Annotated[
        list[str] | None, Query(description=f"AUTHORISED, CAPTURED, … {_REPEATABLE}")
    ] = None,
    reconciliation_status: Annotated[
        list[str] | None,
        Query(
            description="not_applicable, pending, to_review, reconciled, reconciled_manual, "
            f"anomaly. {_REPEATABLE}"
        ),
    ] = None,
    dispute: Annotated[list[str] | None, Query(description=f"yes, no, na. {_REPEATABLE}")] = None,
    operation_type: Annotated[
        list[str] | None, Query(description=f"DEBIT, CREDIT, VERIFICATION. {_REPEATABLE}")
    ] = None,
    order_id: Annotated[str | None, Query(max_length=64, description="This order id")] = None,
    amount_min: Annotated[
        int | None, Query(ge=0, le=MAX_AMOUNT, description="Amount from, minor units")
    ] = None,
    amount_max: Annotated[
        int | None, Query(ge=0, le=MAX_AMOUNT, description="Amount up to, minor units")
    ] = None,
    remittance: Annotated[
        int | None, Query(ge=1, le=2**62, description="Captured in this remittance (its id)")
    ] = None,
    remittance_number: Annotated[
        int | None,
        Query(ge=1, le=2**31 - 1, description="Captured in a remittance of this number"),
    ] = None,
    contract: Annotated[
        str | None, Query(max_length=20, description="Of this contract number (MID)")
    ] = None,
) -> RawFilters:
    return RawFilters(
        created_from=created_from,
        created_to=created_to,
        capture_date_from=capture_date_from,
        capture_date_to=capture_date_to,
        status=status,
        detailed_status=detailed_status,
        reconciliation_status=reconciliation_status,
        dispute=dispute,
        operation_type=operation_type,
        order_id=order_id,
        amount_min=amount_min,
        amount_max=amount_max,
        remittance=remittance,
        remittance_number=remittance_number,
        contract=contract,
    )


ListFilters = Annotated[RawFilters, Depends(_raw_filters)]


def transaction_page(
    session: Session,
    query: Select[Any],
    position: Callable[[str], tuple[datetime, int] | None],
    page: PageRequest,
    shop_id: str,
) -> Page[TransactionOut]:
    """One page of `query` (transactions the caller may see), newest first by creation
    time then id; `position` finds a cursor's transaction (by uuid) among them."""
    keyset = Keyset(sort=Transaction.created_at, pk=Transaction.id, position=position)
    rows, has_more = fetch_page(session, query, keyset, page)
    links = TransactionRepository(session).links([tx.id for tx in rows])
    return Page[TransactionOut](
        data=[TransactionOut.of(tx, shop_id, links.get(tx.id)) for tx in rows],
        has_more=has_more,
    )
