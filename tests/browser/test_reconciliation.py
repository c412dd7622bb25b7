"""The reconciliation page in a real browser (English pages): a statement whose credits the
engine only suggests; one suggestion confirmed in one click (its entry leaves the list),
another rejected, and the transfer nothing expected matched by hand through the dialog
with a comment, then undone; every state of the page passes axe-core."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from pointage.reconciliation.models import Match, Suggestion
from tests.browser.conftest import LiveApp
from tests.web.reconciliation_data import ACCOUNTANT, PASSWORD, build

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SHOPS = ("44444444", "55555555", "66666666")
PREFIX = "rc-"


def _sign_in(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(PREFIX + ACCOUNTANT)
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


def test_confirm_reject_and_match_by_hand(browser: Browser, live_app: LiveApp):
    books = build(live_app.session_factory, SHOPS, PREFIX)
    first, second = books.first.entry_ids[0], books.second.entry_ids[0]
    # axe-core is added to the pages: the context lets it past their CSP.
    context = browser.new_context(base_url=live_app.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page)

    page.get_by_role("link", name="Reconciliation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reconciliation")
    entries = page.locator("article.rc-entry")
    expect(entries).to_have_count(3)
    _no_axe_violations(page)

    # Confirm: one click, and the entry leaves the list.
    page.get_by_role("button", name=f"Confirm suggestion {books.first.id}").click()
    expect(page.get_by_role("status")).to_contain_text("Suggestion confirmed")
    expect(entries).to_have_count(2)
    expect(page.locator(f"#entry-{first}")).to_have_count(0)

    # Reject, with the reason offered.
    block = page.locator(f"#suggestion-{books.second.id}")
    block.get_by_label("Why reject it").fill("The acquirer's transfer is elsewhere")
    block.get_by_role("button", name=f"Reject suggestion {books.second.id}").click()
    expect(page.get_by_role("status")).to_contain_text("Suggestion rejected")
    expect(page.locator(f"#suggestion-{books.second.id}")).to_have_count(0)
    expect(page.locator(f"#entry-{second}")).to_be_visible()  # open again, no suggestion

    # Match the transfer by hand through the dialog.
    transfer = page.locator(f"#entry-{books.open_entry.id}")
    # From the keyboard: Enter opens the dialog, Escape closes it.
    transfer.get_by_role("link", name="Match by hand").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Match by hand the entry of €90.00")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Remittance number")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    transfer.get_by_role("link", name="Match by hand").click()
    expect(dialog).to_be_visible()
    dialog.get_by_label("Amount").fill("90.22")
    dialog.get_by_role("button", name="Search").click()
    dialog = page.get_by_role("dialog", name="Match by hand the entry of €90.00")
    expect(dialog).to_be_visible()
    _no_axe_violations(page)
    dialog.get_by_label("Pick remittance No. 3").check()
    dialog.get_by_role("button", name="Match", exact=True).click()
    # The comment is required: the browser keeps the form until it is given.
    expect(dialog).to_be_visible()
    dialog.get_by_label("Comment (required): why they match").fill("Fee of 0.22 kept")
    dialog.get_by_role("button", name="Match", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Bank entry matched by hand")
    expect(page.locator(f"#entry-{books.open_entry.id}")).to_have_count(0)

    with live_app.session_factory() as session:
        decided = {
            s.id: s.status
            for s in session.scalars(
                select(Suggestion).where(Suggestion.id.in_([books.first.id, books.second.id]))
            )
        }
        manual = session.scalars(select(Match).where(Match.origin == "manual")).one()
    assert decided == {books.first.id: "confirmed", books.second.id: "rejected"}
    assert manual.comment == "Fee of 0.22 kept"

    # Undo the match by hand, after saying why.
    row = page.locator(f"#match-row-{manual.id}")
    row.get_by_text("Undo…").click()
    row.get_by_label("Why undo it").fill("Wrong remittance")
    row.get_by_role("button", name="Undo the match").click()
    expect(page.get_by_role("status")).to_contain_text("Match undone")
    expect(page.locator(f"#entry-{books.open_entry.id}")).to_be_visible()
    _no_axe_violations(page)
    context.close()
