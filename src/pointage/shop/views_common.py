"""What the settings pages share: who may open them, who acts, the confirmation asked before
an action that cannot be undone, and the page that shows a secret the one time it is seen.

Settings are for administrators: any other role gets the 403 page (the navigation still
shows the section). A secret (an API key, a webhook signing secret, a generated password) is
written into the answer of the POST that made it and nowhere else: not in the session, not
in an address, not in a log, so that it cannot be seen a second time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from pointage.auth.models import User
from pointage.auth.service.users import Action, require
from pointage.web.backoffice import CurrentUser, render
from pointage.web.i18n import N_

CONFIRMED = "yes"
"""The value of the `confirm` field of a confirmation page's form."""

SettingsSection = tuple[str, str, str, str]  # (key, path, English label, English summary)

SECTIONS: tuple[SettingsSection, ...] = (
    (
        "contracts",
        "/settings/contracts",
        N_("Contracts"),
        N_("The shop's acquirer contracts: commission, settlement, credit delay, card brands."),
    ),
    (
        "bank_accounts",
        "/settings/bank-accounts",
        N_("Bank accounts"),
        N_("The accounts the acquirer credits, and the contracts credited on each."),
    ),
    (
        "users",
        "/settings/users",
        N_("Users"),
        N_("Who signs in to your shops, their role and shops; new users and password resets."),
    ),
    (
        "api_keys",
        "/settings/api-keys",
        N_("API keys"),
        N_("The shop's keys for the Web Services, in test or production mode."),
    ),
    (
        "webhooks",
        "/settings/webhooks",
        N_("Webhooks"),
        N_("Addresses that receive the shop's events, and the log of each delivery."),
    ),
)
REPORT_SETTINGS = "/reports/settings"


def _allowed(action: Action) -> Callable[[User], User]:
    def dependency(user: CurrentUser) -> User:
        require(user, action)  # PermissionDenied: the 403 page
        return user

    return dependency


ShopsAdmin = Annotated[User, Depends(_allowed(Action.MANAGE_SHOPS))]
UsersAdmin = Annotated[User, Depends(_allowed(Action.MANAGE_USERS))]
KeysAdmin = Annotated[User, Depends(_allowed(Action.MANAGE_KEYS))]
WebhooksAdmin = Annotated[User, Depends(_allowed(Action.MANAGE_WEBHOOKS))]


def page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """A settings page: `context` must name its `section` (a key of SECTIONS, or "index")."""
    values = {"settings_sections": SECTIONS, **context}
    return render(request, template, values, status_code=status_code)


def actor_of(user: User) -> str:
    """How the audit log names a person acting in the back office."""
    return f"user:{user.email}"


def confirmation(
    request: Request,
    *,
    section: str,
    title: str,
    question: str,
    explanation: str,
    action: str,
    button: str,
    cancel: str,
    fields: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page that asks before an action: its form posts `confirm=yes` (and `fields`)."""
    context = {
        "section": section,
        "title": title,
        "question": question,
        "explanation": explanation,
        "action": action,
        "button": button,
        "cancel": cancel,
        "fields": dict(fields or {}),
    }
    return page(request, "settings/confirm.html", context, status_code=status_code)


def secret_page(
    request: Request,
    *,
    section: str,
    title: str,
    label: str,
    secret: str,
    explanation: str,
    back: str,
    back_label: str,
    status_code: int = 200,
) -> HTMLResponse:
    """The one time a secret is seen, with a button that copies it."""
    context = {
        "section": section,
        "title": title,
        "label": label,
        "secret": secret,
        "explanation": explanation,
        "back": back,
        "back_label": back_label,
    }
    return page(request, "settings/secret.html", context, status_code=status_code)
