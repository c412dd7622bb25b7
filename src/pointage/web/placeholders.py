"""Sections of the navigation whose pages are not built yet.

Each answers a page that says so plainly ("coming soon"), what it will show, and where the
same information is available today (the API, the `pointage` command). A section's entry goes
from `COMING_SOON` when its real page is added to its domain's `views.py`.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pointage.web.backoffice import NAVIGATION, CurrentUser, NavItem, page_router, render
from pointage.web.i18n import N_

# Section key: what its page will show.
COMING_SOON: dict[str, str] = {
    "remittances": N_(
        "Each remittance sent to the bank with its count, gross, refunds, commission and net "
        "amounts, its expected and actual credit dates, and the bank entry that credited it."
    ),
    "statements": N_(
        "Statement uploads, the statements of each account with their balances and "
        "continuity warnings, and each entry with its match."
    ),
    "reconciliation": N_(
        "Unmatched bank entries with the engine's suggestions to confirm or reject, and "
        "manual matches with their comment."
    ),
    "reports": N_("The daily journals' history, their downloads and re-sends."),
    "settings": N_(
        "Report settings per shop; contracts, bank accounts, users, API keys and webhooks."
    ),
}


def _page(item: NavItem, description: str) -> Callable[[Request, CurrentUser], HTMLResponse]:
    def coming_soon(request: Request, user: CurrentUser) -> HTMLResponse:
        context = {"section": item, "description": description}
        return render(request, "pages/coming_soon.html", context)

    return coming_soon


def router() -> APIRouter:
    pages = page_router()
    for item in NAVIGATION:
        if item.key in COMING_SOON:
            endpoint = _page(item, COMING_SOON[item.key])
            pages.add_api_route(item.path, endpoint, methods=["GET"], name=f"{item.key}_soon")
    return pages
