"""Remittance tracking in a real browser (English pages): open the list from the navigation,
filter it by status, open a remittance's detail with its bank credit and evidence; every
page passes axe-core."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import EMAIL, PASSWORD, LiveApp
from tests.web.remittance_data import seed

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


def _sign_in(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def _no_axe_violations(page: Page) -> None:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    assert found == [], json.dumps(found, indent=1)


def test_open_the_list_filter_it_and_open_a_detail(browser: Browser, live_app: LiveApp):
    with live_app.session_factory() as session, session.begin():
        seeded = seed(session)
    # axe-core is added to the pages: the context lets it past their CSP.
    context = browser.new_context(base_url=live_app.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page)

    page.get_by_role("link", name="Remittance tracking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remittance tracking")
    rows = page.locator("table.rm-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("To review")
    expect(rows.nth(1)).to_contain_text("Reconciled")
    _no_axe_violations(page)

    page.get_by_label("Status").select_option("reconciled")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=reconciled"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("€150.00")

    page.get_by_label("Currency").fill("XYZ")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#f-currency-error")).to_have_text(
        "Enter an ISO 4217 currency code, such as EUR."
    )
    expect(page.get_by_label("Currency")).to_have_attribute("aria-invalid", "true")
    expect(rows).to_have_count(0)
    _no_axe_violations(page)

    page.get_by_label("Currency").fill("eur")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(f"/remittances/{seeded.ids['credited']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Remittance No. 1")
    entries = page.locator("table.rm-entries tbody")
    expect(entries).to_contain_text("releve.txt")
    expect(entries).to_contain_text("REMISE CB 000001")
    expect(page.locator("table.rm-evidence tbody tr").first).to_be_visible()
    transactions = page.get_by_role("region", name="Transactions")
    for uuid in seeded.uuids:
        expect(transactions.locator(f'a[href="/transactions/{uuid}"]')).to_have_count(1)
    _no_axe_violations(page)
    context.close()
