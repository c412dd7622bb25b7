"""Remittance tracking pages (/remittances): every remittance sent to the bank and, in its detail,
its transactions and the bank entry that credited it.

The list is the API's (remittance.listing, remittance.api): the same filters, the same status
computed as reconciliation computes it, newest first by remittance date, a page at a time by
keyset cursors. The detail shows the remittance's figures, its transactions (paged the same
way) and its credit match with the bank entries and the match's evidence. Another shop's
remittance is not found, exactly like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from pointage.core.errors import NotFound
from pointage.core.statuses import Mode
from pointage.payment.filters import TransactionFilters
from pointage.payment.models import Transaction
from pointage.payment.repository import TransactionRepository
from pointage.payment.views import INDICATORS, Indicator
from pointage.reconciliation.service.explain import describe_match
from pointage.reconciliation.service.explain_views import MatchView
from pointage.reconciliation.service.run import business_today
from pointage.remittance.listing import query_of, status_of
from pointage.remittance.models import Remittance
from pointage.remittance.repository.reads import RemittanceFacts, RemittanceReads
from pointage.remittance.views_form import STATUS_CHOICES, read_form
from pointage.shop.models import Shop
from pointage.shop.repository import ShopRepository
from pointage.web.backoffice import CurrentUser, SelectedShop, page_router, render
from pointage.web.cursors import int_cursor
from pointage.web.deps import DbSession
from pointage.web.i18n import N_
from pointage.web.pagination import Keyset, PageRequest, fetch_page

router = page_router()

PAGE_SIZE = 50
PRODUCTION = Mode.PRODUCTION.value

STATUS_LABELS = {name: indicator.label for name, indicator in INDICATORS.items()}
ORIGIN_LABELS = {
    "engine": N_("Automatic"),
    "confirmed": N_("Suggestion confirmed by a person"),
    "manual": N_("Matched by hand"),
    "without_entry": N_("Marked reconciled without a bank entry"),
}
# The message of each error of the filter form (views_form), in English; translated where
# shown.
FORM_ERRORS = {
    "date": N_("Enter a date as YYYY-MM-DD."),
    "order": N_("The start date is after the end date."),
    "choice": N_("Choose a value from the list."),
    "contract": N_("Choose one of the contracts of this shop."),
    "currency": N_("Enter an ISO 4217 currency code, such as EUR."),
}
# How each criterion of the evidence came out: a symbol and words, never the colour alone.
OUTCOMES = {
    "pass": ("✓", N_("Met")),
    "partial": ("≈", N_("Partly met")),
    "fail": ("✕", N_("Not met")),
    "info": ("i", N_("For information")),
}

Cursor = Annotated[str | None, Query(max_length=64)]


@dataclass(frozen=True)
class Line:
    """A remittance as the list shows it."""

    remittance: Remittance
    contract_number: str
    credited_on: date | None
    status: str
    indicator: Indicator


def _line(remittance: Remittance, facts: RemittanceFacts | None, today: date) -> Line:
    status = status_of(remittance, facts, today).value
    credit = facts.credit if facts is not None else None
    return Line(
        remittance,
        facts.contract_number if facts is not None else "",
        credit.credited_on if credit is not None else None,
        status,
        INDICATORS.get(status, INDICATORS["not_applicable"]),
    )


def _contract_numbers(session: Session, shop: Shop) -> list[str]:
    return sorted(
        contract.number for contract in ShopRepository(session).contracts_of_shop(shop.id)
    )


@router.get("/remittances")
def remittances(
    request: Request,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    after: Cursor = None,
    before: Cursor = None,
) -> HTMLResponse:
    contracts = _contract_numbers(session, shop)
    form = read_form(request.query_params, contracts)
    context: dict[str, Any] = {
        "form": form,
        "form_errors": FORM_ERRORS,
        "contracts": contracts,
        "status_choices": STATUS_CHOICES,
        "status_labels": STATUS_LABELS,
        "lines": [],
        "older": None,
        "newer": None,
    }
    if form.errors:
        return render(request, "remittances/list.html", context, status_code=400)
    today = business_today()
    reads = RemittanceReads(session)
    keyset = Keyset(
        sort=Remittance.remittance_date,
        pk=Remittance.id,
        position=lambda cursor: _position(reads, shop, cursor),
    )
    page = PageRequest(PAGE_SIZE, after if before is None else None, before)
    query = reads.listing(shop.id, query_of(session, shop.id, form.filters, today))
    rows, has_more = fetch_page(session, query, keyset, page)
    backwards = page.ending_before is not None
    if rows and (has_more or backwards):
        context["older"] = rows[-1].id
    if rows and ((has_more and backwards) or (not backwards and page.starting_after)):
        context["newer"] = rows[0].id
    facts = reads.facts([row.id for row in rows])
    context["lines"] = [_line(row, facts.get(row.id), today) for row in rows]
    return render(request, "remittances/list.html", context)


def _position(reads: RemittanceReads, shop: Shop, cursor: str) -> tuple[date, int] | None:
    pk = int_cursor(cursor)
    return None if pk is None else reads.position(shop.id, pk)


def _own(reads: RemittanceReads, shop: Shop, remittance_id: str) -> Remittance:
    """The shop's remittance of this id; anything else is not found."""
    pk = int_cursor(remittance_id)
    remittance = None if pk is None else reads.of_shop(shop.id, pk)
    if remittance is None:
        raise NotFound(f"remittance {remittance_id!r} not found", param="id")
    return remittance


@router.get("/remittances/{remittance_id}")
def remittance_detail(
    request: Request,
    remittance_id: str,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    after: Cursor = None,
    before: Cursor = None,
) -> HTMLResponse:
    reads = RemittanceReads(session)
    remittance = _own(reads, shop, remittance_id)
    facts = reads.facts([remittance.id]).get(remittance.id)
    line = _line(remittance, facts, business_today())
    credit: MatchView | None = None
    if facts is not None and facts.credit is not None:
        credit = describe_match(session, shop.merchant_id, facts.credit.id, shop_pk=shop.id)
    repo = TransactionRepository(session)
    page = PageRequest(PAGE_SIZE, after if before is None else None, before)
    rows, has_more = fetch_page(
        session,
        repo.listing(shop.id, PRODUCTION, TransactionFilters(remittance_id=remittance.id)),
        Keyset(
            sort=Transaction.created_at,
            pk=Transaction.id,
            position=lambda uuid: repo.position(shop.id, PRODUCTION, uuid),
        ),
        page,
    )
    backwards = page.ending_before is not None
    older = rows[-1].uuid if rows and (has_more or backwards) else None
    newer = (
        rows[0].uuid
        if rows and ((has_more and backwards) or (not backwards and page.starting_after))
        else None
    )
    context = {
        "line": line,
        "credit": credit,
        "transactions": rows,
        "indicators": INDICATORS,
        "older": older,
        "newer": newer,
        "origin_labels": ORIGIN_LABELS,
        "outcomes": OUTCOMES,
    }
    return render(request, "remittances/detail.html", context)
