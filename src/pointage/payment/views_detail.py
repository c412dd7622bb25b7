"""Transaction detail page (/transactions/{uuid}): the timeline of what happened to one
payment and the actions its state allows.

Each action (validate, cancel, modify, refund, duplicate, reconcile by hand, confirm a
suggestion, undo a match) is a form posted with the CSRF token behind a confirmation: a
dialog on the page, or without JavaScript the page `/transactions/{uuid}/{action}`. A
mistake in a field is told next to it and nothing changes; a refusal of the service (the
state changed meanwhile) is told on the page and nothing changes; a success is flashed and
leads back to the detail. The merchant operations go through `payment.service.operations`
(source back office, the user's e-mail as actor), reconciliation through
`reconciliation.service.manual`. A transaction of a shop other than the one chosen in the
header, unknown or malformed, is not found, and so is a match or a suggestion that is not
the transaction's; a user whose role may not act gets no buttons, and a 403 page if they
post anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from pointage.auth.models import User
from pointage.auth.service.users import Action, require
from pointage.core.errors import Conflict, InvalidInput, NotFound
from pointage.core.money import format_amount
from pointage.core.statuses import OperationSource
from pointage.payment.detail.views import (
    BUTTONS,
    CHANGE_LABELS,
    DONE,
    ERRORS,
    EVENT_TITLES,
    NOTHING_CHANGED,
    OPEN_REASONS,
    OUTCOMES,
    QUESTIONS,
    REFUSED,
    SOURCE_LABELS,
    SUGGESTION_STATUSES,
    TITLES,
)
from pointage.payment.models import Transaction
from pointage.payment.repository import TransactionRepository
from pointage.payment.service import Actor, cancel, duplicate, modify, refund, validate
from pointage.payment.service.common import local_date, now_utc
from pointage.payment.service.ingest import UUID_PATTERN
from pointage.payment.views_detail_forms import (
    ACTIONS,
    MAX_DUPLICATE_MINOR,
    OPERATIONS,
    TARGETS,
    ActionForm,
    example,
    read_amount,
    read_capture_date,
    read_comment,
    read_target,
)
from pointage.payment.views_detail_model import Detail, build_detail
from pointage.reconciliation.service import manual
from pointage.shop.models import Shop
from pointage.web import formatting, i18n
from pointage.web.backoffice import (
    CurrentUser,
    SelectedShop,
    gettext_for,
    page_language,
    page_router,
    render,
)
from pointage.web.deps import DbSession
from pointage.web.session import flash
from pointage.web.templating import redirect

router = page_router()

FormText = Annotated[str, Form()]
TargetQuery = Annotated[str, Query(max_length=20)]


def _transaction(session: Session, shop: Shop, uuid: str) -> Transaction:
    """The transaction of the selected shop; any other, unknown or malformed, is absent."""
    tx = TransactionRepository(session).by_uuid(uuid) if UUID_PATTERN.match(uuid) else None
    if tx is None or tx.shop_id != shop.id:
        raise NotFound("transaction not found", param="uuid")
    return tx


def _require(user: User, action: str) -> None:
    if action not in ACTIONS:
        raise NotFound(f"no action {action}", param="action")
    require(user, Action.OPERATE if action in OPERATIONS else Action.RECONCILE)


@router.get("/transactions/{uuid}")
def transaction_detail(
    request: Request, uuid: str, user: CurrentUser, shop: SelectedShop, session: DbSession
) -> HTMLResponse:
    tx = _transaction(session, shop, uuid)
    return _detail_page(request, build_detail(session, user, shop, tx))


@router.get("/transactions/{uuid}/{action}")
def confirmation(
    request: Request,
    uuid: str,
    action: str,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    match: TargetQuery = "",
    suggestion: TargetQuery = "",
) -> HTMLResponse:
    """The confirmation of an action as a page of its own (the dialog's page without
    JavaScript)."""
    tx = _transaction(session, shop, uuid)
    _require(user, action)
    detail = build_detail(session, user, shop, tx)
    form = _blank(detail, action, match or suggestion)
    _target(form, detail)
    if not _allowed(detail, form):
        return _refused(request, detail, action)
    return _confirmation_page(request, detail, form)


@router.post("/transactions/{uuid}/{action}")
def act(
    request: Request,
    uuid: str,
    action: str,
    user: CurrentUser,
    shop: SelectedShop,
    session: DbSession,
    amount: FormText = "",
    capture_date: FormText = "",
    comment: FormText = "",
    match: FormText = "",
    suggestion: FormText = "",
) -> Response:
    tx = _transaction(session, shop, uuid)
    _require(user, action)
    detail = build_detail(session, user, shop, tx)
    values = {"amount": amount, "capture_date": capture_date, "comment": comment}
    form = ActionForm(action, {**values, "match": match, "suggestion": suggestion})
    _target(form, detail)
    if not _allowed(detail, form):
        return _refused(request, detail, action)
    _read(form, detail, shop)
    if form.errors:
        return _confirmation_page(request, detail, form, status_code=422)
    try:
        message = _PERFORM[action](request, session, user, shop, tx, form)
    except (Conflict, InvalidInput):  # the state changed since the page was shown
        session.rollback()
        tx = _transaction(session, shop, uuid)
        return _refused(request, build_detail(session, user, shop, tx), action)
    flash(request, message)
    return redirect(f"/transactions/{uuid}")


# -- reading the forms -----------------------------------------------------------------------


def _target(form: ActionForm, detail: Detail) -> None:
    """The match or suggestion an action names must be one the page shows: any other is not
    found, as if it did not exist."""
    if form.action not in TARGETS:
        return
    explained = detail.explanation
    if form.action == "unmatch":
        shown = [m.id for m in (*detail.active_matches, *explained.history)]
    else:
        shown = [s.id for s in (*explained.open_suggestions, *explained.decided_suggestions)]
    read_target(form, tuple(shown))
    if form.target_id is None:
        raise NotFound(f"{TARGETS[form.action]} not found", param=TARGETS[form.action])


def _allowed(detail: Detail, form: ActionForm) -> bool:
    if form.action in TARGETS:
        targets: tuple[int, ...] = getattr(detail.allowed, form.action)
        return form.target_id in targets
    allowed: bool = getattr(detail.allowed, form.action)
    return allowed


def _read(form: ActionForm, detail: Detail, shop: Shop) -> None:
    tx = detail.transaction
    action = form.action
    if action == "refund":
        read_amount(form, tx.currency, detail.refundable_minor, "amount_refundable")
    elif action == "duplicate":
        read_amount(form, tx.currency, MAX_DUPLICATE_MINOR, "amount_large")
    elif action == "modify":
        _read_modification(form, tx, shop)
    read_comment(form, required=action in ("reconcile", "unmatch"))


def _read_modification(form: ActionForm, tx: Transaction, shop: Shop) -> None:
    """A lower amount and/or another capture date; unchanged values are not sent."""
    read_amount(form, tx.currency, tx.amount_minor, "amount_current")
    if form.values["capture_date"].strip() != tx.expected_capture_date.isoformat():
        read_capture_date(form, local_date(shop, now_utc()), tx.transaction_date)
    if form.amount_minor == tx.amount_minor:
        form.amount_minor = None
    if not form.errors and form.amount_minor is None and form.capture_date is None:
        form.errors["amount"] = ("nothing", {})


# -- the actions -----------------------------------------------------------------------------


def _actor(user: User) -> Actor:
    return Actor(user.email, OperationSource.BACK_OFFICE)


def _money(request: Request, minor: int, currency: str) -> str:
    return formatting.money(minor, currency, i18n.format_locale(page_language(request)))


Perform = Callable[[Request, Session, User, Shop, Transaction, ActionForm], str]


def _validate(r: Request, s: Session, u: User, shop: Shop, tx: Transaction, f: ActionForm) -> str:
    validate(s, tx, _actor(u), comment=f.comment)
    return gettext_for(r)(DONE["validate"])


def _cancel(r: Request, s: Session, u: User, shop: Shop, tx: Transaction, f: ActionForm) -> str:
    cancel(s, tx, _actor(u), comment=f.comment)
    return gettext_for(r)(DONE["cancel"])


def _modify(r: Request, s: Session, u: User, shop: Shop, tx: Transaction, f: ActionForm) -> str:
    modify(
        s,
        shop,
        tx,
        _actor(u),
        amount_minor=f.amount_minor,
        capture_date=f.capture_date,
        comment=f.comment,
    )
    return gettext_for(r)(DONE["modify"])


def _refund(r: Request, s: Session, u: User, shop: Shop, tx: Transaction, f: ActionForm) -> str:
    new = refund(s, shop, tx, _actor(u), amount_minor=f.amount_minor, comment=f.comment)
    amount = _money(r, new.amount_minor, new.currency)
    return gettext_for(r)(DONE["refund"]) % {"amount": amount}


def _duplicate(r: Request, s: Session, u: User, shop: Shop, tx: Transaction, f: ActionForm) -> str:
    new = duplicate(s, shop, tx, _actor(u), amount_minor=f.amount_minor, comment=f.comment)
    amount = _money(r, new.amount_minor, new.currency)
    return gettext_for(r)(DONE["duplicate"]) % {"amount": amount}


def _reconcile(r: Request, s: Session, u: User, shop: Shop, tx: Transaction, f: ActionForm) -> str:
    comment = f.comment or ""
    manual.mark_reconciled_without_entry(
        s, shop.merchant_id, u.email, comment, transaction_uuid=tx.uuid, shop_pk=shop.id
    )
    return gettext_for(r)(DONE["reconcile"])


def _confirm(r: Request, s: Session, u: User, shop: Shop, tx: Transaction, f: ActionForm) -> str:
    assert f.target_id is not None  # one of the transaction's, found by _target
    manual.confirm_suggestion(s, shop.merchant_id, f.target_id, u.email, f.comment, shop_pk=shop.id)
    return gettext_for(r)(DONE["confirm"])


def _unmatch(r: Request, s: Session, u: User, shop: Shop, tx: Transaction, f: ActionForm) -> str:
    assert f.target_id is not None  # one of the transaction's, found by _target
    manual.unmatch(s, shop.merchant_id, f.target_id, u.email, f.comment or "", shop_pk=shop.id)
    return gettext_for(r)(DONE["unmatch"])


_PERFORM: dict[str, Perform] = {
    "validate": _validate,
    "cancel": _cancel,
    "modify": _modify,
    "refund": _refund,
    "duplicate": _duplicate,
    "reconcile": _reconcile,
    "confirm": _confirm,
    "unmatch": _unmatch,
}


# -- pages -----------------------------------------------------------------------------------


def _blank(detail: Detail, action: str, target: str = "") -> ActionForm:
    """The form as first shown: the amounts and date it may change filled in, the match or
    suggestion it acts on."""
    tx = detail.transaction
    values = {"amount": "", "capture_date": "", "comment": "", "match": "", "suggestion": ""}
    if action in TARGETS:
        values[TARGETS[action]] = target
    if action == "modify":
        values["amount"] = format_amount(tx.amount_minor, tx.currency)
        values["capture_date"] = tx.expected_capture_date.isoformat()
    elif action == "refund":
        values["amount"] = format_amount(detail.refundable_minor, tx.currency)
    elif action == "duplicate":
        values["amount"] = format_amount(tx.original_amount_minor, tx.currency)
    return ActionForm(action, values)


def _dialogs(detail: Detail) -> list[ActionForm]:
    """The forms of the actions allowed, each in a dialog of the page."""
    forms = [_blank(detail, a) for a in ACTIONS if a not in TARGETS and getattr(detail.allowed, a)]
    for action in TARGETS:
        targets: tuple[int, ...] = getattr(detail.allowed, action)
        forms += [_blank(detail, action, str(target)) for target in targets]
    return forms


def _messages(request: Request, form: ActionForm, currency: str) -> dict[str, str]:
    """Each field's mistake in the page's language."""
    _ = gettext_for(request)
    out = {}
    for name, (key, params) in form.errors.items():
        values = dict(params)
        if "max_minor" in values:
            values["max"] = _money(request, int(values.pop("max_minor")), currency)
        out[name] = _(ERRORS[key]) % values
    return out


def _texts() -> dict[str, Any]:
    return {
        "titles": TITLES,
        "targets": TARGETS,
        "questions": QUESTIONS,
        "buttons": BUTTONS,
        "event_titles": EVENT_TITLES,
        "change_labels": CHANGE_LABELS,
        "source_labels": SOURCE_LABELS,
        "outcomes": OUTCOMES,
        "open_reasons": OPEN_REASONS,
        "suggestion_statuses": SUGGESTION_STATUSES,
    }


def _detail_page(
    request: Request, detail: Detail, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    context = {
        **_texts(),
        "detail": detail,
        "tx": detail.transaction,
        "error": error,
        "dialogs": _dialogs(detail),
        "example": example(detail.transaction.currency),
    }
    return render(request, "transactions/detail.html", context, status_code=status_code)


def _refused(request: Request, detail: Detail, action: str) -> HTMLResponse:
    _ = gettext_for(request)
    error = f"{_(REFUSED[action])} {_(NOTHING_CHANGED)}"
    return _detail_page(request, detail, error=error, status_code=409)


def _confirmation_page(
    request: Request, detail: Detail, form: ActionForm, *, status_code: int = 200
) -> HTMLResponse:
    context = {
        **_texts(),
        "detail": detail,
        "tx": detail.transaction,
        "form": form,
        "messages": _messages(request, form, detail.transaction.currency),
        "example": example(detail.transaction.currency),
    }
    return render(request, "transactions/detail_confirm.html", context, status_code=status_code)
