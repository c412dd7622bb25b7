"""Bank statement pages (/statements): upload, statements per account with balances and continuity
warnings, entries with their match state.

Statements are the merchant's, as over the API: every shop of the merchant sees the
statements of the merchant's bank accounts; a statement of another merchant's account is
not found (404), exactly as one that does not exist. docs/backoffice/statements.md tells
what each page shows.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from pointage.auth.models import User
from pointage.auth.service.users import Action, can
from pointage.core.errors import NotFound
from pointage.reconciliation.repository.manual import Scope
from pointage.settings import Settings
from pointage.shop.models import Shop
from pointage.statement.repository_pages import StatementPageQueries
from pointage.statement.service import list_profiles
from pointage.statement.views_rows import (
    Indicator,
    account_group,
    entry_lines,
    iban_groups,
)
from pointage.statement.views_upload import (
    FORMAT_LABELS,
    FORMATS,
    MAX_REASON,
    UploadedForm,
    UploadForm,
    UploadOutcome,
    import_upload,
)
from pointage.web.backoffice import CurrentUser, SelectedShop, page_router, render
from pointage.web.cursors import int_cursor
from pointage.web.deps import AppSettings, DbSession
from pointage.web.i18n import N_

router = page_router()

PER_ACCOUNT = 10  # statements of each account on the overview
PER_PAGE = 25  # statements of one account, page by page
ENTRIES_PER_PAGE = 100

# Errors of the upload's fields (views_upload.UploadForm.errors): key -> a sentence. Texts
# here are English, translated where shown.
FIELD_ERRORS = {
    "no_file": N_("Choose the bank file to upload."),
    "too_large": N_("The file is larger than %(size)s MB, the largest accepted."),
    "format": N_("Choose a format from the list."),
    "csv_profile": N_("Choose a CSV mapping from the list."),
    "csv_needed": N_("A CSV file needs a CSV mapping: choose one."),
    "reason_long": N_("The reason has at most %(size)s characters."),
}
# Match states of entries: a symbol, a tone (app.css's `recon-*`) and words.
STATES = {
    "matched": Indicator("✓", "ok", N_("Matched")),
    "suggested": Indicator("?", "pending", N_("Suggested")),
    "open": Indicator("!", "review", N_("Open")),
    "ignored": Indicator("–", "na", N_("Not a card movement")),
    "duplicate": Indicator("=", "na", N_("Duplicate line")),
}
OPEN_REASONS = {
    "not_run": N_("No reconciliation run has looked at it yet."),
    "no_candidate": N_("Nothing expected matches it."),
    "ambiguous": N_("Several expected credits could match it."),
    "below_threshold": N_("The best candidate is not close enough to match on its own."),
    "duplicate_line": N_("A copy of a line matched in its place."),
    "not_gateway": N_("Not a movement of the card payment gateway."),
    "already_claimed": N_("What it would match is matched already."),
    "undone": N_("Its match was undone."),
}
ORIGINS = {
    "engine": N_("automatically"),
    "confirmed": N_("by a confirmed suggestion"),
    "manual": N_("by hand"),
}
ROLES = {"credit": N_("Credit"), "fee": N_("Fee"), "chargeback": N_("Chargeback")}


def _list_context(
    session: Session,
    shop: Shop,
    user: User,
    settings: Settings,
    *,
    account: str | None = None,
    after: str | None = None,
    before: str | None = None,
) -> dict[str, Any]:
    queries = StatementPageQueries(session)
    if account is not None:
        pk = int_cursor(account)
        found = None if pk is None else queries.account(pk, shop.merchant_id)
        if found is None:
            raise NotFound(f"bank account {account!r} not found", param="account")
        groups = [account_group(queries, found, size=PER_PAGE, after=after, before=before)]
    else:
        groups = [
            account_group(queries, found, size=PER_ACCOUNT)
            for found in queries.accounts(shop.merchant_id)
        ]
    return {
        "groups": groups,
        "one_account": account is not None,
        "may_upload": can(user, Action.RECONCILE),
        "formats": FORMATS,
        "format_labels": FORMAT_LABELS,
        "profiles": sorted({p.name for p in list_profiles(session, merchant_id=shop.merchant_id)}),
        "field_errors": FIELD_ERRORS,
        "max_mb": settings.statement_max_bytes // (1024 * 1024) or 1,
        "max_reason": MAX_REASON,
        "iban_groups": iban_groups,
        "sent": UploadForm(),
        "outcome": None,
    }


@router.get("/statements")
def statements(
    request: Request,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    settings: AppSettings,
    account: str | None = None,
    after: str | None = None,
    before: str | None = None,
) -> HTMLResponse:
    context = _list_context(
        session, shop, user, settings, account=account, after=after, before=before
    )
    return render(request, "statements/list.html", context)


@router.get("/statements/upload")
def upload_page() -> RedirectResponse:
    """The upload's address asked for again (a reload of its result): the list."""
    return RedirectResponse("/statements", status_code=303)


@router.post("/statements/upload")
def upload(
    request: Request,
    sent: UploadedForm,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    settings: AppSettings,
) -> HTMLResponse:
    outcome: UploadOutcome | None = None
    if not sent.errors:
        outcome = import_upload(
            session,
            request.app.state.session_factory,
            sent,
            shop=shop,
            user=user,
            settings=settings,
        )
    if sent.errors:
        outcome = UploadOutcome("refused", sent.filename)
    assert outcome is not None
    context = _list_context(session, shop, user, settings)
    context.update(sent=sent, outcome=outcome)
    status = 200
    if outcome.kind == "refused":
        status = 413 if sent.errors.get("file") == "too_large" else 422
    return render(request, "statements/list.html", context, status_code=status)


@router.get("/statements/{statement_id}")
def statement_detail(
    request: Request,
    statement_id: str,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    after: str | None = None,
    before: str | None = None,
) -> HTMLResponse:
    queries = StatementPageQueries(session)
    pk = int_cursor(statement_id)
    found = None if pk is None else queries.statement_of_merchant(pk, shop.merchant_id)
    if found is None:
        raise NotFound(f"statement {statement_id!r} not found", param="statement_id")
    cursors = {}
    for name, value in (("after", after), ("before", before)):
        if value is not None:
            cursors[name] = int_cursor(value)
            if cursors[name] is None:
                raise NotFound(f"{name}: no entry {value!r}", param=name)
    entries, has_more = queries.entries_page(
        found.statement.id,
        after=None if "before" in cursors else cursors.get("after"),
        before=cursors.get("before"),
        limit=ENTRIES_PER_PAGE,
    )
    backwards = "before" in cursors
    lines = entry_lines(
        session,
        Scope(shop.merchant_id, shop.id),
        queries.entry_files(found.statement.id),
        entries,
        STATES,
    )
    context = {
        "found": found,
        "stored": queries.stored_entries(found.statement.id),
        "lines": lines,
        "later": entries[-1].id if entries and (has_more or backwards) else None,
        "earlier": entries[0].id
        if entries and ((has_more and backwards) or (not backwards and "after" in cursors))
        else None,
        "open_reasons": OPEN_REASONS,
        "origins": ORIGINS,
        "roles": ROLES,
        "iban_groups": iban_groups,
        "format_labels": FORMAT_LABELS,
        "may_reconcile": can(user, Action.RECONCILE),
    }
    return render(request, "statements/detail.html", context)
