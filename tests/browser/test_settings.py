"""Settings in a real browser (English pages), as an administrator: an API key created and
seen once, then revoked after confirmation; a webhook endpoint created; a user created with
a password shown once that signs in; every page passes axe-core."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect

from pointage.auth.service.users import create_user
from pointage.core.statuses import Role
from tests.browser.conftest import GIVEN_SHOPS, PASSWORD, LiveApp

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
ADMIN = "admin@example.com"


def _context(browser: Browser, live_app: LiveApp) -> BrowserContext:
    # axe-core is added to the pages: the context lets it past their CSP.
    context = browser.new_context(base_url=live_app.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    return context


def _sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def _no_axe_violations(page: Page) -> None:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    assert found == [], json.dumps(found, indent=1)


def _admin(live_app: LiveApp) -> None:
    with live_app.session_factory() as session, session.begin():
        create_user(session, ADMIN, Role.ADMIN, list(GIVEN_SHOPS), password=PASSWORD)


def test_an_api_key_is_shown_once_then_revoked(browser: Browser, live_app: LiveApp):
    _admin(live_app)
    context = _context(browser, live_app)
    page = context.new_page()
    _sign_in(page, ADMIN, PASSWORD)
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Settings"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    _no_axe_violations(page)

    page.get_by_role("heading", name="API keys").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API keys")
    page.get_by_label("Mode").select_option("TEST")
    page.get_by_label("Label").fill("Online shop")
    page.get_by_role("button", name="Create a key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API key created")
    secret = page.locator("#secret-value").inner_text().strip()
    assert re.fullmatch(r"testpassword_11111111_\S{20,}", secret)
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    _no_axe_violations(page)

    page.get_by_role("link", name="Done").click()
    rows = page.locator("table.tx-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Online shop")
    expect(rows.first).to_contain_text("Active")
    assert secret not in page.content()
    assert secret[:25] in page.content()
    _no_axe_violations(page)

    rows.first.get_by_role("button", name=re.compile("Revoke")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revoke the key")
    _no_axe_violations(page)
    page.get_by_role("button", name="Revoke the key").click()
    expect(page.get_by_role("status").first).to_contain_text("is revoked")
    expect(rows.first).to_contain_text("Revoked")
    expect(rows.first.get_by_role("button")).to_have_count(0)
    context.close()


def test_a_webhook_endpoint_and_a_user_are_created(browser: Browser, live_app: LiveApp):
    _admin(live_app)
    context = _context(browser, live_app)
    page = context.new_page()
    _sign_in(page, ADMIN, PASSWORD)

    page.goto("/settings/webhooks")
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    page.get_by_label("Address (URL)").fill("https://hooks.example.com/pointage")
    page.get_by_role("button", name="Create the endpoint").click()
    expect(page.get_by_role("alert")).to_contain_text("No endpoint was created")
    expect(page.locator("#events-error")).to_have_text(re.compile("Choose at least one event"))
    _no_axe_violations(page)
    page.get_by_label(re.compile("A report is ready")).check()
    page.get_by_role("button", name="Create the endpoint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook endpoint created")
    expect(page.locator("#secret-value")).to_have_text(re.compile(r"^whsec_"))
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook endpoint")
    expect(page.get_by_label("Address (URL)")).to_have_value("https://hooks.example.com/pointage")
    expect(page.get_by_text("No delivery yet.")).to_be_visible()
    _no_axe_violations(page)

    page.get_by_role("link", name="Users", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    page.get_by_label("E-mail address").fill("new.user@example.com")
    page.get_by_label("Role").select_option("read_only")
    page.get_by_role("button", name="Create the user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("User created")
    password = page.locator("#secret-value").inner_text().strip()
    _no_axe_violations(page)
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("new.user@example.com")
    _no_axe_violations(page)

    for path in ("/settings/users", "/settings/contracts", "/settings/bank-accounts"):
        page.goto(path)
        _no_axe_violations(page)

    other = _context(browser, live_app).new_page()
    _sign_in(other, "new.user@example.com", password)
    expect(other).to_have_url(re.compile(r"/dashboard$"))
    other.goto("/settings")
    expect(other.get_by_role("heading", level=1)).to_have_text("Access refused")
    context.close()
