"""GET /v1/transactions: the filters, the key's mode, the shop's own transactions only,
cursor pages, and every bad filter refused naming its parameter."""

from __future__ import annotations

from datetime import date

import pytest

from pointage.core.statuses import DetailedStatus, Mode, OperationType
from pointage.remittance.service import capture_contract
from tests.payment.api_builders import OTHER, add, at, shop_with_keys


@pytest.fixture
def shop(session, settings):
    """Five production transactions of shop A (newest first: refund, to_validate, refused,
    captured, midnight), two test-mode ones, and one of another shop."""
    keys = shop_with_keys(session, settings.secret_key)
    setup = keys.setup
    # 23:30 UTC on 1 March is 00:30 on 2 March in Paris: a transaction of 2 March.
    add(
        session,
        setup,
        created_at=at(1, 23, 30),
        order_id="A-MIDNIGHT",
        amount=1_000,
        capture_date=date(2026, 3, 10),
    )
    captured = add(session, setup, created_at=at(2, 9), order_id="A-CAPT", amount=5_000)
    capture_contract(session, setup.contract.id, date(2026, 3, 2))
    session.expire_all()
    keys.remittance_id = captured.remittance_id
    add(
        session,
        setup,
        created_at=at(3, 9),
        order_id="A-REF",
        amount=20_000,
        status=DetailedStatus.REFUSED,
    )
    add(
        session,
        setup,
        created_at=at(3, 12),
        order_id="A-VAL",
        amount=3_000,
        status=DetailedStatus.AUTHORISED_TO_VALIDATE,
    )
    add(
        session,
        setup,
        created_at=at(4, 9),
        order_id="A-CAPT",
        amount=1_500,
        operation_type=OperationType.CREDIT,
        parent_uuid=captured.uuid,
    )
    add(session, setup, created_at=at(2, 10), order_id="T-1", mode=Mode.TEST)
    add(session, setup, created_at=at(3, 10), order_id="T-2", mode=Mode.TEST)
    other = shop_with_keys(session, settings.secret_key, shop_id=OTHER)
    add(session, other.setup, created_at=at(2, 11), order_id="A-CAPT")
    keys.other = other
    session.commit()
    return keys


ALL = ["A-CAPT", "A-VAL", "A-REF", "A-CAPT", "A-MIDNIGHT"]


def orders(response):
    assert response.status_code == 200, response.text
    return [tx["order_id"] for tx in response.json()["data"]]


def test_the_list_is_the_shops_production_transactions_newest_first(client, shop):
    response = client.get("/v1/transactions", headers=shop.production)
    assert orders(response) == ALL
    body = response.json()
    assert body["object"] == "list" and body["has_more"] is False
    assert {tx["mode"] for tx in body["data"]} == {"PRODUCTION"}
    assert {tx["shop_id"] for tx in body["data"]} == {"12345678"}


def test_a_test_mode_key_lists_only_test_mode_transactions(client, shop):
    response = client.get("/v1/transactions", headers=shop.test)
    assert orders(response) == ["T-2", "T-1"]
    assert {tx["mode"] for tx in response.json()["data"]} == {"TEST"}


def test_another_shop_sees_only_its_own(client, shop):
    response = client.get("/v1/transactions?order_id=A-CAPT", headers=shop.other.production)
    assert orders(response) == ["A-CAPT"]
    assert response.json()["data"][0]["shop_id"] == OTHER


def test_the_list_shows_each_transactions_links(client, shop):
    data = client.get("/v1/transactions", headers=shop.production).json()["data"]
    refund, captured = data[0], data[3]
    assert captured["detailed_status"] == "CAPTURED"
    assert captured["contract_number"] == "C12345678"
    assert captured["remittance_id"] == shop.remittance_id
    assert captured["remittance_number"] == 1
    assert captured["expected_credit_date"] == "2026-03-04"  # two business days later
    assert refund["parent_uuid"] == captured["uuid"]
    assert refund["remittance_number"] is None and refund["expected_credit_date"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # A date is a day of the shop's time zone (Paris): 23:30 UTC on 1 March is 2 March.
        ("created_from=2026-03-02", ALL),
        ("created_to=2026-03-01", []),
        ("created_from=2026-03-03&created_to=2026-03-03", ["A-VAL", "A-REF"]),
        # An instant is compared as it is; created_to includes it.
        ("created_from=2026-03-02T00:00:00Z", ALL[:4]),
        ("created_to=2026-03-03T10:00:00%2B01:00", ["A-REF", "A-CAPT", "A-MIDNIGHT"]),
        ("capture_date_from=2026-03-04", ["A-CAPT", "A-MIDNIGHT"]),
        ("capture_date_to=2026-03-02", ["A-CAPT"]),
        ("status=UNPAID", ["A-REF"]),
        ("status=paid,running", ["A-CAPT", "A-VAL", "A-CAPT", "A-MIDNIGHT"]),
        ("detailed_status=CAPTURED", ["A-CAPT"]),
        ("detailed_status=AUTHORISED&detailed_status=REFUSED", ["A-CAPT", "A-REF", "A-MIDNIGHT"]),
        ("reconciliation_status=pending", ["A-CAPT"]),
        ("dispute=no", ["A-CAPT"]),
        ("dispute=yes", []),
        ("operation_type=CREDIT", ["A-CAPT"]),
        ("order_id=A-CAPT", ["A-CAPT", "A-CAPT"]),
        ("amount_min=3000&amount_max=5000", ["A-VAL", "A-CAPT"]),
        ("amount_min=20000", ["A-REF"]),
        ("remittance_number=1", ["A-CAPT"]),
        ("remittance_number=2", []),
        ("contract=C12345678", ALL),
        ("contract=C87654321", []),  # another shop's contract
        ("status=PAID&order_id=A-CAPT&operation_type=DEBIT", ["A-CAPT"]),
    ],
)
def test_each_filter_narrows_the_list(client, shop, query, expected):
    assert orders(client.get(f"/v1/transactions?{query}", headers=shop.production)) == expected


