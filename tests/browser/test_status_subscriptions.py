"""Subscribing to the status page in Chromium, with the keyboard only: the e-mail form, its
refusal of a bad address, the "check your mailbox" answer, the unsubscribe page and its
button; no serious accessibility violation (axe-core) on any of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from pointage.settings import Settings
from pointage.status.models import StatusSubscriber
from pointage.status.subscriptions import unsubscribe_token
from tests.browser.conftest import LiveApp

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture
def english(browser: Browser, live_app: LiveApp) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live_app.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def _check_accessibility(page: Page) -> None:
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `npm ci --prefix tests/browser`", pytrace=False)
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    blocking = [v for v in found if v.get("impact") in BLOCKING]
    assert not blocking, "\n".join(f"{v['id']}: {v['help']} {v['nodes'][:3]}" for v in blocking)


def test_subscribe_with_the_keyboard_then_unsubscribe(
    english: BrowserContext, live_app: LiveApp, settings: Settings
) -> None:
    page = english.new_page()
    answer = page.goto("/status/subscribe")
    assert answer is not None and answer.status == 200
    _check_accessibility(page)

    email = page.get_by_label("E-mail address")
    email.focus()
    email.fill("not an address")
    page.keyboard.press("Enter")
    expect(page.locator("#subscribe-email-error")).to_contain_text("Enter a valid e-mail address")
    expect(page.get_by_label("E-mail address")).to_have_attribute("aria-invalid", "true")
    _check_accessibility(page)

    page.get_by_label("E-mail address").fill("Ana@Example.com")
    page.get_by_label("E-mail address").press("Tab")
    expect(page.get_by_role("button", name="Subscribe by e-mail")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your mailbox")).to_be_visible()
    _check_accessibility(page)

    with live_app.session_factory() as session:
        subscriber = session.scalars(select(StatusSubscriber)).one()
        assert subscriber.target == "ana@example.com"
        token = unsubscribe_token(subscriber, settings.secret_key)
    page.goto(f"/status/subscriptions/unsubscribe?token={token}")
    expect(page.get_by_role("heading", name="Unsubscribe")).to_be_visible()
    _check_accessibility(page)
    button = page.get_by_role("button", name="Unsubscribe")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Unsubscribed")).to_be_visible()
    with live_app.session_factory() as session:
        assert session.scalars(select(StatusSubscriber.unsubscribed_at)).one() is not None
