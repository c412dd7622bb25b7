"""The back office in French and in English in a real browser: switching the language
changes the texts and the way amounts and dates are written, and switching back restores
them."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveApp, sign_in
from tests.browser.test_transactions import seed_transactions

FRENCH_AMOUNT = re.compile(r"123,45\s€")  # "123,45 €", with a (narrow) no-break space
ENGLISH_AMOUNT = "€123.45"


def _switch(page: Page, language: str) -> None:
    page.locator("details.user-menu > summary").click()
    with page.expect_navigation():
        page.get_by_role("button", name=language).click()


def test_french_to_english_and_back_changes_texts_and_amounts(page: Page, live_app: LiveApp):
    seed_transactions(live_app)
    sign_in(page)
    page.goto("/transactions")
    row = page.locator("table.tx-table tbody tr", has_text="ORDER-RECONCILED")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Gestion de caisse")
    expect(row).to_contain_text(FRENCH_AMOUNT)
    expect(row).to_contain_text("Rapproché")
    expect(page.get_by_role("columnheader", name="Montant")).to_be_visible()

    _switch(page, "English")
    expect(page).to_have_url(re.compile(r"/transactions$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(heading).to_have_text("Cash management")
    expect(row).to_contain_text(ENGLISH_AMOUNT)
    expect(row).not_to_contain_text(FRENCH_AMOUNT)
    expect(row).to_contain_text("Reconciled")
    expect(page.get_by_role("columnheader", name="Amount")).to_be_visible()
    expect(page.get_by_role("button", name="Filter")).to_be_visible()

    _switch(page, "Français")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(heading).to_have_text("Gestion de caisse")
    expect(row).to_contain_text(FRENCH_AMOUNT)
    expect(row).not_to_contain_text(ENGLISH_AMOUNT)
    expect(page.get_by_role("button", name="Filtrer")).to_be_visible()
