"""Back-office pages: the layout (navigation, shop selector, user menu), languages, the
password change form, the pages still to come, and errors answered as pages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.models import User
from pointage.settings import Settings
from pointage.web.backoffice import NAVIGATION, PageRoute
from pointage.web.csrf import protect
from tests.web.backoffice_world import (
    GIVEN,
    OTHER,
    PASSWORD,
    World,
    make_world,
    page_token,
    post,
    sign_in,
)

NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def world(settings: Settings, session_factory: sessionmaker[Session]) -> World:
    return make_world(settings, session_factory)


@pytest.fixture
def browser(world: World) -> Iterator[TestClient]:
    """A client that keeps its cookies, like a browser, and does not follow redirects."""
    with world.client() as client:
        yield client


def _options(html: str) -> list[str]:
    return re.findall(r'<option value="(\d{8})"', html)


def _h1(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found
    return found.group(1).strip()


def test_every_section_of_the_navigation_answers_its_page_and_settings_only_to_admins(browser):
    sign_in(browser)  # an accountant
    for item in NAVIGATION:
        page = browser.get(item.path)
        expected = 403 if item.key == "settings" else 200
        assert page.status_code == expected, item.path
        if expected == 403:
            continue
        assert f'href="{item.path}" aria-current="page"' in page.text
        for other in NAVIGATION:
            assert f'href="{other.path}"' in page.text


def test_the_layout_has_landmarks_a_skip_link_and_the_csrf_meta(browser):
    sign_in(browser)
    html = browser.get("/dashboard").text
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<nav class="sidebar" aria-label="Navigation principale">' in html
    assert '<header class="topbar">' in html
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)
    assert '<html lang="fr">' in html


def test_pages_carry_protective_headers(browser):
    for answer in (browser.get("/sign-in"), sign_in(browser), browser.get("/dashboard")):
        csp = answer.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["cache-control"] == "no-store"


def test_the_static_files_are_served(browser):
    for path, kind in [("/static/app.css", "text/css"), ("/static/app.js", "javascript")]:
        answer = browser.get(path)
        assert answer.status_code == 200 and kind in answer.headers["content-type"]


@pytest.mark.parametrize(
    ("accept_language", "title"),
    [
        (None, "Connexion au back-office"),
        ("en-GB,en;q=0.9", "Sign in to the back office"),
        ("de-DE,de;q=0.9,en;q=0.5", "Sign in to the back office"),
        ("en;q=0.3,fr;q=0.8", "Connexion au back-office"),
        ("de, es", "Connexion au back-office"),
        ("en;q=0", "Connexion au back-office"),
    ],
)
def test_before_signing_in_the_language_is_the_browsers_else_french(
    browser, accept_language, title
):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    assert _h1(browser.get("/sign-in", headers=headers).text) == title


def test_the_language_chosen_is_saved_on_the_user_and_beats_the_browser(browser, world: World):
    sign_in(browser)
    english = {"Accept-Language": "en"}
    assert _h1(browser.get("/dashboard", headers=english).text) == "Dashboard"
    answer = post(browser, "/account/language", {"language": "fr", "next": "/reports"})
    assert answer.headers["location"] == "/reports"
    assert _h1(browser.get("/reports", headers=english).text) == "Rapports"
    with world.factory() as session:
        assert world.user(session).locale == "fr"


def test_a_language_chosen_before_signing_in_is_kept_for_the_sign_in_page(browser):
    answer = post(browser, "/account/language", {"language": "en"}, page="/sign-in")
    assert answer.headers["location"] == "/sign-in"
    assert _h1(browser.get("/sign-in").text) == "Sign in to the back office"


def test_an_unknown_language_is_refused(browser):
    sign_in(browser)
    assert post(browser, "/account/language", {"language": "de"}).status_code == 422


def test_the_shop_selector_lists_the_users_shops_only(browser):
    sign_in(browser)
    html = browser.get("/dashboard").text
    assert _options(html) == sorted(GIVEN)
    assert OTHER[1] not in html
    assert post(browser, "/account/shop", {"shop": "22222222"}).status_code == 303
    assert '<option value="22222222" selected>' in browser.get("/dashboard").text


@pytest.mark.parametrize("shop", [OTHER[0], "99999999", ""])
def test_a_shop_not_given_is_not_found(browser, shop):
    sign_in(browser)
    answer = post(browser, "/account/shop", {"shop": shop})
    assert answer.status_code == 404
    assert "Page introuvable" in answer.text
    assert '<option value="11111111" selected>' in browser.get("/dashboard").text


def test_a_user_without_shops_sees_no_selector(browser, world: World):
    from pointage.auth.repository import UserRepository

    with world.factory() as session, session.begin():
        UserRepository(session).set_shops(world.user_id, [])
    sign_in(browser)
    html = browser.get("/dashboard").text
    assert _options(html) == []
    assert "Aucune boutique" in html


def test_the_password_form_shows_each_mistake_next_to_its_field(browser):
    sign_in(browser)
    answer = post(
        browser,
        "/account/password",
        {"current_password": "", "new_password": "short", "new_password_confirmation": "x"},
        page="/account/password",
    )
    assert answer.status_code == 422
    html = answer.text
    assert 'id="current_password-error">Saisissez votre mot de passe actuel.' in html
    assert 'id="new_password-error">Un mot de passe doit compter au moins 12 caractères.' in html
    assert 'aria-describedby="new_password-error"' in html


def test_a_wrong_current_password_is_told_and_counted(world: World):
    world.settings = world.settings.model_copy(update={"auth_max_failures": 2})
    form = {
        "current_password": "not my password",
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    }
    with world.client() as client:
        sign_in(client)
        for _ in range(2):
            answer = post(client, "/account/password", form, page="/account/password")
            assert answer.status_code == 422
            assert "Le mot de passe actuel est incorrect." in answer.text
        right = {**form, "current_password": PASSWORD}
        assert post(client, "/account/password", right, page="/account/password").status_code == 429


def test_a_password_change_keeps_this_session_and_ends_the_others(world: World):
    with world.client() as here, world.client() as elsewhere:
        sign_in(here)
        sign_in(elsewhere)
        form = {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_confirmation": NEW_PASSWORD,
        }
        answer = post(here, "/account/password", form, page="/account/password")
        assert answer.headers["location"] == "/account/password"
        assert "Votre mot de passe a été changé." in here.get("/account/password").text
        assert elsewhere.get("/dashboard").headers["location"] == "/sign-in"
        assert sign_in(elsewhere, password=NEW_PASSWORD).headers["location"] == "/dashboard"
        with world.factory() as session:
            user = session.get(User, world.user_id)
            assert user is not None and user.password_hash.startswith("$argon2id$")


def test_a_missing_page_is_a_page_for_browsers_and_a_problem_for_the_api(browser):
    html = {"Accept": "text/html,application/xhtml+xml"}
    page = browser.get("/no-such-page", headers=html)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Page introuvable" in page.text
    api = browser.get("/v1/no-such-resource", headers=html)
    assert api.headers["content-type"] == "application/problem+json"
    assert browser.get("/no-such-page").headers["content-type"] == "application/problem+json"


def test_a_missing_page_when_signed_in_leads_back_to_the_dashboard_in_the_users_language(
    browser, world: World
):
    html = {"Accept": "text/html", "Accept-Language": "fr"}
    assert 'href="/sign-in">' in browser.get("/no-such-page", headers=html).text
    with world.factory() as session, session.begin():
        world.user(session).locale = "en"
    sign_in(browser)
    page = browser.get("/no-such-page", headers=html)
    assert page.status_code == 404
    assert "Page not found" in page.text and 'href="/dashboard">Back to the dashboard' in page.text


def test_a_get_of_a_form_only_address_is_a_page(browser):
    answer = browser.get("/sign-out", headers={"Accept": "text/html"})
    assert answer.status_code == 405
    assert "Action non permise" in answer.text


# Routes that change something without the session's token, each for a reason: the one-click
# unsubscribe of the status page's e-mails is posted by mail clients themselves (RFC 8058),
# with no page and no session; the secret token in its address is the proof.
TOKEN_IN_ADDRESS = {"/status/subscriptions/unsubscribe"}


def test_every_back_office_route_checks_the_csrf_token(world: World):
    """A route outside the API that accepts more than GET must be a page route, whose
    dependencies check the CSRF token; so must the navigation's pages."""
    app = world.client().app
    unsafe, pages = set(), set()
    for context in iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        path = str(context.path_format)
        route = context.original_route
        if not isinstance(route, APIRoute) or path.startswith(("/v1/", "/api-payment/")):
            continue
        changes = set(context.methods or ()) - {"GET", "HEAD"}
        if isinstance(route, PageRoute):
            if changes and path not in TOKEN_IN_ADDRESS:
                assert any(dep.call is protect for dep in context.dependant.dependencies), path
            pages.add(path)
        elif changes and path != "/ipn":
            unsafe.add(path)
    assert unsafe == set()
    assert {"/sign-in", "/sign-out", "/account/password", "/account/shop"} <= pages
    assert {item.path for item in NAVIGATION} <= pages


def test_the_sign_in_page_keeps_next_in_its_form(browser):
    html = browser.get("/sign-in?next=/reports").text
    assert '<input type="hidden" name="next" value="/reports">' in html
    evil = browser.get("/sign-in?next=https://evil.example").text
    assert '<input type="hidden" name="next" value="https://evil.example">' not in evil
    assert page_token(browser)
