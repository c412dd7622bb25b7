"""Back-office sessions: signing in and out, the session cookie, CSRF, where `next` may lead,
and what ends a session (password change, disabled account, age)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.service.users import disable_user, set_password
from pointage.settings import Settings
from pointage.web.body_limit import FORM_ALLOWANCE_BYTES
from pointage.web.session import serializer
from tests.web.backoffice_world import (
    EMAIL,
    PASSWORD,
    World,
    make_world,
    page_token,
    post,
    sign_in,
)

COOKIE = "pointage_session"


@pytest.fixture
def world(settings: Settings, session_factory: sessionmaker[Session]) -> World:
    return make_world(settings, session_factory)


@pytest.fixture
def browser(world: World) -> Iterator[TestClient]:
    """A client that keeps its cookies, like a browser, and does not follow redirects."""
    with world.client() as client:
        yield client


def _set_cookie(response) -> str:
    return response.headers.get("set-cookie", "")


def test_the_home_page_leads_to_sign_in_then_to_the_dashboard(browser):
    assert browser.get("/").headers["location"] == "/sign-in"
    assert sign_in(browser).headers["location"] == "/dashboard"
    assert browser.get("/").headers["location"] == "/dashboard"
    assert browser.get("/sign-in").headers["location"] == "/dashboard"


def test_the_session_cookie_is_http_only_and_same_site_lax(browser):
    cookie = _set_cookie(browser.get("/sign-in"))
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # plain http, and secure_cookies is off


def test_the_cookie_is_secure_over_https_and_when_the_setting_says_so(world: World):
    with world.client(base_url="https://testserver") as client:
        assert "; Secure" in _set_cookie(client.get("/sign-in"))
    world.settings = world.settings.model_copy(
        update={"secure_cookies": True, "session_cookie_name": "bo", "session_max_age_seconds": 600}
    )
    with world.client() as client:
        cookie = _set_cookie(client.get("/sign-in"))
        assert cookie.startswith("bo=")
        assert "; Secure" in cookie
        assert "Max-Age=600" in cookie


def test_a_wrong_password_is_refused_on_the_page_and_opens_no_session(browser):
    answer = sign_in(browser, password="not the password")
    assert answer.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in answer.text
    assert browser.get("/dashboard").headers["location"] == "/sign-in"


def test_empty_fields_are_asked_for_without_counting_a_failure(browser):
    answer = sign_in(browser, password="")
    assert answer.status_code == 422
    assert "Saisissez votre adresse e-mail et votre mot de passe." in answer.text


def test_too_many_failures_are_refused_with_the_wait_even_with_the_right_password(world: World):
    world.settings = world.settings.model_copy(update={"auth_max_failures": 2})
    with world.client() as client:
        for _ in range(2):
            assert sign_in(client, password="wrong guess").status_code == 401
        answer = sign_in(client)
        assert answer.status_code == 429
        assert int(answer.headers["retry-after"]) > 0
        assert "Trop de tentatives échouées. Réessayez dans" in answer.text
        assert "Traceback" not in answer.text
        assert client.get("/dashboard").status_code == 303


@pytest.mark.parametrize(
    ("next_path", "lands_on"),
    [
        ("/reports", "/reports"),
        ("/transactions?page=2", "/transactions?page=2"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
        ("/ok\r\nSet-Cookie: x=1", "/dashboard"),
        ("", "/dashboard"),
    ],
)
def test_next_leads_only_to_a_page_of_this_site(browser, next_path, lands_on):
    assert sign_in(browser, next=next_path).headers["location"] == lands_on


def test_a_page_needing_sign_in_sends_there_with_the_way_back(browser):
    answer = browser.get("/reports?period=2026-01")
    assert answer.status_code == 303
    assert (
        answer.headers["location"] == f"/sign-in?next={quote('/reports?period=2026-01', safe='')}"
    )


def test_a_post_without_the_sessions_token_is_refused_with_a_page(browser):
    sign_in(browser)
    for data, headers in [
        ({"language": "en"}, {}),
        ({"language": "en", "csrf_token": "forged"}, {}),
        ({"language": "en"}, {"X-CSRF-Token": "forged"}),
    ]:
        answer = browser.post("/account/language", data=data, headers=headers)
        assert answer.status_code == 403
        assert "Ce formulaire a expiré" in answer.text
    token = page_token(browser, "/dashboard")
    accepted = browser.post(
        "/account/language", data={"language": "en"}, headers={"X-CSRF-Token": token}
    )
    assert accepted.status_code == 303


def test_a_form_larger_than_any_the_back_office_takes_is_refused_before_it_is_read(
    world: World, browser
):
    sign_in(browser)
    token = page_token(browser, "/dashboard")
    limit = world.settings.statement_max_bytes + FORM_ALLOWANCE_BYTES
    oversized = {"language": "en", "csrf_token": token, "padding": "x" * (limit + 1)}
    answer = browser.post("/account/language", data=oversized)
    assert answer.status_code == 413
    assert "Ce fichier est trop volumineux" in answer.text
    # The language was not changed: the form was never read.
    assert '<html lang="fr">' in browser.get("/dashboard", follow_redirects=True).text
    within = browser.post("/account/language", data={"language": "en", "csrf_token": token})
    assert within.status_code == 303
    # Not even the sign-in page, open to anyone, takes one.
    browser.cookies.clear()
    assert browser.post("/sign-in", data=oversized).status_code == 413


def test_the_sign_in_form_itself_needs_the_token(browser):
    browser.get("/sign-in")
    answer = browser.post("/sign-in", data={"email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 403
    assert browser.get("/dashboard").status_code == 303


def test_another_sessions_token_is_refused(world: World):
    with world.client() as first, world.client() as second:
        sign_in(first)
        sign_in(second)
        foreign = page_token(first, "/dashboard")
        answer = second.post("/account/language", data={"language": "en", "csrf_token": foreign})
        assert answer.status_code == 403


def test_signing_in_renews_the_token(browser):
    before = page_token(browser)
    sign_in(browser)
    assert page_token(browser, "/dashboard") != before


def test_signing_out_ends_the_session(browser):
    sign_in(browser)
    answer = post(browser, "/sign-out", {})
    assert answer.headers["location"] == "/sign-in"
    assert browser.get("/dashboard").headers["location"] == "/sign-in"
    assert "Déconnexion effectuée." in browser.get("/sign-in").text


def test_an_altered_cookie_is_ignored(browser):
    sign_in(browser)
    value = browser.cookies[COOKIE]
    browser.cookies.clear()
    browser.cookies.set(COOKIE, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert browser.get("/dashboard").headers["location"] == "/sign-in"


def test_a_cookie_signed_under_another_key_is_ignored(browser, world: World):
    sign_in(browser)
    forged = serializer("another deployment's secret key, 0123456789").dumps({"uid": world.user_id})
    browser.cookies.clear()
    browser.cookies.set(COOKIE, forged)
    assert browser.get("/dashboard").headers["location"] == "/sign-in"


def test_a_session_unused_for_longer_than_its_age_is_over(world: World, monkeypatch):
    with world.client() as client:
        sign_in(client)
        assert client.get("/dashboard").status_code == 200
        value = client.cookies[COOKIE]
        data = serializer(world.settings.secret_key).loads(value)
        stale = int(datetime.now(UTC).timestamp()) - world.settings.session_max_age_seconds - 5
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: stale)
        old = serializer(world.settings.secret_key).dumps(data)
        monkeypatch.undo()
        client.cookies.clear()
        client.cookies.set(COOKIE, old)
        assert client.get("/dashboard").headers["location"] == "/sign-in"


def test_an_active_session_gets_its_cookie_renewed(world: World, monkeypatch):
    with world.client() as client:
        sign_in(client)
        value = client.cookies[COOKIE]
        data = serializer(world.settings.secret_key).loads(value)
        minutes_ago = int(datetime.now(UTC).timestamp()) - 120
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: minutes_ago)
        older = serializer(world.settings.secret_key).dumps(data)
        monkeypatch.undo()
        client.cookies.clear()
        client.cookies.set(COOKIE, older)
        answer = client.get("/dashboard")
        assert answer.status_code == 200
        assert _set_cookie(answer).startswith(f"{COOKIE}=")
        assert client.get("/dashboard").headers.get("set-cookie") is None  # fresh: not again


def test_a_password_reset_or_a_disabled_account_ends_open_sessions(world: World):
    with world.client() as client:
        sign_in(client)
        with world.factory() as session, session.begin():
            set_password(session, world.user(session), "an administrator's reset", actor="admin")
        assert client.get("/dashboard").headers["location"] == "/sign-in"
        sign_in(client, password="an administrator's reset")
        assert client.get("/dashboard").status_code == 200
        with world.factory() as session, session.begin():
            disable_user(session, world.user(session), actor="admin")
        assert client.get("/dashboard").headers["location"] == "/sign-in"
        assert sign_in(client, password="an administrator's reset").status_code == 401


def test_the_settings_defaults():
    settings = Settings(secret_key="x" * 40)
    assert (settings.session_cookie_name, settings.session_max_age_seconds) == (
        "pointage_session",
        8 * 3600,
    )
    assert settings.secure_cookies is False
    with pytest.raises(ValueError, match="session_cookie_name"):
        Settings(secret_key="x" * 40, session_cookie_name="bad name;")