def test_the_remittance_filter_takes_a_remittance_id(client, shop):
    response = client.get(
        f"/v1/transactions?remittance={shop.remittance_id}", headers=shop.production
    )
    assert orders(response) == ["A-CAPT"]
    assert response.json()["data"][0]["detailed_status"] == "CAPTURED"
    # Another shop asking for this remittance's transactions finds none of them.
    other = client.get(
        f"/v1/transactions?remittance={shop.remittance_id}", headers=shop.other.production
    )
    assert orders(other) == []


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("created_from=2026-02-30", "created_from"),
        ("created_from=yesterday", "created_from"),
        ("created_to=2026-03-02T10:00:00", "created_to"),  # no time zone
        ("created_from=2026-03-04&created_to=2026-03-03", "created_from"),
        ("created_from=2026-03-04T00:00:00Z&created_to=2026-03-03T23:59:59Z", "created_from"),
        ("created_from=0001-01-01", "created_from"),  # before year 1 in UTC
        ("created_to=9999-12-31", "created_to"),  # its next day is past the calendar
        ("created_from=0001-01-01T00:00:00%2B01:00", "created_from"),
        ("capture_date_from=2026-13-01", "capture_date_from"),
        ("capture_date_from=2026-03-05&capture_date_to=2026-03-04", "capture_date_from"),
        ("status=PAYED", "status"),
        ("status=PAID,", "status"),
        ("detailed_status=DONE", "detailed_status"),
        ("reconciliation_status=ok", "reconciliation_status"),
        ("dispute=maybe", "dispute"),
        ("operation_type=SALE", "operation_type"),
        ("amount_min=-1", "amount_min"),
        ("amount_max=12.5", "amount_max"),
        ("amount_min=10&amount_max=5", "amount_min"),
        (f"amount_max={10**20}", "amount_max"),
        ("remittance=abc", "remittance"),
        ("remittance=0", "remittance"),
        ("remittance=99999999999999999999999", "remittance"),
        ("remittance_number=x", "remittance_number"),
        ("order_id=", "order_id"),
        (f"order_id={'x' * 65}", "order_id"),
        (f"contract={'9' * 21}", "contract"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("starting_after=a&ending_before=b", "ending_before"),
    ],
)
def test_a_bad_filter_is_refused_naming_its_parameter(client, shop, query, param):
    response = client.get(f"/v1/transactions?{query}", headers=shop.production)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["param"] == param


def test_pages_follow_each_other_in_both_directions(client, shop):
    first = client.get("/v1/transactions?limit=2", headers=shop.production).json()
    assert first["has_more"] is True
    cursor = first["data"][-1]["uuid"]
    second = client.get(
        f"/v1/transactions?limit=2&starting_after={cursor}", headers=shop.production
    ).json()
    third = client.get(
        f"/v1/transactions?limit=2&starting_after={second['data'][-1]['uuid']}",
        headers=shop.production,
    ).json()
    pages = [first, second, third]
    assert [tx["order_id"] for page in pages for tx in page["data"]] == ALL
    assert [page["has_more"] for page in pages] == [True, True, False]
    back = client.get(
        f"/v1/transactions?limit=2&ending_before={second['data'][0]['uuid']}",
        headers=shop.production,
    ).json()
    assert back == first | {"has_more": False}


def test_a_cursor_the_key_may_not_see_is_not_found(client, shop):
    production = client.get("/v1/transactions", headers=shop.production).json()["data"][0]
    for headers in (shop.test, shop.other.production):
        response = client.get(
            f"/v1/transactions?starting_after={production['uuid']}", headers=headers
        )
        assert response.status_code == 404
        assert response.json()["param"] == "starting_after"


def test_a_filtered_page_continues_after_a_cursor_the_filter_no_longer_matches(client, shop):
    # The cursor names a position in the list: an object that has since changed status
    # (here: one outside the filter) still says where the next page starts.
    refused = client.get("/v1/transactions?status=UNPAID", headers=shop.production).json()
    cursor = refused["data"][0]["uuid"]
    response = client.get(
        f"/v1/transactions?status=PAID&starting_after={cursor}", headers=shop.production
    )
    assert orders(response) == ["A-CAPT", "A-MIDNIGHT"]


@pytest.mark.parametrize("headers", [None, {"Authorization": "Bearer wrong"}])
def test_the_list_needs_a_valid_key(client, shop, headers):
    response = client.get("/v1/transactions", headers=headers)
    assert response.status_code == 401
