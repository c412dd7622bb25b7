"""Cash management in a real browser: filter the list, read the reconciliation indicator,
export the filter to Excel."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect
from sqlalchemy import select

from pointage.payment.models import Transaction
from pointage.shop.models import Shop
from tests.browser.conftest import GIVEN_SHOPS, LiveApp, sign_in


def _seed(live_app: LiveApp) -> None:
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
    _seed(live_app)
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
