"""The selected shop's API keys under /settings/api-keys (administrators only): listed with
their mode, prefix, creation, last use and revocation; a new key shown once; a key revoked
after confirmation. Another shop's key is not found, like one that does not exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from pointage.auth.service.keys import issue_key, key_of_shop, keys_of_shop, revoke_key
from pointage.core.statuses import Mode
from pointage.shop.models import Shop
from pointage.shop.views_common import (
    CONFIRMED,
    KeysAdmin,
    actor_of,
    confirmation,
    page,
    secret_page,
)
from pointage.web.backoffice import SelectedShop, gettext_for, page_router
from pointage.web.deps import AppSettings, DbSession
from pointage.web.i18n import N_
from pointage.web.session import flash
from pointage.web.templating import redirect

router = page_router()

Text = Annotated[str, Form(max_length=300)]
KeyId = Annotated[int, Path(ge=1, le=2**62)]

MODE_LABELS = {Mode.TEST.value: N_("Test"), Mode.PRODUCTION.value: N_("Production")}
KEY_ERRORS = {
    "mode": N_("Choose test or production."),
    "label": N_("A label has at most 100 characters."),
}


def _keys_page(
    request: Request,
    session: Session,
    shop: Shop,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "section": "api_keys",
        "keys": list(reversed(keys_of_shop(session, shop))),
        "mode_labels": MODE_LABELS,
        "values": values,
        "errors": {name: KEY_ERRORS[name] for name in errors},
    }
    return page(request, "settings/api_keys.html", context, status_code=status_code)


@router.get("/settings/api-keys")
def api_keys(
    request: Request, admin: KeysAdmin, shop: SelectedShop, session: DbSession
) -> HTMLResponse:
    values = {"mode": Mode.TEST.value, "label": ""}
    return _keys_page(request, session, shop, values, {})


@router.post("/settings/api-keys")
def create_key(
    request: Request,
    admin: KeysAdmin,
    shop: SelectedShop,
    session: DbSession,
    settings: AppSettings,
    mode: Text = "",
    label: Text = "",
) -> Response:
    values = {"mode": mode.strip().upper(), "label": label.strip()}
    errors = {}
    if values["mode"] not in MODE_LABELS:
        errors["mode"] = "mode"
    if len(values["label"]) > 100:
        errors["label"] = "label"
    if errors:
        return _keys_page(request, session, shop, values, errors, status_code=422)
    issued = issue_key(
        session,
        shop,
        Mode(values["mode"]),
        settings.secret_key,
        actor=actor_of(admin),
        label=values["label"] or None,
    )
    _ = gettext_for(request)
    english_mode = MODE_LABELS[issued.api_key.mode]
    mode_label = _(english_mode).lower()
    return secret_page(
        request,
        section="api_keys",
        title=_("API key created"),
        label=_("New %(mode)s key of %(shop)s") % {"mode": mode_label, "shop": shop.name},
        secret=issued.secret,
        explanation=_(
            "Copy the key now and keep it in your systems' secret store: it cannot be shown "
            "again. Lost, it can only be revoked and replaced by a new one."
        ),
        back="/settings/api-keys",
        back_label=_("Done"),
    )


@router.post("/settings/api-keys/{key_id}/revoke")
def revoke(
    request: Request,
    key_id: KeyId,
    admin: KeysAdmin,
    shop: SelectedShop,
    session: DbSession,
    confirm: Text = "",
) -> Response:
    api_key = key_of_shop(session, shop, key_id)  # another shop's: the 404 page
    _ = gettext_for(request)
    if api_key.revoked_at is not None:
        flash(request, _("This key was already revoked."))
        return redirect("/settings/api-keys")
    if confirm != CONFIRMED:
        return confirmation(
            request,
            section="api_keys",
            title=_("Revoke the key %(prefix)s…") % {"prefix": api_key.prefix},
            question=_("Revoke the key %(prefix)s…?") % {"prefix": api_key.prefix},
            explanation=_(
                "Every call made with it is refused from now on; systems that still use it "
                "stop working. A revoked key cannot be restored."
            ),
            action=f"/settings/api-keys/{key_id}/revoke",
            button=_("Revoke the key"),
            cancel="/settings/api-keys",
        )
    revoke_key(session, shop, key_id, actor=actor_of(admin))
    flash(request, _("The key %(prefix)s… is revoked.") % {"prefix": api_key.prefix})
    return redirect("/settings/api-keys")
