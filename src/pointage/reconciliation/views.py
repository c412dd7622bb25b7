"""Reconciliation pages (/reconciliation): unmatched bank entries with the engine's suggestions to
confirm or reject, matches by hand, the undo of the matches people made, and runs started now.

Every action is a POST with the session's CSRF token, allowed to the roles that may reconcile
(`auth.service.users.can`): a read-only user sees the page without its buttons and is refused
(403) if they post anyway. What an action names outside the page's scope (another merchant's,
or a shop the user was not given) is not found (404), exactly like what does not exist. An
action the services refuse (already decided, already claimed, a field missing) is told on the
page, in its place, with nothing changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from pointage.auth.models import User
from pointage.auth.service.users import Action, can, require
from pointage.core.errors import Conflict, InvalidInput, NotFound
from pointage.reconciliation import views_page as data
from pointage.reconciliation.engine_settings import engine_settings
from pointage.reconciliation.models import RunStatus, RunTrigger
from pointage.reconciliation.repository import pages as queries
from pointage.reconciliation.service import manual
from pointage.reconciliation.service.run import business_today, reconcile_all
from pointage.shop.models import Shop
from pointage.web.backoffice import (
    CurrentUser,
    SelectedShop,
    VisibleShops,
    gettext_for,
    local_path,
    page_router,
    render,
)
from pointage.web.deps import AppSettings, DbSession
from pointage.web.i18n import N_
from pointage.web.ids import MAX_ID
from pointage.web.session import flash
from pointage.web.templating import redirect

router = page_router()

HOME = "/reconciliation"
TEMPLATE = "reconciliation/page.html"
FormText = Annotated[str, Form()]
FormList = Annotated[list[str], Form()]
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]

STATES = {  # the list's choices (views_page.STATE_CHOICES), in their order
    "todo": N_("To handle (suggested or open)"),
    "suggested": N_("With a suggestion"),
    "open": N_("Open, no suggestion"),
    "ignored": N_("Not card movements"),
    "duplicate": N_("Duplicate lines"),
    "all": N_("All unmatched entries"),
}
STATE_LABELS = {
    "suggested": N_("Suggested"),
    "open": N_("Open"),
    "ignored": N_("Not a card movement"),
    "duplicate": N_("Duplicate line"),
    "matched": N_("Matched"),
}
REASONS = {
    "no_candidate": N_("Nothing expected looks like it"),
    "ambiguous": N_("Several candidates score the same"),
    "below_threshold": N_("The best candidate is not convincing enough"),
    "duplicate_line": N_("A copy of a line already matched"),
    "not_gateway": N_("Not a card movement"),
    "already_claimed": N_("What it would pay is already matched"),
    "undone": N_("A person undid this pairing"),
    "not_run": N_("No reconciliation run has looked at it yet"),
}
OUTCOMES = {
    "pass": ("✓", N_("Met")),
    "partial": ("≈", N_("Close")),
    "fail": ("✕", N_("Not met")),
    "info": ("i", N_("For the record")),
}
ERRORS = {
    "entry": N_("Entry: enter the number of a bank entry."),
    "state": N_("Show: choose a value from the list."),
    "cursor": N_("This page of the list no longer exists: start again from the first page."),
    "kind": N_("Search in: choose remittances or transactions."),
    "number": N_("Remittance number: enter a whole number."),
    "amount": N_("Amount: enter an amount such as 148.70."),
    "date": N_("Date: enter a date as YYYY-MM-DD."),
    "order_id": N_("Order id: 1 to 64 characters."),
    "comment": N_("Comment: say why you match them (up to 2,000 characters)."),
    "picked": N_("Pick at least one remittance or transaction."),
}


def _actor(user: User) -> str:
    return f"user:{user.email}"


def _back(value: str) -> str:
    target = local_path(value, HOME)
    return target if target == HOME or target.startswith(HOME + "?") else HOME


@router.get(HOME)
def reconciliation_page(
    request: Request,
    user: CurrentUser,
    shops: VisibleShops,
    shop: SelectedShop,
    session: DbSession,
) -> HTMLResponse:
    return _page(request, session, user, shops, shop, request.query_params)


def _page(
    request: Request,
    session: Session,
    user: User,
    shops: Sequence[Shop],
    shop: Shop,
    params: Mapping[str, str],
    *,
    error: str | None = None,
    status_code: int = 200,
    search: data.SearchForm | None = None,
    back: str | None = None,
) -> HTMLResponse:
    scope = data.page_scope(session, shops, shop)
    form = data.read_list_form(params)
    context: dict[str, Any] = {
        "form": form,
        "blocks": [],
        "older": None,
        "newer": None,
        "entry_matched": False,
        "search": search,
        "error": error,
        "can_act": can(user, Action.RECONCILE),
        "runs": data.recent_runs(session, scope.merchant_id),
        "matches": data.recent_matches(session, scope),
        "whole_merchant": scope.shop_pk is None,
        "back": back or _back(f"{request.url.path}?{request.url.query}"),
        **_labels(),
    }
    if not form.errors:
        data.fill_entries(session, scope, form, params, context)
    if form.errors and status_code == 200:
        status_code = 400
    return render(request, TEMPLATE, context, status_code=status_code)


def _labels() -> dict[str, Any]:
    return {
        "states": STATES,
        "state_labels": STATE_LABELS,
        "reasons": REASONS,
        "outcomes": OUTCOMES,
        "errors_text": ERRORS,
    }


def _refused(
    request: Request,
    session: Session,
    user: User,
    shops: Sequence[Shop],
    shop: Shop,
    exc: Conflict | InvalidInput,
    back: str,
) -> HTMLResponse:
    """The page the action came from, telling why the action was refused."""
    _ = gettext_for(request)
    message = _("The action was refused: %(reason)s") % {"reason": exc.message}
    status = 409 if isinstance(exc, Conflict) else 400
    params = _params_of(back)
    return _page(
        request, session, user, shops, shop, params, error=message, status_code=status, back=back
    )


def _params_of(path: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(path).query))


@router.post(HOME + "/suggestions/{suggestion_id}/confirm")
def confirm(
    request: Request,
    user: CurrentUser,
    shops: VisibleShops,
    shop: SelectedShop,
    session: DbSession,
    suggestion_id: ObjectId,
    back: FormText = "",
) -> Response:
    require(user, Action.RECONCILE)
    scope = data.page_scope(session, shops, shop)
    try:
        with session.begin_nested():
            manual.confirm_suggestion(
                session, scope.merchant_id, suggestion_id, _actor(user), shop_pk=scope.shop_pk
            )
    except (Conflict, InvalidInput) as exc:
        return _refused(request, session, user, shops, shop, exc, _back(back))
    _ = gettext_for(request)
    flash(request, _("Suggestion confirmed: the bank entry is matched. Undo it below if needed."))
    return redirect(_back(back))


@router.post(HOME + "/suggestions/{suggestion_id}/reject")
def reject(
    request: Request,
    user: CurrentUser,
    shops: VisibleShops,
    shop: SelectedShop,
    session: DbSession,
    suggestion_id: ObjectId,
    comment: FormText = "",
    back: FormText = "",
) -> Response:
    require(user, Action.RECONCILE)
    scope = data.page_scope(session, shops, shop)
    _ = gettext_for(request)
    try:
        if not comment.strip() or len(comment) > data.MAX_COMMENT:
            raise InvalidInput(_("Comment: say why you reject it."), param="comment")
        with session.begin_nested():
            manual.reject_suggestion(
                session,
                scope.merchant_id,
                suggestion_id,
                _actor(user),
                comment,
                shop_pk=scope.shop_pk,
            )
    except (Conflict, InvalidInput) as exc:
        return _refused(request, session, user, shops, shop, exc, _back(back))
    flash(request, _("Suggestion rejected: later runs will not propose it again."))
    return redirect(_back(back))


@router.post(HOME + "/matches/{match_id}/undo")
def undo(
    request: Request,
    user: CurrentUser,
    shops: VisibleShops,
    shop: SelectedShop,
    session: DbSession,
    match_id: ObjectId,
    comment: FormText = "",
    back: FormText = "",
) -> Response:
    require(user, Action.RECONCILE)
    scope = data.page_scope(session, shops, shop)
    _ = gettext_for(request)
    try:
        if not comment.strip() or len(comment) > data.MAX_COMMENT:
            raise InvalidInput(_("Comment: say why you undo the match."), param="comment")
        with session.begin_nested():
            manual.unmatch(
                session, scope.merchant_id, match_id, _actor(user), comment, shop_pk=scope.shop_pk
            )
    except (Conflict, InvalidInput) as exc:
        return _refused(request, session, user, shops, shop, exc, _back(back))
    flash(request, _("Match undone: its bank entries are open again."))
    return redirect(_back(back))


@router.post(HOME + "/entries/{entry_id}/match")
def match_by_hand(
    request: Request,
    user: CurrentUser,
    shops: VisibleShops,
    shop: SelectedShop,
    session: DbSession,
    entry_id: ObjectId,
    kind: FormText = "remittances",
    picked: FormList = [],  # noqa: B006 — FastAPI copies a default list per request
    comment: FormText = "",
    number: FormText = "",
    amount: FormText = "",
    date: FormText = "",
    order_id: FormText = "",
) -> Response:
    require(user, Action.RECONCILE)
    scope = data.page_scope(session, shops, shop)
    entry = queries.entry_in_scope(session, scope, entry_id)
    if entry is None:
        raise NotFound(f"entry {entry_id} not found", param="entry_id")
    fields = {"kind": kind, "number": number, "amount": amount, "date": date, "order_id": order_id}
    search = data.read_search(entry_id, fields, entry.currency)
    search.picked = set(picked)
    search.comment = comment[: data.MAX_COMMENT]
    if not comment.strip() or len(comment) > data.MAX_COMMENT:
        search.errors["comment"] = "comment"
    if not picked:
        search.errors["picked"] = "picked"
    error = None
    if not search.errors:
        try:
            data.match_entry(session, scope, _actor(user), entry_id, search.kind, picked, comment)
        except (Conflict, InvalidInput) as exc:
            _ = gettext_for(request)
            error = _("The action was refused: %(reason)s") % {"reason": exc.message}
        else:
            _ = gettext_for(request)
            flash(request, _("Bank entry matched by hand."))
            return redirect(HOME)
    search.values["kind"] = kind if kind in ("remittances", "transactions") else "remittances"
    data.run_search(session, scope, search, entry.currency)
    params = {"match": str(entry_id)}
    status = 409 if error else 400
    return _page(
        request, session, user, shops, shop, params, error=error, status_code=status, search=search
    )


@router.post(HOME + "/runs")
def run_now(
    request: Request,
    user: CurrentUser,
    shops: VisibleShops,
    shop: SelectedShop,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    """Reconcile the merchant's open remittances and entries now, as of today."""
    require(user, Action.RECONCILE)
    merchant_id, actor = shop.merchant_id, _actor(user)
    # The run owns its transactions: this request's ends first (SQLite's write lock).
    session.commit()
    [report] = reconcile_all(
        request.app.state.session_factory,
        trigger=RunTrigger.BACKOFFICE,
        actor=actor,
        today=business_today(),
        merchant_ids=[merchant_id],
        settings=engine_settings(settings),
    )
    _ = gettext_for(request)
    if report.status is RunStatus.FAILED:
        reason = report.error or _("unknown error")
        message = _("The reconciliation run failed: %(reason)s") % {"reason": reason}
        return _page(request, session, user, shops, shop, {}, error=message, status_code=500)
    counts = {"run": report.run_id, "matched": report.matched, "suggested": report.suggested}
    flash(
        request,
        _("Run %(run)s done: %(matched)s matched, %(suggested)s suggested.") % counts,
    )
    return redirect(HOME)
