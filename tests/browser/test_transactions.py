"""Cash management in a real browser: filter the list, read the reconciliation indicator,
export the filter to Excel, sort by a column, see a line change while the page is open."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from pointage.core.statuses import ReconciliationStatus
from pointage.payment.models import Transaction
from pointage.payment.service.reconciliation import set_status_of_transactions
from pointage.shop.models import Shop
from tests.browser.conftest import EMAIL, GIVEN_SHOPS, PASSWORD, LiveApp, new_context, sign_in


def seed_transactions(live_app: LiveApp) -> None:
    """Two payments of the first shop: 123.45 reconciled, 67.89 in anomaly."""
    rows = [("ORDER-RECONCILED", "reconciled", 12_345), ("ORDER-ANOMALY", "anomaly", 6_789)]
    with live_app.session_factory() as session, session.begin():
        shop = session.scalars(select(Shop).where(Shop.shop_id == next(iter(GIVEN_SHOPS)))).one()
        for n, (order_id, reconciliation, amount) in enumerate(rows, start=1):
            session.add(
                Transaction(
                    uuid=f"{n:032x}",
                    shop_id=shop.id,
                    transaction_id=f"{n:06d}",
                    transaction_date=date(2026, 3, 2),
                    order_id=order_id,
                    operation_type="DEBIT",
                    amount_minor=amount,
                    original_amount_minor=amount,
                    currency="EUR",
                    detailed_status="CAPTURED",
                    status="PAID",
                    card_brand="CB",
                    card_masked=f"497010XXXXXX000{n}",
                    created_at=datetime(2026, 3, 2, 9, n, tzinfo=UTC),
                    expected_capture_date=date(2026, 3, 2),
                    reconciliation_status=reconciliation,
                    dispute_flag="na",
                    mode="PRODUCTION",
                )
            )


def test_filter_the_list_see_the_indicator_and_export_to_excel(
    page: Page, live_app: LiveApp, tmp_path: Path
):
    seed_transactions(live_app)
    sign_in(page)
    page.get_by_role("link", name="Gestion de caisse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gestion de caisse")
    rows = page.locator("table.tx-table tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_label("Rapprochement").select_option("anomaly")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"reconciliation=anomaly"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ORDER-ANOMALY")
    indicator = rows.first.locator(".recon")
    expect(indicator).to_have_text(re.compile(r"Anomalie"))
    expect(indicator).to_have_attribute("title", "Pas de date de crédit attendue")
    expect(rows.first).to_contain_text("67,89")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter en Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = openpyxl.load_workbook(saved)
    cells = {
        str(cell.value)
        for row in workbook.worksheets[0].iter_rows()
        for cell in row
        if cell.value is not None
    }
    assert "ORDER-ANOMALY" in cells
    assert "ORDER-RECONCILED" not in cells


def test_a_line_changes_in_place_when_its_reconciliation_changes(
    browser: Browser, live_app: LiveApp
):
    seed_transactions(live_app)
    context = new_context(browser, live_app, locale="en-GB")
    try:
        page = context.new_page()
        sign_in_in_english(page)
        page.goto("/transactions")
        row = page.locator("table.tx-table tbody tr", has_text="ORDER-ANOMALY")
        expect(row.locator(".recon")).to_have_text(re.compile("Anomaly"))
        page.evaluate("window.__kept = document.querySelector('h1')")  # the page stays as is

        with live_app.session_factory() as session, session.begin():
            pk = session.scalars(
                select(Transaction.id).where(Transaction.order_id == "ORDER-ANOMALY")
            ).one()
            set_status_of_transactions(session, [pk], ReconciliationStatus.RECONCILED_MANUAL)

        # The page asks for changes every 5 seconds: three rounds at most.
        expect(row.locator(".recon")).to_have_text(re.compile("Reconciled by hand"), timeout=15_000)
        expect(page.locator("#tx-live")).to_contain_text("Reconciled by hand")
        assert page.evaluate("window.__kept === document.querySelector('h1')"), "page reloaded"
        other = page.locator("table.tx-table tbody tr", has_text="ORDER-RECONCILED")
        expect(other.locator(".recon")).to_have_text(re.compile("Reconciled"))
    finally:
        context.close()


def test_a_click_on_a_header_sorts_and_a_second_reverses(browser: Browser, live_app: LiveApp):
    seed_transactions(live_app)
    context = new_context(browser, live_app, locale="en-GB")
    try:
        page = context.new_page()
        sign_in_in_english(page)
        page.goto("/transactions")
        orders = page.locator("table.tx-table tbody tr td:nth-child(3)")
        amount = page.get_by_role("columnheader", name="Amount")
        amount.get_by_role("link").click()
        expect(amount).to_have_attribute("aria-sort", "descending")
        expect(orders).to_have_text(["ORDER-RECONCILED", "ORDER-ANOMALY"])
        amount.get_by_role("link").click()
        expect(amount).to_have_attribute("aria-sort", "ascending")
        expect(orders).to_have_text(["ORDER-ANOMALY", "ORDER-RECONCILED"])
        page.get_by_role("link", name="Transaction 000001").click()
        expect(page).to_have_url(re.compile(r"/transactions/0{31}1$"))
    finally:
        context.close()


def sign_in_in_english(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
