"""Back-office pages of signing in and of one's account: sign in, sign out, password change,
language, and the shop shown.

Sign-in failures are counted per client address and per e-mail address
(pointage.auth.service.limits): past the limit the form answers 429 with the wait, without
checking the password. So are wrong current passwords on the password change form, which a
person holding someone's open session could otherwise use to guess it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Form, Request, Response
from fastapi.responses import HTMLResponse

from pointage.auth.models import User
from pointage.auth.service import limits
from pointage.auth.service.sessions import set_language
from pointage.auth.service.users import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    change_password,
    visible_shop,
)
from pointage.core.errors import AuthenticationFailed, InvalidInput, TooManyAttempts
from pointage.web import i18n
from pointage.web.backoffice import (
    HOME_PATH,
    SIGN_IN_PATH,
    CurrentUser,
    end_session,
    gettext_for,
    local_path,
    page_router,
    render,
    renew_password_stamp,
    signed_in_user,
    start_session,
)
from pointage.web.deps import AppSettings, DbSession
from pointage.web.session import LOCALE, SHOP, flash
from pointage.web.templating import redirect

router = page_router()

FormText = Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH + 1)]
_PASSWORD_RULES = {"min_length": MIN_PASSWORD_LENGTH}


@router.get("/")
def home(request: Request, session: DbSession) -> Response:
    """The dashboard when signed in, the sign-in page otherwise."""
    return redirect(HOME_PATH if signed_in_user(request, session) else SIGN_IN_PATH)


@router.get(SIGN_IN_PATH)
def sign_in_page(request: Request, session: DbSession, next: str = "") -> Response:
    if signed_in_user(request, session) is not None:
        return redirect(local_path(next))
    return render(request, "auth/sign_in.html", {"next": local_path(next, ""), "email": ""})


@router.post(SIGN_IN_PATH)
def sign_in(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    email: FormText = "",
    password: FormText = "",
    next: FormText = "",
) -> Response:
    _ = gettext_for(request)
    context = {"next": local_path(next, ""), "email": email.strip()[:254]}
    if not email.strip() or not password:
        error = _("Enter your e-mail address and your password.")
        return render(request, "auth/sign_in.html", {**context, "error": error}, status_code=422)
    try:
        user = limits.sign_in(
            session,
            request.app.state.session_factory,
            email,
            password,
            client_address=request.client.host if request.client else None,
            limit=limits.FailureLimit.from_settings(settings),
        )
    except TooManyAttempts as exc:
        return _too_many(request, "auth/sign_in.html", context, exc)
    except AuthenticationFailed:
        error = _("Wrong e-mail address or password.")
        return render(request, "auth/sign_in.html", {**context, "error": error}, status_code=401)
    start_session(request, user)
    return redirect(local_path(next))


def _too_many(
    request: Request, template: str, context: Mapping[str, object], exc: TooManyAttempts
) -> HTMLResponse:
    _ = gettext_for(request)
    seconds = exc.retry_after_seconds
    error = _("Too many failed attempts. Try again in %(seconds)s seconds.") % {"seconds": seconds}
    headers = {"Retry-After": str(seconds)}
    return render(request, template, {**context, "error": error}, status_code=429, headers=headers)


@router.post("/sign-out")
def sign_out(request: Request, session: DbSession) -> Response:
    user = signed_in_user(request, session)
    end_session(request, language=i18n.supported(user.locale) if user else None)
    _ = gettext_for(request)
    flash(request, _("You have signed out."))
    return redirect(SIGN_IN_PATH)


@router.post("/account/language")
def choose_language(
    request: Request, session: DbSession, language: FormText = "", next: FormText = ""
) -> Response:
    """Saved on the user when signed in (it follows them to any browser), else kept in the
    session for the sign-in page."""
    chosen = i18n.supported(language)
    if chosen is None:
        raise InvalidInput("language must be fr or en", param="language")
    user = signed_in_user(request, session)
    if user is not None:
        set_language(session, user, chosen)
    request.session[LOCALE] = chosen
    return redirect(local_path(next, HOME_PATH if user else SIGN_IN_PATH))


@router.post("/account/shop")
def choose_shop(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    shop: FormText = "",
    next: FormText = "",
) -> Response:
    """Another shop shown; a shop not given to the user is not found, like an unknown one."""
    chosen = visible_shop(session, user, shop.strip())
    request.session[SHOP] = chosen.shop_id
    return redirect(local_path(next))


@router.get("/account/password")
def password_page(request: Request, user: CurrentUser) -> Response:
    return render(request, "auth/password.html", {"errors": {}, **_PASSWORD_RULES})


@router.post("/account/password")
def password_change(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: CurrentUser,
    current_password: FormText = "",
    new_password: FormText = "",
    new_password_confirmation: FormText = "",
) -> Response:
    _ = gettext_for(request)
    errors = _password_errors(
        request, user, current_password, new_password, new_password_confirmation
    )
    if not errors:
        try:
            _change_guarded(request, session, settings, user, current_password, new_password)
        except TooManyAttempts as exc:
            return _too_many(request, "auth/password.html", {"errors": {}, **_PASSWORD_RULES}, exc)
        except AuthenticationFailed:
            errors["current_password"] = _("The current password is wrong.")
        except InvalidInput as exc:  # a rule of the service this form does not know of
            errors["new_password"] = exc.message
    if errors:
        context = {"errors": errors, **_PASSWORD_RULES}
        return render(request, "auth/password.html", context, status_code=422)
    renew_password_stamp(request, user)
    flash(request, _("Your password has been changed. Your other sessions are closed."))
    return redirect("/account/password")


def _password_errors(
    request: Request, user: User, current: str, new: str, confirmation: str
) -> dict[str, str]:
    """The form's mistakes, field by field, in the page's language."""
    _ = gettext_for(request)
    errors: dict[str, str] = {}
    if not current:
        errors["current_password"] = _("Enter your current password.")
    if len(new) < MIN_PASSWORD_LENGTH:
        errors["new_password"] = _("A password needs at least %(count)s characters.") % {
            "count": MIN_PASSWORD_LENGTH
        }
    elif len(new) > MAX_PASSWORD_LENGTH:
        errors["new_password"] = _("A password has at most %(count)s characters.") % {
            "count": MAX_PASSWORD_LENGTH
        }
    elif new.strip().lower() == user.email.lower():
        errors["new_password"] = _("A password cannot be your e-mail address.")
    elif new == current:
        errors["new_password"] = _("Choose a password other than the current one.")
    if new != confirmation and "new_password" not in errors:
        errors["new_password_confirmation"] = _("The two new passwords are not the same.")
    return errors


def _change_guarded(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: User,
    current: str,
    new: str,
) -> None:
    """The change, with a wrong current password counted like a failed sign-in."""

    def attempt() -> None:
        try:
            change_password(session, user, current, new)
        except InvalidInput as exc:
            if exc.param == "old_password":
                raise AuthenticationFailed(exc.message) from exc
            raise

    address = request.client.host if request.client else None
    limits.guarded(
        session,
        request.app.state.session_factory,
        [limits.ip_scope(address), limits.login_scope(user.email)],
        limits.FailureLimit.from_settings(settings),
        attempt,
    )
