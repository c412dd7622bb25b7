"""Webhook pages under /settings: endpoints, their events and the delivery log with replay
(administrators only).

Endpoints belong to the selected shop and a mode, as over the API (docs/webhooks.md): the
list shows one mode at a time. An endpoint of another shop is not found. The signing secret
is shown once, when the endpoint is made or its secret rotated; the previous secret keeps
signing for ROTATION_OVERLAP so that the receiver can switch without losing a delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from pointage.core.errors import Conflict, InvalidInput, NotFound
from pointage.core.statuses import Mode
from pointage.db.base import utcnow
from pointage.settings import Settings
from pointage.shop.models import Shop
from pointage.shop.views_common import (
    CONFIRMED,
    WebhooksAdmin,
    actor_of,
    confirmation,
    page,
    secret_page,
)
from pointage.web.backoffice import SelectedShop, gettext_for, page_router
from pointage.web.deps import AppSettings, DbSession
from pointage.web.pagination import PageRequest
from pointage.web.session import flash
from pointage.web.templating import redirect
from pointage.webhook.api import transport_of
from pointage.webhook.models import WebhookEndpoint
from pointage.webhook.service import deliveries, endpoints, sending
from pointage.webhook.service.endpoints import MAX_ENDPOINTS, MAX_URL_LENGTH, Owner
from pointage.webhook.views_form import (
    EVENT_LABELS,
    MODE_LABELS,
    STATUS_LABELS,
    WEBHOOK_ERRORS,
    EndpointForm,
    read_endpoint_form,
)

router = page_router()

ROTATION_OVERLAP = timedelta(hours=24)
LOG_PAGE_SIZE = 20
Text = Annotated[str, Form(max_length=MAX_URL_LENGTH + 1)]
Choices = Annotated[list[str], Form(max_length=50)]
EndpointId = Annotated[int, Path(ge=1, le=2**62)]
DeliveryId = Annotated[int, Path(ge=1, le=2**62)]
Cursor = Annotated[str | None, Query(max_length=20)]


def _mode(value: str | None) -> Mode:
    """The mode of the list shown: production unless test is asked for."""
    return Mode.TEST if (value or "").upper() == Mode.TEST.value else Mode.PRODUCTION


def _owner(shop: Shop, mode: Mode, admin_email: str) -> Owner:
    return Owner(shop, mode, f"user:{admin_email}")


def _find(session: Session, shop: Shop, actor: str, endpoint_id: int) -> Owner:
    """The owner (shop and mode) of one of the shop's endpoints; another's is not found."""
    for mode in Mode:
        owner = Owner(shop, mode, actor)
        try:
            endpoints.get_endpoint(session, owner, endpoint_id)
        except NotFound:
            continue
        return owner
    raise NotFound(f"webhook endpoint {endpoint_id} not found", param="endpoint_id")


# -- the list and new endpoints ------------------------------------------------------------


def _list_page(
    request: Request,
    session: Session,
    owner: Owner,
    form: EndpointForm,
    status_code: int = 200,
) -> HTMLResponse:
    rows, _more = endpoints.endpoint_page(session, owner, PageRequest(MAX_ENDPOINTS, None, None))
    context = {
        "section": "webhooks",
        "mode": owner.mode.value,
        "mode_labels": MODE_LABELS,
        "endpoints": rows,
        "event_types": endpoints.event_types_of_many(session, rows),
        "event_labels": EVENT_LABELS,
        "form": form,
        "errors": WEBHOOK_ERRORS,
        "max_endpoints": MAX_ENDPOINTS,
    }
    return page(request, "settings/webhooks.html", context, status_code=status_code)


@router.get("/settings/webhooks")
def webhooks(
    request: Request,
    admin: WebhooksAdmin,
    shop: SelectedShop,
    session: DbSession,
    mode: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    owner = _owner(shop, _mode(mode), admin.email)
    return _list_page(request, session, owner, EndpointForm.blank())


@router.post("/settings/webhooks")
def create_endpoint(
    request: Request,
    admin: WebhooksAdmin,
    shop: SelectedShop,
    session: DbSession,
    settings: AppSettings,
    mode: Text = "",
    url: Text = "",
    description: Text = "",
    events: Choices = [],  # noqa: B006 - FastAPI copies a form's default
) -> Response:
    owner = Owner(shop, _mode(mode), actor_of(admin))
    form = read_endpoint_form(url, events, description, enabled=True, settings=settings)
    if not form.errors:
        try:
            made = endpoints.create_endpoint(
                session,
                owner,
                url=form.url,
                event_types=form.events,
                description=form.description or None,
                enabled=True,
                secret_key=settings.secret_key,
                allow_loopback=settings.webhook_allow_http_loopback,
            )
        except Conflict:
            form.errors["url"] = "too_many"
        else:
            return _secret_shown(request, made.endpoint, made.secret, created=True)
    return _list_page(request, session, owner, form, status_code=422)


def _secret_shown(
    request: Request, endpoint: WebhookEndpoint, secret: str, *, created: bool
) -> HTMLResponse:
    _ = gettext_for(request)
    if created:
        explanation = _(
            "Your endpoint checks each delivery's signature with this secret: copy it into "
            "its configuration now, it cannot be shown again."
        )
    else:
        explanation = _(
            "Copy it into your endpoint's configuration now, it cannot be shown again. The "
            "previous secret keeps signing deliveries for 24 hours."
        )
    return secret_page(
        request,
        section="webhooks",
        title=_("Webhook endpoint created") if created else _("Signing secret rotated"),
        label=_("Signing secret of %(url)s") % {"url": endpoint.url},
        secret=secret,
        explanation=explanation,
        back=f"/settings/webhooks/{endpoint.id}",
        back_label=_("Done"),
    )


# -- one endpoint and its delivery log -----------------------------------------------------


@dataclass(frozen=True)
class LogQuery:
    status: str
    after: str | None
    before: str | None


def _endpoint_page(
    request: Request,
    session: Session,
    owner: Owner,
    endpoint_id: int,
    log: LogQuery,
    form: EndpointForm | None = None,
    *,
    notice: tuple[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    endpoint = endpoints.get_endpoint(session, owner, endpoint_id)
    if form is None:
        form = EndpointForm.of(endpoint, endpoints.event_types_of(session, endpoint))
    status_error = log.status not in ("", *STATUS_LABELS)
    views: list[deliveries.DeliveryView] = []
    has_more = False
    if not status_error:
        views, has_more = deliveries.delivery_page(
            session,
            owner,
            PageRequest(LOG_PAGE_SIZE, log.after if log.before is None else None, log.before),
            endpoint_id=endpoint.id,
            status=log.status or None,
            event_type=None,
        )
    backwards = log.before is not None
    show_newer = (backwards and has_more) or (not backwards and log.after is not None)
    context = {
        "section": "webhooks",
        "endpoint": endpoint,
        "mode_labels": MODE_LABELS,
        "event_labels": EVENT_LABELS,
        "status_labels": STATUS_LABELS,
        "form": form,
        "errors": WEBHOOK_ERRORS,
        "log": log,
        "status_error": status_error,
        "deliveries": views,
        "older": views[-1].delivery.id if views and (has_more or backwards) else None,
        "newer": views[0].delivery.id if views and show_newer else None,
        "notice": notice,
    }
    code = 400 if status_error and status_code == 200 else status_code
    return page(request, "settings/webhook.html", context, status_code=code)


@router.get("/settings/webhooks/{endpoint_id}")
def endpoint_page(
    request: Request,
    endpoint_id: EndpointId,
    admin: WebhooksAdmin,
    shop: SelectedShop,
    session: DbSession,
    status: Annotated[str, Query(max_length=20)] = "",
    after: Cursor = None,
    before: Cursor = None,
) -> HTMLResponse:
    owner = _find(session, shop, actor_of(admin), endpoint_id)
    log = LogQuery(status, after, before)
    return _endpoint_page(request, session, owner, endpoint_id, log)


@router.post("/settings/webhooks/{endpoint_id}")
def update_endpoint(
    request: Request,
    endpoint_id: EndpointId,
    admin: WebhooksAdmin,
    shop: SelectedShop,
    session: DbSession,
    settings: AppSettings,
    url: Text = "",
    description: Text = "",
    enabled: Text = "",
    events: Choices = [],  # noqa: B006 - FastAPI copies a form's default
) -> Response:
    owner = _find(session, shop, actor_of(admin), endpoint_id)
    form = read_endpoint_form(url, events, description, enabled=enabled == "yes", settings=settings)
    if form.errors:
        log = LogQuery("", None, None)
        return _endpoint_page(request, session, owner, endpoint_id, log, form, status_code=422)
    changes: dict[str, object] = {
        "url": form.url,
        "events": form.events,
        "description": form.description or None,
        "enabled": form.enabled,
    }
    endpoints.update_endpoint(
        session,
        owner,
        endpoint_id,
        changes,
        allow_loopback=settings.webhook_allow_http_loopback,
    )
    _ = gettext_for(request)
    flash(request, _("The endpoint's changes are saved."))
    return redirect(f"/settings/webhooks/{endpoint_id}")


@router.post("/settings/webhooks/{endpoint_id}/rotate")
def rotate(
    request: Request,
    endpoint_id: EndpointId,
    admin: WebhooksAdmin,
    shop: SelectedShop,
    session: DbSession,
    settings: AppSettings,
    confirm: Text = "",
) -> Response:
    owner = _find(session, shop, actor_of(admin), endpoint_id)
    _ = gettext_for(request)
    if confirm != CONFIRMED:
        return confirmation(
            request,
            section="webhooks",
            title=_("Rotate the signing secret"),
            question=_("Make a new signing secret for this endpoint?"),
            explanation=_(
                "The new secret is shown to you once. Deliveries carry a signature with each "
                "secret, the new and the previous one, for 24 hours; then only the new one."
            ),
            action=f"/settings/webhooks/{endpoint_id}/rotate",
            button=_("Rotate the secret"),
            cancel=f"/settings/webhooks/{endpoint_id}",
        )
    made = endpoints.rotate_secret(
        session,
        owner,
        endpoint_id,
        secret_key=settings.secret_key,
        previous_valid_for=ROTATION_OVERLAP,
    )
    return _secret_shown(request, made.endpoint, made.secret, created=False)


@router.post("/settings/webhooks/{endpoint_id}/delete")
def delete(
    request: Request,
    endpoint_id: EndpointId,
    admin: WebhooksAdmin,
    shop: SelectedShop,
    session: DbSession,
    confirm: Text = "",
) -> Response:
    owner = _find(session, shop, actor_of(admin), endpoint_id)
    endpoint = endpoints.get_endpoint(session, owner, endpoint_id)
    _ = gettext_for(request)
    if confirm != CONFIRMED:
        return confirmation(
            request,
            section="webhooks",
            title=_("Delete the endpoint"),
            question=_("Delete the endpoint %(url)s?") % {"url": endpoint.url},
            explanation=_(
                "Nothing more is sent to it and its pending deliveries fail. This cannot be "
                "undone: to receive events again, register the address anew."
            ),
            action=f"/settings/webhooks/{endpoint_id}/delete",
            button=_("Delete the endpoint"),
            cancel=f"/settings/webhooks/{endpoint_id}",
        )
    endpoints.delete_endpoint(session, owner, endpoint_id)
    flash(request, _("The endpoint %(url)s is deleted.") % {"url": endpoint.url})
    return redirect(f"/settings/webhooks?mode={owner.mode.value}")


@router.post("/settings/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay")
def replay(
    request: Request,
    endpoint_id: EndpointId,
    delivery_id: DeliveryId,
    admin: WebhooksAdmin,
    shop: SelectedShop,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    """The event sent again now, signed afresh; the attempt joins the delivery's log."""
    owner = _find(session, shop, actor_of(admin), endpoint_id)
    view = deliveries.get_delivery(session, owner, delivery_id)
    if view.delivery.endpoint_id != endpoint_id:
        raise NotFound(f"webhook delivery {delivery_id} not found", param="delivery_id")
    log = LogQuery("", None, None)
    try:
        notice = _replayed(request, session, owner, delivery_id, settings)
    except (Conflict, InvalidInput):
        _ = gettext_for(request)
        notice = ("error", _("The endpoint is disabled: enable it, then replay the delivery."))
        return _endpoint_page(
            request, session, owner, endpoint_id, log, notice=notice, status_code=409
        )
    return _endpoint_page(request, session, owner, endpoint_id, log, notice=notice)


def _replayed(
    request: Request, session: Session, owner: Owner, delivery_id: int, settings: Settings
) -> tuple[str, str]:
    job = deliveries.replay_job(session, owner, delivery_id, settings)
    # Committed before the POST, which may take seconds: no lock is held meanwhile.
    session.commit()
    outcome = sending.attempt(job, transport_of(request), settings, utcnow)
    sending.record(session, job, outcome, settings)
    session.flush()
    _ = gettext_for(request)
    if outcome.ok:
        return (
            "success",
            _("Delivered again: the endpoint answered %(status)s.") % {"status": outcome.status},
        )
    if outcome.status is not None:
        text = _("The endpoint answered %(status)s: not delivered.") % {"status": outcome.status}
    else:
        text = _("The endpoint could not be reached: not delivered.")
    return ("error", text)
