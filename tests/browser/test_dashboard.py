"""The dashboard in a real browser: signing in lands on it, with its figures and both charts."""

from __future__ import annotations

import re
from datetime import timedelta

from babel import Locale
from playwright.sync_api import Page, expect
from sqlalchemy import select

from pointage.core.calendar import add_business_days
from pointage.dashboard.views import shop_today
from pointage.demo.setup import french_iban
from pointage.shop import service as shops
from pointage.shop.models import Merchant, Shop
from pointage.web import formatting
from tests.browser.conftest import LiveApp, sign_in
from tests.dashboard.builders import Book
from tests.factories import ShopSetup

FRENCH = Locale.parse("fr_FR")


def _seed(live_app: LiveApp) -> None:
    """Boutique Paris: a payment today, a remittance awaiting its credit for 20 days."""
    today = shop_today("Europe/Paris")
    with live_app.session_factory() as session, session.begin():
        shop = session.scalars(select(Shop).where(Shop.shop_id == "11111111")).one()
        merchant = session.get(Merchant, shop.merchant_id)
        assert merchant is not None
        account = shops.create_bank_account(
            session, merchant, iban=french_iban("30004", "00828", "00010999999"), label="Main"
        )
        contract = shops.create_contract(
            session, shop, account, number="C11111111", acquirer="Test Acquirer"
        )
        book = Book(session, ShopSetup(merchant, shop, account, contract))
        book.transaction(today, 1_234_56)
        book.remittance(today - timedelta(days=20), 900_00, expected_on=add_business_days(today, 1))


def test_signing_in_lands_on_the_dashboard_with_its_figures_and_charts(
    page: Page, live_app: LiveApp
):
    _seed(live_app)
    sign_in(page)

    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    today = page.get_by_role("region", name="Aujourd'hui")
    expect(today).to_contain_text(formatting.money(1_234_56, "EUR", FRENCH))
    ages = page.locator("svg.chart-svg").nth(0)
    forecast = page.locator("svg.chart-svg").nth(1)
    expect(page.locator("svg.chart-svg")).to_have_count(2)
    expect(ages).to_be_visible()
    expect(forecast).to_be_visible()
    expect(ages.locator("rect")).to_have_count(1)
    expect(forecast.locator("rect")).to_have_count(1)
    nine_hundred = formatting.money(900_00, "EUR", FRENCH)
    expect(ages).to_have_attribute("aria-label", re.compile(f"8 jours et \\+: {nine_hundred}"))
    expect(forecast).to_have_attribute("aria-label", re.compile(re.escape(nine_hundred)))
