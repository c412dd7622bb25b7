"""POST/GET /v1/reconciliation/runs: a shop starts a run of its merchant, lists the runs,
reads one with what it left open — only what concerns its own contracts and accounts;
another merchant's run is a 404; bodies are checked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pointage.auth.service.keys import issue_production_key
from pointage.reconciliation.models import Match, ReconciliationRun
from pointage.reconciliation.service import apply
from pointage.shop import service as shop_service
from tests.factories import IBAN_BANK_B, make_shop
from tests.reconciliation.run_builders import (
    MONDAY,
    count,
    credit_line,
    import_lines,
    other_line,
    remittance_of,
    shop_with_contract,
)
from tests.statement.cfonb import EXAMPLE_IBANS

SHOP, SISTER, STRANGER = "12345678", "12345679", "87654321"
AS_OF = "2026-03-20"


@pytest.fixture
def world(session, settings):
    """Shop SHOP: a remittance credited, one not; a direct debit on its account. Shop SISTER
    of the same merchant: its own contract, account and remittance. Shop STRANGER: another
    merchant."""
    setup = shop_with_contract(session, shop_id=SHOP)
    paid = remittance_of(session, setup, MONDAY, [10_000, 2_500])
    unpaid = remittance_of(session, setup, MONDAY + timedelta(days=1), [4_000], tag="B")
    sister = shop_service.create_shop(session, setup.merchant, shop_id=SISTER, name="Sister")
    account = shop_service.create_bank_account(
        session, setup.merchant, iban=EXAMPLE_IBANS[0], label="Sister account"
    )
    contract = shop_service.create_contract(
        session, sister, account, number="C99999999", acquirer="Test Acquirer", credit_delay_days=2
    )
    stranger = make_shop(session, shop_id=STRANGER, iban=IBAN_BANK_B)
    session.flush()
    sister_setup = type(setup)(setup.merchant, sister, account, contract)
    sister_remittance = remittance_of(session, sister_setup, MONDAY, [900], tag="S")
    import_lines(
        session,
        setup.merchant.id,
        [
            credit_line(paid, setup.contract.number),
            other_line(-4_200, "PRLV EDF", MONDAY + timedelta(days=3)),
        ],
    )
    keys = {
        shop.shop_id: issue_production_key(session, shop, settings.secret_key)
        for shop in (setup.shop, sister, stranger.shop)
    }
    ids = {"unpaid": unpaid.id, "sister": sister_remittance.id}
    session.commit()
    session.close()
    return keys, ids


def stored(factory, model) -> int:
    """Rows of `model`, read in a session of its own (on SQLite a reading transaction left
    open would hold the write lock the next request waits for)."""
    with factory() as session:
        return count(session, model)


def post(client, keys, shop=SHOP, **body):
    return client.post("/v1/reconciliation/runs", json=body, auth=(shop, keys[shop]))


def get(client, keys, path="", shop=SHOP, **params):
    return client.get(f"/v1/reconciliation/runs{path}", params=params, auth=(shop, keys[shop]))


def test_a_run_is_started_listed_and_read_with_what_it_left_open(
    client, session_factory, world
) -> None:
    keys, ids = world

    response = post(client, keys, business_date=AS_OF)

    assert response.status_code == 201, response.text
    run = response.json()
    assert (run["status"], run["trigger"], run["actor"], run["business_date"]) == (
        "completed",
        "api",
        f"api:{SHOP}",
        AS_OF,
    )
    assert (run["matched"], run["open_entries"], run["open_remittances"]) == (1, 1, 2)
    assert run["to_review"] == 2 and run["remittance_statuses"] == {
        "reconciled": 1,
        "to_review": 2,
    }
    assert stored(session_factory, Match) == 1

    listed = get(client, keys)
    assert listed.status_code == 200
    assert listed.json() == {"object": "list", "data": [run | {"remittance_statuses": None}],
                             "has_more": False}  # fmt: skip

    detail = get(client, keys, f"/{run['id']}")
    assert detail.status_code == 200, detail.text
    assert detail.json() == listed.json()["data"][0]

    open_items = get(client, keys, f"/{run['id']}/open-items")
    assert open_items.status_code == 200, open_items.text
    found = open_items.json()["data"]
    items = {(i["kind"], i["reason"], i["label"]) for i in found}
    assert items == {
        ("entry", "not_gateway", "PRLV EDF"),
        ("remittance", "overdue", f"remittance 2 of contract C{SHOP}"),
    }
    unpaid = next(i for i in found if i["kind"] == "remittance")
    assert unpaid["object_id"] == ids["unpaid"] and unpaid["amount_minor"] > 0
    assert unpaid["detail"] and unpaid["day"] == "2026-03-05"
    assert found[0]["id"] > found[1]["id"] and not open_items.json()["has_more"]


def test_a_shop_sees_only_the_open_items_of_its_contracts_and_accounts(client, world) -> None:
    keys, ids = world
    run_id = post(client, keys, business_date=AS_OF).json()["id"]

    detail = get(client, keys, f"/{run_id}/open-items", shop=SISTER)

    assert detail.status_code == 200
    assert [(i["kind"], i["object_id"]) for i in detail.json()["data"]] == [
        ("remittance", ids["sister"])
    ]
    first = get(client, keys, f"/{run_id}/open-items", limit=1).json()
    second = get(client, keys, f"/{run_id}/open-items", limit=1,
                 starting_after=first["data"][0]["id"]).json()  # fmt: skip
    assert first["has_more"] and not second["has_more"]
    assert {first["data"][0]["kind"], second["data"][0]["kind"]} == {"entry", "remittance"}
    # The sister's own open item is not in this shop's list: a cursor naming it is unknown.
    sisters = detail.json()["data"][0]["id"]
    unknown = get(client, keys, f"/{run_id}/open-items", starting_after=sisters)
    assert unknown.status_code == 404 and unknown.json()["param"] == "starting_after"


def test_another_merchants_run_is_not_found(client, world) -> None:
    keys, _ = world
    run_id = post(client, keys, business_date=AS_OF).json()["id"]

    foreign = get(client, keys, f"/{run_id}", shop=STRANGER)
    missing = get(client, keys, f"/{run_id + 100}")
    foreign_items = get(client, keys, f"/{run_id}/open-items", shop=STRANGER)

    assert foreign.status_code == missing.status_code == foreign_items.status_code == 404
    assert foreign.headers["content-type"] == "application/problem+json"
    assert foreign.json()["detail"] == f"reconciliation run {run_id} not found"
    assert foreign_items.json() == foreign.json()
    assert get(client, keys, shop=STRANGER).json() == {
        "object": "list",
        "data": [],
        "has_more": False,
    }
    cursor = get(client, keys, shop=STRANGER, starting_after=run_id)
    assert cursor.status_code == 404 and cursor.json()["param"] == "starting_after"


def test_a_dry_run_answers_200_and_stores_nothing(client, session_factory, world) -> None:
    keys, _ = world

    response = post(client, keys, dry_run=True, business_date=AS_OF)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] is None and body["dry_run"] and body["matched"] == 1
    assert stored(session_factory, ReconciliationRun) == 0 and stored(session_factory, Match) == 0


def test_a_second_run_adds_nothing(client, session_factory, world) -> None:
    keys, _ = world
    post(client, keys, business_date=AS_OF)

    again = post(client, keys, business_date=AS_OF)

    assert again.status_code == 201
    assert (again.json()["matched"], again.json()["suggested"]) == (0, 0)
    assert stored(session_factory, Match) == 1
    with session_factory() as session:
        runs = session.scalars(select(ReconciliationRun.id).order_by(ReconciliationRun.id)).all()
    listed = get(client, keys, limit=1).json()
    assert [r["id"] for r in listed["data"]] == [runs[-1]] and listed["has_more"]
    older = get(client, keys, limit=1, starting_after=runs[-1]).json()
    assert [r["id"] for r in older["data"]] == [runs[0]] and not older["has_more"]
    newer = get(client, keys, limit=1, ending_before=runs[0]).json()
    assert [r["id"] for r in newer["data"]] == [runs[-1]] and not newer["has_more"]
    assert [r["id"] for r in get(client, keys, trigger="api").json()["data"]] == runs[::-1]
    assert get(client, keys, trigger="cli").json()["data"] == []


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"dry_run": True, "shop": "x"}, "shop"),
        ({"business_date": "2026-02-30"}, "business_date"),
        ({"business_date": "2999-01-01"}, "business_date"),
        ({"dry_run": "maybe"}, "dry_run"),
    ],
)
def test_a_bad_body_is_refused_naming_the_field(
    client, session_factory, world, body, param
) -> None:
    keys, _ = world

    response = client.post("/v1/reconciliation/runs", json=body, auth=(SHOP, keys[SHOP]))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["param"] == param
    assert stored(session_factory, ReconciliationRun) == 0


def test_every_route_wants_a_shop(client, world) -> None:
    keys, _ = world
    assert client.post("/v1/reconciliation/runs", json={}).status_code == 401
    assert client.get("/v1/reconciliation/runs").status_code == 401
    assert client.get("/v1/reconciliation/runs/1").status_code == 401
    wrong = client.get("/v1/reconciliation/runs", auth=(SHOP, keys[SISTER]))
    assert wrong.status_code == 401
    assert get(client, keys, limit=0).status_code == 422
    assert get(client, keys, status="done").json()["param"] == "status"
    assert get(client, keys, "/1/open-items", reason="lost").json()["param"] == "reason"


def test_a_failed_run_answers_500_and_is_listed_as_failed(
    client, session_factory, world, monkeypatch
) -> None:
    keys, _ = world

    def broken(*_args):
        raise RuntimeError("engine broke")

    monkeypatch.setattr(apply, "default_engine", broken)
    response = post(client, keys, business_date=AS_OF)

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "reconciliation_failed"
    assert "RuntimeError" in problem["detail"] and "engine broke" not in problem["detail"]
    (run,) = get(client, keys).json()["data"]
    assert get(client, keys, status="failed").json()["data"] == [run]
    assert get(client, keys, status="completed").json()["data"] == []
    assert (run["status"], run["matched"]) == ("failed", 0)
    assert problem["detail"].startswith(f"the reconciliation run #{run['id']} failed: ")
    assert stored(session_factory, Match) == 0
