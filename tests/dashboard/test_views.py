"""The dashboard page through HTTP: the figures it shows are the service's for the user's shop,
another merchant's shop never counts, the period form, and both languages."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from babel import Locale
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.service.users import create_user
from pointage.core.calendar import add_business_days
from pointage.core.statuses import DetailedStatus, OperationType, Role
from pointage.dashboard import service
from pointage.dashboard.views import shop_today
from pointage.settings import Settings
from pointage.shop.models import BankAccount, Contract, Merchant, Shop
from pointage.web import formatting
from pointage.web.app import create_app
from tests.dashboard.builders import Book
from tests.factories import IBAN_BANK_B, ShopSetup, make_shop
from tests.web.backoffice_world import post, sign_in

EMAIL = "tresorerie@example.com"
PASSWORD = "correct horse battery staple"
FRENCH = Locale.parse("fr_FR")
ENGLISH = Locale.parse("en")


@dataclass
class Data:
    shop_pk: int
    today: date


def _seed(factory: sessionmaker[Session]) -> Data:
    """Shop A (the user's) and shop B of another merchant, each with a payment, a refund, a
    refused payment, an anomaly and awaited remittances made today in Paris."""
    today = shop_today("Europe/Paris")
    with factory() as session, session.begin():
        a = Book(session, make_shop(session, shop_id="11111111"))
        b = Book(session, make_shop(session, shop_id="22222222", iban=IBAN_BANK_B))
        for book, scale in ((a, 1), (b, 7)):
            book.transaction(today, 1_234_56 * scale)
            book.transaction(today, 20_00 * scale, kind=OperationType.CREDIT)
            book.transaction(today, 5_00 * scale, status=DetailedStatus.REFUSED)
            book.transaction(today, 3_33 * scale, reconciliation="anomaly")
            book.remittance(
                today - timedelta(days=10), 900_00 * scale, expected_on=today - timedelta(days=8)
            )
            book.remittance(today, 450_00 * scale, expected_on=add_business_days(today, 2))
        create_user(session, EMAIL, Role.ACCOUNTANT, ["11111111"], password=PASSWORD)
        return Data(a.shop.id, today)


@pytest.fixture
def data(session_factory: sessionmaker[Session]) -> Data:
    return _seed(session_factory)


@pytest.fixture
def browser(settings: Settings, data: Data) -> Iterator[TestClient]:
    with TestClient(create_app(settings), follow_redirects=False) as client:
        assert sign_in(client, EMAIL, PASSWORD).status_code == 303
        yield client


def _text(page: str) -> str:
    return html.unescape(page)


def _figures(session_factory: sessionmaker[Session], data: Data, period=None):
    with session_factory() as session:
        return service.dashboard(session, [data.shop_pk], data.today, period)


def _setup_of(session: Session, shop_pk: int) -> ShopSetup:
    shop = session.get(Shop, shop_pk)
    assert shop is not None
    contract = session.scalars(select(Contract).where(Contract.shop_id == shop_pk)).one()
    merchant = session.get(Merchant, shop.merchant_id)
    account = session.get(BankAccount, contract.bank_account_id)
    assert merchant is not None and account is not None
    return ShopSetup(merchant, shop, account, contract)


def _money(minor: int, locale: Locale = FRENCH) -> str:
    return formatting.money(minor, "EUR", locale)


def test_the_page_shows_the_services_figures_for_the_users_shop(
    browser: TestClient, session_factory: sessionmaker[Session], data: Data
):
    page = browser.get("/dashboard")
    text = _text(page.text)
    figures = _figures(session_factory, data)

    assert page.status_code == 200
    assert "badge-soon" not in text
    for totals in (
        figures.today_volumes.payments,
        figures.today_volumes.refunds,
        figures.today_volumes.refused,
        figures.period_volumes.payments,
        figures.anomalies,
        figures.awaiting_credit.total,
        figures.forecast.overdue,
    ):
        assert totals.count > 0
        assert _money(totals.amount("EUR")) in text
    for bucket in figures.awaiting_credit.buckets:
        assert _money(bucket.totals.amount("EUR")) in text
    charts = re.findall(r'<svg class="chart-svg"[^>]*aria-label="([^"]*)"', page.text)
    assert len(charts) == 2
    ages, forecast = (html.unescape(label) for label in charts)
    assert ages.startswith("En attente de crédit par ancienneté")
    assert _money(figures.awaiting_credit.buckets[3].totals.amount("EUR")) in ages
    expected = [day.totals.amount("EUR") for day in figures.forecast.days]
    assert sum(expected) == 450_00
    assert [_money(minor) for minor in expected] == re.findall(
        r"[^:;]+: ([^;]+)", forecast.split(": ", 1)[1]
    )
    rate = re.search(r'id="reconciliation-rate">([^<]*)<', page.text)
    assert rate and _text(rate.group(1)) == formatting.ratio(
        figures.reconciliation.reconciled, figures.reconciliation.due, FRENCH
    )


def test_another_merchants_shop_is_never_counted(browser: TestClient):
    text = _text(browser.get("/dashboard").text)

    for minor in (1_234_56 * 7, 20_00 * 7, 900_00 * 7, 450_00 * 7, 3_33 * 7):
        assert _money(minor) not in text
    assert post(browser, "/account/shop", {"shop": "22222222"}).status_code == 404
    assert _money(1_234_56 * 7) not in _text(browser.get("/dashboard").text)


def test_a_chosen_period_counts_its_days_only(
    browser: TestClient, session_factory: sessionmaker[Session], data: Data
):
    day = data.today - timedelta(days=10)  # the first remittance's payment, and nothing else
    page = browser.get("/dashboard", params={"from": day.isoformat(), "to": day.isoformat()})
    figures = _figures(session_factory, data, service.Period(day, day))
    text = _text(page.text)
    card = text[text.index('id="period-volumes-heading"') : text.index('id="rate-heading"')]

    assert page.status_code == 200
    assert figures.period_volumes.payments.amount("EUR") == 10_00
    assert f'<span class="dash-amount">{_money(10_00)}</span>' in card
    assert _money(1_234_56) not in card
    assert f'value="{day.isoformat()}"' in text
    assert f"Du {formatting.day(day, FRENCH)} au {formatting.day(day, FRENCH)}" in text


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            {"from": "2026-13-01"},
            "from",
            "Saisissez une date entre le 2000-01-01 et le 2100-12-31.",
        ),
        (
            {"from": "2026-05-10", "to": "2026-05-09"},
            "from",
            "Le premier jour est après le dernier.",
        ),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "to", "Une période couvre au plus 366 jours."),
    ],
)
def test_a_wrong_period_is_told_next_to_its_field_and_the_month_to_date_shown(
    browser: TestClient,
    session_factory: sessionmaker[Session],
    query: dict[str, str],
    field: str,
    message: str,
    data: Data,
):
    page = browser.get("/dashboard", params=query)
    text = _text(page.text)

    assert page.status_code == 400
    assert f'<p class="field-error" id="period-{field}-error">{message}</p>' in text
    month = _figures(session_factory, data).period_volumes.payments.amount("EUR")
    assert formatting.day(data.today.replace(day=1), FRENCH) in text
    assert f'<span class="dash-amount">{_money(month)}</span>' in text


def test_the_page_in_english(
    browser: TestClient, session_factory: sessionmaker[Session], data: Data
):
    page = browser.get("/dashboard", headers={"Accept-Language": "en"})
    text = _text(page.text)

    assert "<h1>Dashboard</h1>" in text
    assert "Awaiting credit" in text and "Credits expected" in text
    today = _figures(session_factory, data).today_volumes.payments.amount("EUR")
    assert _money(today, ENGLISH).startswith("€1,2")
    assert f'<span class="dash-amount">{_money(today, ENGLISH)}</span>' in text
    assert "Awaiting credit by age in business days (EUR)" in text


def test_each_currency_has_its_own_figures_and_charts_never_added_together(
    browser: TestClient, session_factory: sessionmaker[Session], data: Data
):
    with session_factory() as session, session.begin():
        setup = _setup_of(session, data.shop_pk)
        book = Book(session, setup, remittance_numbers={setup.contract.id: 100})
        book.remittance(
            data.today, 5_000, currency="JPY", expected_on=add_business_days(data.today, 1)
        )
    page = browser.get("/dashboard")
    charts = [
        html.unescape(label)
        for label in re.findall(r'<svg class="chart-svg"[^>]*aria-label="([^"]*)"', page.text)
    ]

    assert len(charts) == 4
    assert [label.split(": ")[0][-5:] for label in charts] == ["(EUR)", "(JPY)"] * 2
    assert formatting.money(5_000, "JPY", FRENCH) in charts[1]
    assert formatting.money(5_000, "JPY", FRENCH) in charts[3]
