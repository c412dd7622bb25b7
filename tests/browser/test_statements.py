"""Bank statements in a real browser (English pages): a bank file uploaded through the page
with its progress bar and result, the statement opened with its entries; a broken file
refused with its reason; each page checked by axe-core."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import func, select

from pointage.shop import service as shop_service
from pointage.shop.models import Merchant
from pointage.statement.models import StatementFile
from tests.browser.conftest import EMAIL, PASSWORD, LiveApp
from tests.factories import IBAN_BANK_A
from tests.formats.samples import SAMPLES_DIR
from tests.statement.cfonb import day_statement, days_file

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def english(browser: Browser, live_app: LiveApp) -> Iterator[BrowserContext]:
    """An English context; its pages may load axe-core despite the pages' CSP."""
    with live_app.session_factory() as session, session.begin():
        merchant = session.scalars(select(Merchant)).one()
        shop_service.create_bank_account(
            session, merchant, iban=IBAN_BANK_A, label="Compte courant"
        )
    context = browser.new_context(base_url=live_app.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def sign_in(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def no_axe_violations(page: Page) -> None:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    assert found == [], json.dumps(found, indent=1)


def files(live_app: LiveApp) -> int:
    with live_app.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(StatementFile)) or 0)


def test_upload_a_statement_see_its_result_and_open_its_entries(
    english: BrowserContext, live_app: LiveApp, tmp_path: Path
):
    bank_file = tmp_path / "releve-0302.txt"
    bank_file.write_bytes(days_file(day_statement(0, [12_345, -2_000])))
    page = english.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page)
    page.get_by_role("link", name="Bank statements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bank statements")
    expect(page.get_by_text("No statement imported for this account yet.")).to_be_visible()
    no_axe_violations(page)

    page.get_by_label("Bank file", exact=True).set_input_files(str(bank_file))
    page.get_by_role("button", name="Upload and import").click()

    # The page stays: the result comes into it once the file has gone up.
    heading = page.locator("#result-heading")
    expect(heading).to_have_text(re.compile(r"Imported: releve-0302\.txt"))
    expect(heading).to_be_focused()
    expect(page.locator("#upload-status")).to_have_text("File sent; the result is below.")
    assert page.eval_on_selector("#upload-bar", "bar => bar.value") == 100
    expect(page).to_have_url(re.compile(r"/statements$"))
    result = page.locator("#upload-result")
    expect(result).to_contain_text("2 entries; 2 imported, 0 skipped.")
    expect(result).to_contain_text(re.compile(r"Run #\d+: 0 matched automatically"))
    statements = page.locator("#statement-accounts table tbody tr")
    expect(statements).to_have_count(1)
    expect(statements.first).to_contain_text("€1,103.45")
    no_axe_violations(page)

    statements.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statement of Compte courant")
    entries = page.locator("table.st-entry-table tbody tr")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("€123.45")
    expect(entries.nth(1)).to_contain_text("-€20.00")
    expect(entries.nth(0).locator(".recon")).to_have_text(re.compile(r"Open|Not a card movement"))
    expect(entries.nth(0).get_by_role("link")).to_have_attribute(
        "href", re.compile(r"^/reconciliation\?entry=\d+$")
    )
    no_axe_violations(page)


def test_a_broken_file_is_refused_with_its_reason(
    english: BrowserContext, live_app: LiveApp, tmp_path: Path
):
    broken = tmp_path / "coupe.xml"
    broken.write_bytes((SAMPLES_DIR / "camt" / "genkgo-camt053.v2.minimal.xml").read_bytes()[:300])
    page = english.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page)
    page.goto("/statements")

    page.get_by_label("Bank file", exact=True).set_input_files(str(broken))
    page.get_by_role("button", name="Upload and import").click()

    alert = page.locator("#upload-result [role=alert]")
    expect(alert).to_contain_text("Refused: coupe.xml")
    expect(alert).to_contain_text("Nothing was imported")
    expect(alert.locator(".st-reason")).to_have_text(
        re.compile(r"^coupe\.xml: record 6: the XML is not well-formed")
    )
    assert files(live_app) == 0
    no_axe_violations(page)


def test_without_javascript_the_form_posts_and_the_answer_shows_the_result(
    browser: Browser, live_app: LiveApp, english: BrowserContext, tmp_path: Path
):
    bank_file = tmp_path / "releve.txt"
    bank_file.write_bytes(days_file(day_statement(0, [500])))
    context = browser.new_context(base_url=live_app.url, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    sign_in(page)
    page.goto("/statements")

    page.get_by_label("Bank file", exact=True).set_input_files(str(bank_file))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and import").click()

    expect(page).to_have_url(re.compile(r"/statements/upload$"))
    expect(page.locator("#result-heading")).to_have_text(re.compile(r"Imported: releve\.txt"))
    assert files(live_app) == 1
    context.close()
