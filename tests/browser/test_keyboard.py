"""The back office with the keyboard alone, in a real browser: the skip link, the
navigation, the transaction list's filters and a line's link, Enter to open; every stop of
the focus is visibly marked on every main page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from pointage.web.backoffice import NAVIGATION
from tests.browser.conftest import LiveApp, new_context
from tests.browser.test_transactions import seed_transactions, sign_in_in_english

MAX_TABS = 80


@pytest.fixture
def english(browser: Browser, live_app: LiveApp) -> BrowserContext:
    context = new_context(browser, live_app, locale="en-GB")
    yield context
    context.close()


def _focused(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => {
          const e = document.activeElement;
          const s = getComputedStyle(e);
          // A date field's parts (day, month, year, the calendar button) take the focus inside
          // the field, where the browser marks them itself.
          const parts = /^(date|time|datetime-local|month|week)$/.test(e.type || '')
            && e.matches(':focus-within');
          const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
            || s.boxShadow !== 'none' || parts;
          return {
            tag: e.tagName.toLowerCase(),
            id: e.id || '',
            name: (e.getAttribute('aria-label') || e.innerText || e.value || '').trim(),
            visible: ring ? 'yes' : 'no',
          };
        }"""
    )


def _tab_until(page: Page, wanted: re.Pattern[str], *, seen: list[str] | None = None) -> None:
    """Tab until the focus is on an element whose id or name matches `wanted`, checking that
    every stop on the way is visibly focused."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focus = _focused(page)
        if focus["tag"] == "body":
            continue
        assert focus["visible"] == "yes", f"no visible focus on {focus}"
        if seen is not None:
            seen.append(focus["name"])
        if wanted.search(focus["id"]) or wanted.search(focus["name"]):
            return
    raise AssertionError(f"{wanted.pattern!r} not reached in {MAX_TABS} presses of Tab")


def test_skip_link_navigation_filters_and_a_line_with_the_keyboard(
    english: BrowserContext, live_app: LiveApp
):
    seed_transactions(live_app)
    page = english.new_page()
    sign_in_in_english(page)
    page.goto("/transactions")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # From the main content on: the filter fields, then the order id; Enter filters.
    _tab_until(page, re.compile(r"^f-order_id$"))
    page.keyboard.type("ORDER-ANOMALY")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"order_id=ORDER-ANOMALY"))
    expect(page.locator("table.tx-table tbody tr")).to_have_count(1)

    # From the top: the navigation, the filters, the headers, then the line's link.
    seen: list[str] = []
    _tab_until(page, re.compile(r"^Transaction 000002$"), seen=seen)
    assert "Cash management" in seen and "Filter" in seen
    assert seen.index("Cash management") < seen.index("Filter")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/transactions/0{31}2$"))


@pytest.mark.parametrize("item", NAVIGATION, ids=[item.key for item in NAVIGATION])
def test_every_focus_stop_of_a_main_page_is_visible(english: BrowserContext, item) -> None:
    page = english.new_page()
    sign_in_in_english(page)
    page.goto(item.path)
    stops = 0
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focus = _focused(page)
        if focus["tag"] == "body":  # past the last stop
            break
        assert focus["visible"] == "yes", f"{item.path}: no visible focus on {focus}"
        stops += 1
    assert stops >= len(NAVIGATION) + 1, f"{item.path}: only {stops} focus stops"
