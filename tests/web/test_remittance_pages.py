"""Remittance tracking through HTTP: the selected shop's remittances with their figures and
status, the filters checked field by field, cursor pages, and a remittance's detail with its
transactions and the bank entry that credited it; another shop's remittance is not found."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from pointage.remittance import views as remittance_views
from tests.web.backoffice_world import World, make_world, post, sign_in
from tests.web.remittance_data import LYON, PARIS, seed

ENGLISH = {"Accept-Language": "en"}


@dataclass
class Remittances:
    world: World
    ids: dict[str, int]
    uuids: list[str]


@pytest.fixture
def data(settings, session_factory) -> Remittances:
    """The remittances of tests.web.remittance_data, seen by the accountant of Paris and
    Lyon (Paris selected)."""
    world = make_world(settings, session_factory)
    with session_factory() as session, session.begin():
        seeded = seed(session)
    return Remittances(world, seeded.ids, seeded.uuids)


@pytest.fixture
def client(data: Remittances):
    with data.world.client(headers=ENGLISH) as client:
        sign_in(client)
        yield client


def _rows(html: str) -> list[str]:
    """The remittance links of the list, in order."""
    return re.findall(r'<a href="/remittances/(\d+)">', html)


def test_the_list_shows_the_selected_shop_s_remittances_newest_first(data, client) -> None:
    response = client.get("/remittances")
    assert response.status_code == 200
    ids = data.ids
    assert _rows(response.text) == [str(ids["overdue"]), str(ids["credited"])]
    html = response.text
    # Figures of `credited`: gross 150.00, the fee 0.80 % + 0.05 on each payment.
    assert "€150.00" in html
    assert "Reconciled" in html and "To review" in html
    assert f"C{PARIS}" in html


def test_another_shop_s_remittances_are_listed_once_it_is_chosen(data, client) -> None:
    post(client, "/account/shop", {"shop": LYON, "next": "/remittances"}, page="/remittances")
    response = client.get("/remittances")
    assert _rows(response.text) == [str(data.ids["lyon"])]


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("status=reconciled", ["credited"]),
        ("status=to_review", ["overdue"]),
        ("status=pending", []),
        ("from=2026-03-03", ["overdue"]),
        ("to=2026-03-02", ["credited"]),
        (f"contract=C{PARIS}", ["overdue", "credited"]),
        ("currency=eur", ["overdue", "credited"]),
        ("currency=USD", []),
    ],
)
def test_the_filters_narrow_the_list(data, client, query, kept) -> None:
    response = client.get(f"/remittances?{query}")
    assert response.status_code == 200
    assert _rows(response.text) == [str(data.ids[name]) for name in kept]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2026-02-30", "from", "Enter a date as YYYY-MM-DD."),
        ("to=yesterday", "to", "Enter a date as YYYY-MM-DD."),
        ("from=2026-03-05&to=2026-03-01", "from", "The start date is after the end date."),
        ("status=paid", "status", "Choose a value from the list."),
        (f"contract=C{LYON}", "contract", "Choose one of the contracts of this shop."),
        ("currency=EURO", "currency", "Enter an ISO 4217 currency code, such as EUR."),
        ("currency=XYZ", "currency", "Enter an ISO 4217 currency code, such as EUR."),
    ],
)
def test_a_wrong_filter_is_told_next_to_its_field_and_nothing_is_listed(
    data, client, query, field, message
) -> None:
    response = client.get(f"/remittances?{query}")
    assert response.status_code == 400
    html = response.text
    assert f'id="f-{field}-error">{message}</p>' in html
    assert f'id="f-{field}" ' in html and 'aria-invalid="true"' in html
    assert _rows(html) == []


def test_pages_follow_by_cursor_and_a_foreign_cursor_is_not_found(
    data, client, monkeypatch
) -> None:
    monkeypatch.setattr(remittance_views, "PAGE_SIZE", 1)
    ids = data.ids
    first = client.get("/remittances")
    assert _rows(first.text) == [str(ids["overdue"])]
    assert f'href="/remittances?after={ids["overdue"]}" rel="next"' in first.text
    second = client.get(f"/remittances?after={ids['overdue']}")
    assert _rows(second.text) == [str(ids["credited"])]
    assert f'href="/remittances?before={ids["credited"]}" rel="prev"' in second.text
    back = client.get(f"/remittances?before={ids['credited']}")
    assert _rows(back.text) == [str(ids["overdue"])]
    filtered = client.get(f"/remittances?currency=EUR&after={ids['overdue']}")
    assert _rows(filtered.text) == [str(ids["credited"])]
    for cursor in (ids["lyon"], ids["nice"], "abc", 2**70):
        assert client.get(f"/remittances?after={cursor}").status_code == 404


def test_the_detail_shows_figures_transactions_bank_entry_and_evidence(data, client) -> None:
    response = client.get(f"/remittances/{data.ids['credited']}")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Remittance No. 1</h1>" in html
    assert "Reconciled" in html
    assert "€150.00" in html  # gross
    for uuid in data.uuids:
        assert f'href="/transactions/{uuid}"' in html
    assert len(data.uuids) == 2
    assert "releve.txt" in html  # the statement file of the bank's credit
    assert "REMISE CB 000001" in html  # its label
    assert "Evidence" in html and "Met" in html
    assert "Automatic" in html


def test_a_remittance_without_credit_says_so(data, client) -> None:
    response = client.get(f"/remittances/{data.ids['overdue']}")
    assert response.status_code == 200
    assert "No bank entry is matched to this remittance yet." in response.text
    assert "To review" in response.text


@pytest.mark.parametrize("name", ["lyon", "nice"])
def test_another_shop_s_remittance_is_not_found(data, client, name) -> None:
    response = client.get(f"/remittances/{data.ids[name]}")
    assert response.status_code == 404
    assert "Page not found" in response.text


@pytest.mark.parametrize("given", ["abc", "0", "-1", str(2**70), "999999"])
def test_a_remittance_that_does_not_exist_is_not_found(data, client, given) -> None:
    assert client.get(f"/remittances/{given}").status_code == 404


def test_signed_out_the_pages_lead_to_sign_in(data) -> None:
    with data.world.client() as client:
        response = client.get("/remittances")
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"].startswith("/sign-in")
