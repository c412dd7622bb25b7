"""Administration pages under /settings: back-office users and API keys (administrators only).

An administrator sees the users who share at least one shop with them, and of each user only
those shops. They give only their own shops. A user who also works on shops the
administrator is not given keeps those, and only their other administrators may change
their role, disable them or reset their password. Nobody disables themselves or changes
their own role here. Generated passwords and API keys are shown once, in the answer of the
form that made them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Form, Path, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from pointage.auth.models import User
from pointage.auth.repository import UserRepository
from pointage.auth.service.users import (
    create_user,
    disable_user,
    list_users,
    normalise_email,
    parse_role,
    set_password,
    set_role,
    set_user_shops,
)
from pointage.auth.views_keys import router as keys_router
from pointage.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pointage.core.statuses import Role
from pointage.shop.models import Shop
from pointage.shop.views_common import (
    CONFIRMED,
    UsersAdmin,
    actor_of,
    confirmation,
    page,
    secret_page,
)
from pointage.web.backoffice import ROLE_LABELS, VisibleShops, gettext_for, page_router
from pointage.web.deps import DbSession
from pointage.web.i18n import N_
from pointage.web.session import flash
from pointage.web.templating import redirect

router = page_router()
router.include_router(keys_router)

Text = Annotated[str, Form(max_length=300)]
Choices = Annotated[list[str], Form(max_length=100)]
UserId = Annotated[int, Path(ge=1, le=2**62)]

USER_ERRORS = {
    "email": N_("Enter an e-mail address such as name@example.com."),
    "email_taken": N_("A user with this e-mail address already exists."),
    "role": N_("Choose a role from the list."),
    "shops": N_("Choose at least one of your shops."),
    "shops_other": N_("Choose only among your shops."),
}


@dataclass(frozen=True)
class Person:
    """A user as an administrator sees them: only the shops both have."""

    user: User
    shops: list[Shop]
    elsewhere: bool  # also given shops the administrator is not
    is_self: bool

    @property
    def managed(self) -> bool:
        """Whether this administrator may change the role, disable or reset the password."""
        return not self.elsewhere and not self.is_self


def _person(admin: User, own: Sequence[Shop], user: User, shops: Sequence[Shop]) -> Person:
    own_ids = {shop.id for shop in own}
    shared = [shop for shop in shops if shop.id in own_ids]
    elsewhere = any(shop.id not in own_ids for shop in shops)
    return Person(user, shared, elsewhere, user.id == admin.id)


def _people(session: Session, admin: User, own: Sequence[Shop]) -> list[Person]:
    people = [_person(admin, own, user, shops) for user, shops in list_users(session)]
    return [person for person in people if person.shops]


def _person_by_id(session: Session, admin: User, own: Sequence[Shop], user_id: int) -> Person:
    """A user who shares a shop with the administrator; any other is not found."""
    repository = UserRepository(session)
    user = repository.by_id(user_id)
    person = None if user is None else _person(admin, own, user, repository.shops_of(user.id))
    if person is None or not person.shops:
        raise NotFound(f"user {user_id} not found", param="user_id")
    return person


def _role_options(request: Request) -> list[tuple[str, str]]:
    _ = gettext_for(request)
    return [(role.value, _(ROLE_LABELS[role.value])) for role in Role]


def _chosen_shops(own: Sequence[Shop], chosen: Sequence[str], errors: dict[str, str]) -> list[str]:
    own_ids = {shop.shop_id for shop in own}
    picked = [value.strip() for value in chosen if value.strip()]
    if not picked:
        errors["shops"] = "shops"
    elif any(value not in own_ids for value in picked):
        errors["shops"] = "shops_other"
    return picked


def _role(value: str, errors: dict[str, str]) -> Role | None:
    try:
        return parse_role(value) if value else None
    except InvalidInput:
        pass
    errors["role"] = "role"
    return None


# -- the list and new users ----------------------------------------------------------------


def _users_page(
    request: Request,
    session: Session,
    admin: User,
    own: Sequence[Shop],
    values: dict[str, object],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "section": "users",
        "people": _people(session, admin, own),
        "own_shops": own,
        "role_options": _role_options(request),
        "values": values,
        "errors": {name: USER_ERRORS[key] for name, key in errors.items()},
    }
    return page(request, "settings/users.html", context, status_code=status_code)


@router.get("/settings/users")
def users(request: Request, admin: UsersAdmin, own: VisibleShops, session: DbSession) -> Response:
    shop = request.state.shop
    chosen = [shop.shop_id] if shop is not None else []
    values: dict[str, object] = {"email": "", "role": Role.ACCOUNTANT.value, "shops": chosen}
    return _users_page(request, session, admin, own, values, {})


@router.post("/settings/users")
def create(
    request: Request,
    admin: UsersAdmin,
    own: VisibleShops,
    session: DbSession,
    email: Text = "",
    role: Text = "",
    shops: Choices = [],  # noqa: B006 - FastAPI copies a form's default
) -> Response:
    errors: dict[str, str] = {}
    values: dict[str, object] = {"email": email.strip(), "role": role.strip(), "shops": shops}
    try:
        address = normalise_email(email)
    except InvalidInput:
        errors["email"] = "email"
    chosen_role = _role(role.strip(), errors)
    chosen = _chosen_shops(own, shops, errors)
    if not errors and chosen_role is not None:
        try:
            made = create_user(session, address, chosen_role, chosen, actor=actor_of(admin))
        except Conflict:
            errors["email"] = "email_taken"
        else:
            assert made.password is not None  # generated: none was given
            return _password_shown(request, made.user, made.password, created=True)
    return _users_page(request, session, admin, own, values, errors, status_code=422)


def _password_shown(request: Request, user: User, password: str, *, created: bool) -> Response:
    _ = gettext_for(request)
    title = _("User created") if created else _("Password reset")
    explanation = _(
        "Give this password to %(email)s in a safe way; it cannot be shown again. They can "
        "change it once signed in (account menu, Change password)."
    ) % {"email": user.email}
    return secret_page(
        request,
        section="users",
        title=title,
        label=_("Password of %(email)s") % {"email": user.email},
        secret=password,
        explanation=explanation,
        back=f"/settings/users/{user.id}",
        back_label=_("Done"),
    )


# -- one user ------------------------------------------------------------------------------


def _user_page(
    request: Request,
    person: Person,
    own: Sequence[Shop],
    values: dict[str, object],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "section": "users",
        "person": person,
        "own_shops": own,
        "role_options": _role_options(request),
        "values": values,
        "errors": {name: USER_ERRORS[key] for name, key in errors.items()},
    }
    return page(request, "settings/user.html", context, status_code=status_code)


@router.get("/settings/users/{user_id}")
def user_page(
    request: Request, user_id: UserId, admin: UsersAdmin, own: VisibleShops, session: DbSession
) -> Response:
    person = _person_by_id(session, admin, own, user_id)
    values: dict[str, object] = {
        "role": person.user.role,
        "shops": [shop.shop_id for shop in person.shops],
    }
    return _user_page(request, person, own, values, {})


@router.post("/settings/users/{user_id}")
def change(
    request: Request,
    user_id: UserId,
    admin: UsersAdmin,
    own: VisibleShops,
    session: DbSession,
    role: Text = "",
    shops: Choices = [],  # noqa: B006 - FastAPI copies a form's default
) -> Response:
    """The role (when this administrator manages the user) and the user's shops among the
    administrator's; the user's other shops stay as they are."""
    person = _person_by_id(session, admin, own, user_id)
    if person.is_self:
        raise PermissionDenied("an administrator does not change their own role or shops here")
    errors: dict[str, str] = {}
    values: dict[str, object] = {"role": role.strip() or person.user.role, "shops": shops}
    chosen_role = _role(role.strip(), errors) if person.managed else None
    chosen = _chosen_shops(own, shops, errors)
    if errors:
        return _user_page(request, person, own, values, errors, status_code=422)
    actor = actor_of(admin)
    own_ids = {shop.id for shop in own}
    kept = [s.shop_id for s in UserRepository(session).shops_of(user_id) if s.id not in own_ids]
    set_user_shops(session, person.user, [*chosen, *kept], actor=actor)
    if chosen_role is not None and chosen_role.value != person.user.role:
        set_role(session, person.user, chosen_role, actor=actor)
    _ = gettext_for(request)
    flash(request, _("The changes to %(email)s are saved.") % {"email": person.user.email})
    return redirect(f"/settings/users/{user_id}")


def _managed(session: Session, admin: User, own: Sequence[Shop], user_id: int) -> Person:
    person = _person_by_id(session, admin, own, user_id)
    if not person.managed:
        raise PermissionDenied("this user is managed by the administrators of their other shops")
    return person


@router.post("/settings/users/{user_id}/disable")
def disable(
    request: Request,
    user_id: UserId,
    admin: UsersAdmin,
    own: VisibleShops,
    session: DbSession,
    confirm: Text = "",
) -> Response:
    person = _managed(session, admin, own, user_id)
    _ = gettext_for(request)
    email = person.user.email
    if confirm != CONFIRMED:
        return confirmation(
            request,
            section="users",
            title=_("Disable %(email)s") % {"email": email},
            question=_("Disable the account of %(email)s?") % {"email": email},
            explanation=_(
                "They are signed out everywhere and can no longer sign in. Their past actions "
                "stay in the history. An account cannot be enabled again from this page."
            ),
            action=f"/settings/users/{user_id}/disable",
            button=_("Disable the account"),
            cancel=f"/settings/users/{user_id}",
        )
    disable_user(session, person.user, actor=actor_of(admin))
    flash(request, _("The account of %(email)s is disabled.") % {"email": email})
    return redirect("/settings/users")


@router.post("/settings/users/{user_id}/password")
def reset_password(
    request: Request,
    user_id: UserId,
    admin: UsersAdmin,
    own: VisibleShops,
    session: DbSession,
    confirm: Text = "",
) -> Response:
    person = _managed(session, admin, own, user_id)
    _ = gettext_for(request)
    email = person.user.email
    if confirm != CONFIRMED:
        return confirmation(
            request,
            section="users",
            title=_("Reset the password of %(email)s") % {"email": email},
            question=_("Give %(email)s a new password?") % {"email": email},
            explanation=_(
                "A new password is generated and shown to you once. The current one stops "
                "working and every session of the user ends."
            ),
            action=f"/settings/users/{user_id}/password",
            button=_("Reset the password"),
            cancel=f"/settings/users/{user_id}",
        )
    password = set_password(session, person.user, None, actor=actor_of(admin))
    assert password is not None  # generated: none was given
    return _password_shown(request, person.user, password, created=False)
