"""The transaction detail in a real browser (English pages): opened from the list, a refund
confirmed in its dialog grows the timeline, a reconciliation by hand changes the indicator
and is undone; without JavaScript the confirmation is a page of its own; each page and
dialog checked by axe-core."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import EMAIL, GIVEN_SHOPS, PASSWORD, LiveApp, new_context
from tests.web.detail_data import reconciled

PARIS = next(iter(GIVEN_SHOPS))
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


def sign_in_in_english(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_open_a_detail_from_the_list_and_refund_it_with_confirmation(
    browser: Browser, live_app: LiveApp
):
    with live_app.session_factory() as session, session.begin():
        data = reconciled(session, PARIS)
    context = new_context(browser, live_app, locale="en-GB")
    page = context.new_page()
    sign_in_in_english(page)
    page.goto("/transactions")
    row = page.locator(f"#tx-{data.payment}")
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(f"/transactions/{data.payment}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Transaction \d{6}$"))
    events = page.locator("#timeline > li")
    before = events.count()
    assert before >= 3

    page.get_by_role("link", name="Refund the payment…").click()
    dialog = page.get_by_role("dialog", name="Refund the payment")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Amount to refund")).to_have_value("100.00")
    expect(dialog.get_by_label("Amount to refund")).to_be_focused()
    dialog.get_by_label("Amount to refund").fill("40.00")
    dialog.get_by_label("Comment (optional)").fill("Damaged parcel")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Refund", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("A refund of €40.00 was created")
    expect(events).to_have_count(before + 1)
    refunded = events.filter(has_text="Refunded")
    expect(refunded).to_contain_text("Damaged parcel")
    expect(refunded).to_contain_text("By compta@example.com · Back office")
    expect(page.locator("#left-to-refund")).to_have_text("€60.00")
    context.close()


def test_a_dialog_closes_without_doing_anything(browser: Browser, live_app: LiveApp):
    with live_app.session_factory() as session, session.begin():
        data = reconciled(session, PARIS)
    context = new_context(browser, live_app, locale="en-GB")
    page = context.new_page()
    sign_in_in_english(page)
    page.goto(f"/transactions/{data.payment}")
    events = page.locator("#timeline > li").count()

    page.get_by_role("link", name="Duplicate the payment…").click()
    dialog = page.get_by_role("dialog", name="Duplicate the payment")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Go back").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("link", name="Duplicate the payment…").click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.reload()
    expect(page.locator("#timeline > li")).to_have_count(events)
    context.close()


def test_reconcile_by_hand_with_a_comment_then_undo_it(browser: Browser, live_app: LiveApp):
    with live_app.session_factory() as session, session.begin():
        data = reconciled(session, PARIS, matched=False)
    context = new_context(browser, live_app, locale="en-GB")
    page = context.new_page()
    sign_in_in_english(page)
    page.goto(f"/transactions/{data.payment}")
    indicator = page.locator("#reconciliation-indicator")
    expect(indicator).to_have_text(re.compile("Pending"))

    page.get_by_role("link", name="Reconcile by hand…").click()
    dialog = page.get_by_role("dialog", name="Reconcile by hand")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Mark reconciled").click()
    # Without a comment: told next to the field, nothing changed.
    expect(page.locator("#confirm-comment-error")).to_have_text("Enter a comment: say why.")
    page.get_by_label("Comment (required): why").fill("Paid by bank transfer")
    with page.expect_navigation():
        page.get_by_role("button", name="Mark reconciled").click()

    expect(page).to_have_url(re.compile(f"/transactions/{data.payment}$"))
    expect(indicator).to_have_text(re.compile("Reconciled by hand"))
    expect(indicator).to_have_class(re.compile("recon-ok-manual"))
    expect(page.locator("#timeline")).to_contain_text("Paid by bank transfer")

    page.get_by_role("link", name=re.compile(r"^Undo the match \(match \d+\)…$")).click()
    dialog = page.get_by_role("dialog", name="Undo the match")
    dialog.get_by_label("Comment (required): why").fill("Transfer was for another order")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Undo the match").click()

    expect(page.get_by_role("status")).to_contain_text("The match is undone")
    # Computed again as of today: its credit, expected on 4 March 2026, is overdue.
    expect(indicator).to_have_text(re.compile("To review"))
    expect(page.locator("#timeline > li").filter(has_text="Match undone")).to_contain_text(
        "Transfer was for another order"
    )
    context.close()


def test_without_javascript_the_confirmation_is_a_page_of_its_own(
    browser: Browser, live_app: LiveApp
):
    with live_app.session_factory() as session, session.begin():
        data = reconciled(session, PARIS)
    context = browser.new_context(base_url=live_app.url, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in_in_english(page)
    page.goto(f"/transactions/{data.payment}")

    page.get_by_role("link", name="Refund the payment…").click()
    expect(page).to_have_url(re.compile(f"/transactions/{data.payment}/refund$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Refund the payment")
    page.get_by_label("Amount to refund").fill("100.01")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.locator("#confirm-amount-error")).to_have_text(
        "The refund cannot be above €100.00, what is left to refund."
    )
    page.get_by_label("Amount to refund").fill("100")
    page.get_by_role("button", name="Refund", exact=True).click()

    expect(page).to_have_url(re.compile(f"/transactions/{data.payment}$"))
    expect(page.get_by_role("status")).to_contain_text("A refund of €100.00 was created")
    expect(page.get_by_role("link", name="Refund the payment…")).to_have_count(0)
    context.close()


def no_axe_violations(page: Page) -> None:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    assert found == [], json.dumps(found, indent=1)


def test_the_detail_its_dialogs_and_its_confirmation_pages_pass_axe(
    browser: Browser, live_app: LiveApp
):
    with live_app.session_factory() as session, session.begin():
        data = reconciled(session, PARIS)
    # axe-core is added to the page: the context lets it past the pages' CSP.
    context = browser.new_context(base_url=live_app.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in_in_english(page)
    page.goto(f"/transactions/{data.payment}")
    no_axe_violations(page)

    page.get_by_role("link", name="Refund the payment…").click()
    expect(page.get_by_role("dialog", name="Refund the payment")).to_be_visible()
    no_axe_violations(page)

    page.goto(f"/transactions/{data.payment}/refund")
    page.get_by_label("Amount to refund").fill("abc")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.locator("#confirm-amount-error")).to_be_visible()
    no_axe_violations(page)
    context.close()
