"""What every back-office page is built on: who is signed in, the shops they see, the page
router, the navigation, and `render`.

A page route, in its domain's `views.py`:

    router = page_router()

    @router.get("/remittances")
    def remittances(
        request: Request, user: CurrentUser, shop: SelectedShop, session: DbSession
    ) -> HTMLResponse:
        return render(request, "remittance/list.html", {"rows": ...})

`CurrentUser` sends a visitor who is not signed in to the sign-in page (and back afterwards);
`VisibleShops` are the shops given to the user, `SelectedShop` the one chosen in the header's
selector (the first until one is chosen). Every route of a `page_router()` refuses a POST
without the session's CSRF token (pointage.web.csrf) and answers its errors as HTML pages
(pointage.web.pages).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from pointage.auth.models import User
from pointage.auth.service.sessions import password_stamp, session_user
from pointage.auth.service.users import shops_visible_to
from pointage.shop.models import Shop
from pointage.web import csrf, i18n
from pointage.web.deps import DbSession
from pointage.web.i18n import N_
from pointage.web.session import LOCALE, PASSWORD_STAMP, SHOP, USER_ID, take_flashes
from pointage.web.templating import SECURITY_HEADERS, environment, language_context

SIGN_IN_PATH = "/sign-in"
HOME_PATH = "/dashboard"
# Set on the scope of a request a page route handles: its errors are answered as pages.
PAGE_SCOPE_KEY = "pointage.page"


class LoginRequired(Exception):
    """Not signed in (or no longer): answered by a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class NoShopGiven(Exception):
    """The page needs a shop and the user has none (answered with a 403 page)."""


@dataclass(frozen=True)
class UserView:
    """The signed-in user as the layout shows them: plain values, readable even after the
    request's unit of work has ended (an error page renders after its rollback)."""

    id: int
    email: str
    role: str
    locale: str | None
    operator: bool = False  # runs the status page (/status-admin)

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(user.id, user.email, user.role, user.locale, bool(user.operator))


@dataclass(frozen=True)
class ShopView:
    """A shop as the layout shows it (see UserView)."""

    id: int
    shop_id: str
    name: str
    timezone: str

    @classmethod
    def of(cls, shop: Shop) -> ShopView:
        return cls(shop.id, shop.shop_id, shop.name, shop.timezone)


@dataclass(frozen=True)
class NavItem:
    key: str
    path: str
    label: str  # English; translated where shown


ROLE_LABELS = {
    "admin": N_("Administrator"),
    "accountant": N_("Accountant"),
    "read_only": N_("Read only"),
}

NAVIGATION: tuple[NavItem, ...] = (
    NavItem("dashboard", "/dashboard", N_("Dashboard")),
    NavItem("transactions", "/transactions", N_("Cash management")),
    NavItem("remittances", "/remittances", N_("Remittance tracking")),
    NavItem("statements", "/statements", N_("Bank statements")),
    NavItem("reconciliation", "/reconciliation", N_("Reconciliation")),
    NavItem("reports", "/reports", N_("Reports")),
    NavItem("settings", "/settings", N_("Settings")),
)


class PageRoute(APIRoute):
    """A back-office route: marks its requests so that their errors become pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            request.scope[PAGE_SCOPE_KEY] = True
            return await handler(request)

        return page_handler


def page_router() -> APIRouter:
    """A router for back-office pages: HTML answers, CSRF checked, not in the API's docs."""
    return APIRouter(
        route_class=PageRoute,
        dependencies=[Depends(csrf.protect)],
        include_in_schema=False,
        default_response_class=HTMLResponse,
    )


# -- who is signed in ----------------------------------------------------------------------


def signed_in_user(request: Request, session: DbSession) -> User | None:
    """The session's user while the session holds; a session that no longer does (password
    changed, account disabled) is ended."""
    user_id = request.session.get(USER_ID)
    user = session_user(session, user_id, request.session.get(PASSWORD_STAMP))
    if user is None and user_id is not None:
        end_session(request)
    request.state.viewer = UserView.of(user) if user is not None else None
    return user


def start_session(request: Request, user: User) -> None:
    """A new session for `user` (nothing of the previous one is kept but its language, which
    the user's saved one replaces)."""
    language = i18n.supported(user.locale) or request.session.get(LOCALE)
    request.session.clear()
    if language is not None:
        request.session[LOCALE] = language  # also for pages that do not look the user up
    request.session[USER_ID] = user.id
    request.session[PASSWORD_STAMP] = password_stamp(user)
    csrf.rotate(request)


