"""GET /v1/remittances, /v1/remittances/{id} and its transactions: totals, the status as
reconciliation computes it, the credit with its bank entries, filters, pages, and only the
shop's own remittances, to production keys only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from pointage.reconciliation.models import RunTrigger
from pointage.reconciliation.service.run import run_reconciliation
from pointage.remittance.models import Remittance
from tests.factories import make_payment
from tests.payment.api_builders import OTHER, shop_with_keys
from tests.reconciliation.run_builders import MONDAY, credit_line, import_lines, remittance_of

TUESDAY = date(2026, 3, 3)
TODAY = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()


@dataclass
class World:
    keys: object
    other: object
    ids: dict[str, int]


@pytest.fixture
def world(session, settings):
    """Shop A: `credited` (2 March, matched by the bank's line), `overdue` and `usd`
    (3 March, no credit), `fresh` (today, not yet due); shop B: `theirs`."""
    keys = shop_with_keys(session, settings.secret_key, credit_delay_days=2)
    setup = keys.setup
    credited = remittance_of(session, setup, MONDAY, [10_000, 5_000])
    make_payment(
        session,
        setup.shop,
        amount_minor=1_000,
        currency="USD",
        created_at=datetime.combine(TUESDAY, time(8), tzinfo=UTC),
    )
    overdue = remittance_of(session, setup, TUESDAY, [4_000], tag="B")
    usd = session.query(Remittance).filter_by(currency="USD").one()
    import_lines(session, setup.merchant.id, [credit_line(credited, setup.contract.number)])
    run_reconciliation(
        session,
        merchant_id=setup.merchant.id,
        trigger=RunTrigger.CLI,
        actor="test",
        today=date(2026, 3, 10),
    )
    fresh = remittance_of(session, setup, TODAY, [2_500], tag="C")
    other = shop_with_keys(session, settings.secret_key, shop_id=OTHER)
    theirs = remittance_of(session, other.setup, MONDAY, [900], tag="D")
    ids = {
        "credited": credited.id,
        "overdue": overdue.id,
        "usd": usd.id,
        "fresh": fresh.id,
        "theirs": theirs.id,
    }
    session.commit()
    return World(keys, other, ids)


def names(world, response):
    assert response.status_code == 200, response.text
    by_id = {v: k for k, v in world.ids.items()}
    return [by_id[r["id"]] for r in response.json()["data"]]


def test_the_list_is_the_shops_remittances_newest_first(client, world):
    response = client.get("/v1/remittances", headers=world.keys.production)
    # Same day: the higher id (USD, numbered after EUR) first.
    assert names(world, response) == ["fresh", "usd", "overdue", "credited"]
    data = {r["id"]: r for r in response.json()["data"]}
    credited = data[world.ids["credited"]]
    assert credited["object"] == "remittance"
    assert credited["contract_number"] == "C12345678"
    assert (credited["number"], credited["currency"]) == (1, "EUR")
    assert credited["remittance_date"] == "2026-03-02"
    assert (credited["payment_count"], credited["refund_count"]) == (2, 0)
    assert credited["transaction_count"] == 2
    # 0.80 % + 0.05 per payment: 80 + 5 and 40 + 5.
    assert (credited["gross_minor"], credited["fee_minor"]) == (15_000, 130)
    assert credited["net_minor"] == credited["expected_credit_minor"] == 14_870
    assert credited["expected_credit_date"] == "2026-03-04"
    assert credited["credited_date"] == "2026-03-04"
    assert credited["status"] == "reconciled"
    overdue = data[world.ids["overdue"]]
    assert (overdue["status"], overdue["credited_date"]) == ("to_review", None)
    assert data[world.ids["fresh"]]["status"] == "pending"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("contract=C12345678", ["fresh", "usd", "overdue", "credited"]),
        ("contract=C87654321", []),  # another shop's contract
        ("date_from=2026-03-03&date_to=2026-03-03", ["usd", "overdue"]),
        ("date_to=2026-03-02", ["credited"]),
        ("status=reconciled", ["credited"]),
        ("status=to_review", ["usd", "overdue"]),
        ("status=pending", ["fresh"]),
        ("status=pending,reconciled", ["fresh", "credited"]),
        ("status=anomaly&status=not_applicable", []),
        ("currency=usd", ["usd"]),
        ("currency=EUR&status=to_review", ["overdue"]),
    ],
)
def test_each_filter_narrows_the_list(client, world, query, expected):
    response = client.get(f"/v1/remittances?{query}", headers=world.keys.production)
    assert names(world, response) == expected


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("date_from=2026-02-30", "date_from"),
        ("date_from=2026-03-04&date_to=2026-03-03", "date_from"),
        ("status=credited", "status"),
        ("currency=EURO", "currency"),
        ("currency=XYZ", "currency"),
        (f"contract={'9' * 21}", "contract"),
        ("limit=500", "limit"),
        ("starting_after=1&ending_before=2", "ending_before"),
    ],
)
def test_a_bad_filter_is_refused_naming_its_parameter(client, world, query, param):
    response = client.get(f"/v1/remittances?{query}", headers=world.keys.production)
    assert response.status_code == 422, response.text
    assert response.json()["param"] == param


def test_pages_of_remittances_follow_each_other(client, world):
    headers = world.keys.production
    first = client.get("/v1/remittances?limit=3", headers=headers).json()
    last = client.get(
        f"/v1/remittances?limit=3&starting_after={first['data'][-1]['id']}", headers=headers
    ).json()
    assert (first["has_more"], last["has_more"]) == (True, False)
    assert [r["id"] for r in first["data"] + last["data"]] == [
        world.ids[n] for n in ("fresh", "usd", "overdue", "credited")
    ]
    back = client.get(
        f"/v1/remittances?limit=3&ending_before={world.ids['credited']}", headers=headers
    ).json()
    assert back == first | {"has_more": False}
    for cursor in (world.ids["theirs"], "abc", "99999999999999999999"):
        response = client.get(f"/v1/remittances?starting_after={cursor}", headers=headers)
        assert response.status_code == 404
        assert response.json()["param"] == "starting_after"


def test_a_credited_remittance_shows_its_bank_entry(client, world):
    response = client.get(f"/v1/remittances/{world.ids['credited']}", headers=world.keys.production)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "reconciled"
    credit = body["credit"]
    assert (credit["rule"], credit["origin"], credit["difference_minor"]) == (
        "remittance_credit",
        "engine",
        0,
    )
    (entry,) = credit["entries"]
    assert entry["statement_file"]["filename"] == "releve.txt"
    assert entry["statement_file"]["format"] == "cfonb120"
    assert entry["record"] > 1  # after the opening balance's record
    assert (entry["booking_date"], entry["value_date"]) == ("2026-03-04", "2026-03-04")
    assert (entry["amount_minor"], entry["currency"]) == (14_870, "EUR")
    assert entry["label"] == "REMISE CB 000001 C12345678"
    transactions = body["transactions"]
    assert [tx["amount"] for tx in transactions["data"]] == [5_000, 10_000]
    assert transactions["has_more"] is False
    assert {tx["reconciliation_status"] for tx in transactions["data"]} == {"reconciled"}
    assert {tx["remittance_number"] for tx in transactions["data"]} == {1}
    assert body["transactions_url"] == f"/v1/remittances/{world.ids['credited']}/transactions"


def test_an_uncredited_remittance_has_no_credit(client, world):
    body = client.get(
        f"/v1/remittances/{world.ids['overdue']}", headers=world.keys.production
    ).json()
    assert (body["status"], body["credit"], body["credited_date"]) == ("to_review", None, None)
    assert [tx["amount"] for tx in body["transactions"]["data"]] == [4_000]


def test_a_remittances_transactions_page_through(client, world):
    url = f"/v1/remittances/{world.ids['credited']}/transactions"
    headers = world.keys.production
    first = client.get(f"{url}?limit=1", headers=headers).json()
    second = client.get(
        f"{url}?limit=1&starting_after={first['data'][0]['uuid']}", headers=headers
    ).json()
    assert [tx["amount"] for tx in first["data"] + second["data"]] == [5_000, 10_000]
    assert (first["has_more"], second["has_more"]) == (True, False)


ROUTES = ["/v1/remittances/{id}", "/v1/remittances/{id}/transactions"]


@pytest.mark.parametrize("route", ROUTES)
def test_another_shops_remittance_is_not_found(client, world, route):
    url = route.format(id=world.ids["theirs"])
    response = client.get(url, headers=world.keys.production)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    unknown = client.get(route.format(id=10**12), headers=world.keys.production)
    assert unknown.status_code == 404
    assert unknown.json()["detail"].replace(str(10**12), "") == response.json()["detail"].replace(
        str(world.ids["theirs"]), ""
    )


@pytest.mark.parametrize("route", ["/v1/remittances", *ROUTES])
def test_a_test_mode_key_is_refused_remittances(client, world, route):
    response = client.get(route.format(id=world.ids["credited"]), headers=world.keys.test)
    assert response.status_code == 403
    assert response.json()["code"] == "test_mode_key"
    assert client.get(route.format(id=world.ids["credited"])).status_code == 401


@pytest.mark.parametrize("route", ROUTES)
def test_a_remittance_id_must_be_a_positive_integer(client, world, route):
    for bad in ("abc", "0", "-3"):
        response = client.get(route.format(id=bad), headers=world.keys.production)
        assert response.status_code == 422
        assert response.json()["param"] == "id"