def renew_password_stamp(request: Request, user: User) -> None:
    """After the user changed their password here: this session goes on, the others end."""
    request.session[PASSWORD_STAMP] = password_stamp(user)


def end_session(request: Request, *, language: str | None = None) -> None:
    """Sign out: forget the user, the shop and the token; keep the language for the sign-in
    page."""
    language = language or i18n.supported(request.session.get(LOCALE))
    request.session.clear()
    if language is not None:
        request.session[LOCALE] = language
    request.state.viewer = None


def _current_user(request: Request, session: DbSession) -> User:
    user = signed_in_user(request, session)
    if user is None:
        raise LoginRequired(_here(request))
    shops = list(shops_visible_to(session, user))
    selected = _selected(request, shops)
    request.state.shops = shops
    request.state.shop = selected
    request.state.shop_views = [ShopView.of(shop) for shop in shops]
    request.state.shop_view = ShopView.of(selected) if selected is not None else None
    return user


def _selected(request: Request, shops: Sequence[Shop]) -> Shop | None:
    chosen = request.session.get(SHOP)
    for shop in shops:
        if shop.shop_id == chosen:
            return shop
    return shops[0] if shops else None


CurrentUser = Annotated[User, Depends(_current_user)]


def _visible_shops(request: Request, _user: CurrentUser) -> Sequence[Shop]:
    shops: Sequence[Shop] = request.state.shops
    return shops


def _selected_shop(request: Request, _user: CurrentUser) -> Shop:
    shop: Shop | None = request.state.shop
    if shop is None:
        raise NoShopGiven
    return shop


VisibleShops = Annotated[Sequence[Shop], Depends(_visible_shops)]
SelectedShop = Annotated[Shop, Depends(_selected_shop)]


# -- addresses -----------------------------------------------------------------------------


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def local_path(value: object, default: str = HOME_PATH) -> str:
    """`value` if it is a path of this site ("/transactions?page=2"), else `default`: a
    `next` parameter never sends anyone to another site."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 2000:
        return default
    if value.startswith("//") or "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def sign_in_url(next_path: str) -> str:
    target = local_path(next_path)
    if target == HOME_PATH:
        return SIGN_IN_PATH
    return f"{SIGN_IN_PATH}?{urlencode({'next': target})}"


# -- pages ---------------------------------------------------------------------------------


def page_language(request: Request) -> str:
    """The user's saved language, else the one chosen before signing in, else the browser's,
    else French."""
    user: UserView | None = getattr(request.state, "viewer", None)
    return (
        (i18n.supported(user.locale) if user is not None else None)
        or i18n.supported(request.session.get(LOCALE))
        or i18n.from_accept_language(request.headers.get("accept-language"))
        or i18n.DEFAULT_LANGUAGE
    )


def gettext_for(request: Request) -> Callable[[str], str]:
    """`_` of a view: `_ = gettext_for(request)`, then `_("Text")` in the page's language
    (the extraction of the catalogs finds `_("…")` calls)."""
    catalog = i18n.translations(page_language(request))

    def gettext(message: str) -> str:
        return str(catalog.gettext(message))

    return gettext


def page_context(request: Request) -> dict[str, Any]:
    """What the layout needs: language, user, shops, navigation, CSRF token, messages."""
    path = request.url.path
    return {
        **language_context(page_language(request)),
        "request": request,
        "user": getattr(request.state, "viewer", None),
        "shops": getattr(request.state, "shop_views", []),
        "shop": getattr(request.state, "shop_view", None),
        "navigation": NAVIGATION,
        "role_labels": ROLE_LABELS,
        "current": next((item.key for item in NAVIGATION if _within(path, item.path)), None),
        "here": _here(request),
        "csrf_token": csrf.token(request),
        "csrf_field_name": csrf.FORM_FIELD,
        "flashes": take_flashes(request),
    }


def _within(path: str, section: str) -> bool:
    return path == section or path.startswith(f"{section}/")


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The page `template` in the request's language, with the layout's context."""
    values = {**page_context(request), **(context or {})}
    body = environment().get_template(template).render(values)
    return HTMLResponse(
        body, status_code=status_code, headers={**SECURITY_HEADERS, **(headers or {})}
    )
