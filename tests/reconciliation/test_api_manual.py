"""The manual reconciliation routes as a shop calls them: authentication, what each shop
may see, validated bodies and problem+json errors."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from pointage.payment.models import Transaction
from pointage.reconciliation.models import Suggestion
from tests.reconciliation.api_data import MINE, NEIGHBOUR, STRANGER, Api
from tests.reconciliation.api_data import problem as _problem
from tests.reconciliation.manual_data import NET, engine_match, run_row, suggestion_row


def _status(engine: Engine, uuid: str) -> str:
    """Read on a connection of its own, closed at once: on SQLite the test's session would
    hold the write lock the next request needs."""
    with engine.connect() as conn:
        query = select(Transaction.reconciliation_status).where(Transaction.uuid == uuid)
        return conn.scalars(query).one()


def _suggestion_status(engine: Engine, suggestion_id: int) -> str:
    with engine.connect() as conn:
        return conn.scalars(select(Suggestion.status).where(Suggestion.id == suggestion_id)).one()


# GET /v1/transactions/{uuid}/reconciliation


def test_the_explanation_names_the_bank_files_line(client, api, session):
    data = api.data
    run = run_row(session, data.merchant_id)
    engine_match(session, run, entries=[data.credit], remittances=[data.remittance])
    session.commit()
    uuid = data.payments[0].uuid

    response = client.get(f"/v1/transactions/{uuid}/reconciliation", auth=api.auth())

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["transaction"]["uuid"] == uuid
    assert body["remittance"]["net_minor"] == NET
    assert body["remittance"]["expected_credit_date"] == "2026-03-04"
    (entry,) = body["credit_match"]["entries"]
    line = data.bank.content.decode("latin-1").splitlines()[data.credit.record - 1]
    assert (entry["filename"], entry["record"], entry["raw_line"]) == (
        "releve.txt",
        data.credit.record,
        line,
    )
    assert body["credit_match"]["criteria"][0] == {
        "name": "amount",
        "expected": "99.15 EUR",
        "actual": "99.15 EUR",
        "outcome": "pass",
        "points": 40,
        "note": "net amount",
    }
    assert body["open_reason"] is None


def test_the_explanation_needs_credentials(client, api):
    response = client.get(f"/v1/transactions/{api.data.payments[0].uuid}/reconciliation")
    _problem(response, 401)


@pytest.mark.parametrize("shop", [NEIGHBOUR, STRANGER])
def test_another_shops_transaction_is_not_found(client, api, shop):
    uuid = api.data.payments[0].uuid
    response = client.get(f"/v1/transactions/{uuid}/reconciliation", auth=api.auth(shop))
    body = _problem(response, 404, "uuid")
    assert body["code"] == "not_found"


# POST /v1/transactions/{uuid}/reconciliation/manual


def test_marking_a_transaction_reconciled_by_hand(client, api, engine):
    uuid = api.data.payments[0].uuid

    response = client.post(
        f"/v1/transactions/{uuid}/reconciliation/manual",
        json={"comment": "paid by cheque"},
        auth=api.auth(),
    )

    assert response.status_code == 201, response.text
    match = response.json()
    assert (match["origin"], match["actor"], match["comment"]) == (
        "without_entry",
        f"api:{MINE}",
        "paid by cheque",
    )
    assert match["entries"] == [] and match["transactions"][0]["uuid"] == uuid
    assert _status(engine, uuid) == "reconciled_manual"
    again = client.post(
        f"/v1/transactions/{uuid}/reconciliation/manual", json={"comment": "x"}, auth=api.auth()
    )
    assert _problem(again, 409)["code"] == "conflict"


def test_marking_a_remittance_reconciled_by_hand(client, api, engine):
    url = f"/v1/remittances/{api.data.remittance.id}/reconciliation/manual"

    response = client.post(url, json={"comment": "credited on the old account"}, auth=api.auth())

    assert response.status_code == 201, response.text
    match = response.json()
    assert (match["origin"], match["actor"], match["entries"]) == (
        "without_entry",
        f"api:{MINE}",
        [],
    )
    assert [r["id"] for r in match["remittances"]] == [api.data.remittance.id]
    for payment in api.data.payments:
        assert _status(engine, payment.uuid) == "reconciled_manual"
    _problem(client.post(url, json={"comment": "again"}, auth=api.auth()), 409)
    _problem(client.post(url, json={"comment": " "}, auth=api.auth()), 422, "comment")


@pytest.mark.parametrize("shop", [NEIGHBOUR, STRANGER])
def test_a_shop_cannot_mark_another_shops_remittance(client, api, engine, shop):
    url = f"/v1/remittances/{api.data.remittance.id}/reconciliation/manual"

    response = client.post(url, json={"comment": "mine now"}, auth=api.auth(shop))

    _problem(response, 404, "remittance_id")
    assert _status(engine, api.data.payments[0].uuid) != "reconciled_manual"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "comment"),
        ({"comment": ""}, "comment"),
        ({"comment": "   "}, "comment"),
        ({"comment": "ok", "actor": "someone else"}, "actor"),
        ({"comment": 12}, "comment"),
    ],
)
def test_a_mark_without_a_usable_comment_is_refused(client, api, engine, body, param):
    uuid = api.data.payments[0].uuid
    response = client.post(
        f"/v1/transactions/{uuid}/reconciliation/manual", json=body, auth=api.auth()
    )
    _problem(response, 422, param)
    assert _status(engine, uuid) != "reconciled_manual"


def test_a_shop_cannot_mark_another_shops_transaction(client, api, engine):
    response = client.post(
        f"/v1/transactions/{api.neighbour_payment}/reconciliation/manual",
        json={"comment": "mine now"},
        auth=api.auth(),
    )
    _problem(response, 404, "uuid")
    assert _status(engine, api.neighbour_payment) != "reconciled_manual"


# suggestions


@pytest.fixture
def proposed(api, session) -> dict[str, int]:
    data = api.data
    run = run_row(session, data.merchant_id)
    first = suggestion_row(session, run, entries=[data.credit], remittances=[data.remittance])
    rival = suggestion_row(session, run, entries=[data.other], remittances=[data.remittance])
    session.commit()
    return {"first": first.id, "rival": rival.id}


def test_suggestions_are_listed_to_their_shop_only(client, api, proposed):
    mine = client.get("/v1/reconciliation/suggestions", auth=api.auth())
    assert mine.status_code == 200, mine.text
    assert [s["id"] for s in mine.json()["data"]] == [proposed["rival"], proposed["first"]]
    assert mine.json()["data"][1]["remittances"][0]["id"] == api.data.remittance.id
    for shop in (NEIGHBOUR, STRANGER):
        theirs = client.get("/v1/reconciliation/suggestions", auth=api.auth(shop))
        assert theirs.json() == {"object": "list", "data": [], "has_more": False}
    paged = client.get(
        f"/v1/reconciliation/suggestions?limit=1&starting_after={proposed['rival']}",
        auth=api.auth(),
    )
    assert [s["id"] for s in paged.json()["data"]] == [proposed["first"]]
    assert paged.json()["has_more"] is False


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("status=maybe", "status"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("run_id=x", "run_id"),
        ("starting_after=1&ending_before=2", "ending_before"),
    ],
)
def test_a_bad_suggestion_query_is_refused(client, api, query, param):
    response = client.get(f"/v1/reconciliation/suggestions?{query}", auth=api.auth())
    _problem(response, 422, param)


def test_confirming_a_suggestion_reconciles_and_supersedes_its_rival(client, api, engine, proposed):
    response = client.post(
        f"/v1/reconciliation/suggestions/{proposed['first']}/confirm", auth=api.auth()
    )

    assert response.status_code == 201, response.text
    match = response.json()
    assert (match["origin"], match["suggestion_id"]) == ("confirmed", proposed["first"])
    assert _status(engine, api.data.payments[0].uuid) == "reconciled_manual"
    assert _suggestion_status(engine, proposed["rival"]) == "superseded"
    rejected = client.get("/v1/reconciliation/suggestions?status=superseded", auth=api.auth())
    assert [s["id"] for s in rejected.json()["data"]] == [proposed["rival"]]
    again = client.post(
        f"/v1/reconciliation/suggestions/{proposed['rival']}/confirm",
        json={"comment": "this one"},
        auth=api.auth(),
    )
    _problem(again, 409, "suggestion_id")


def test_a_confirmation_may_carry_a_comment_and_nothing_else(client, api, proposed):
    url = f"/v1/reconciliation/suggestions/{proposed['first']}/confirm"
    _problem(client.post(url, json={"why": "x"}, auth=api.auth()), 422, "why")
    response = client.post(url, json={"comment": "checked"}, auth=api.auth())
    assert response.status_code == 201 and response.json()["comment"] == "checked"


@pytest.mark.parametrize("shop", [NEIGHBOUR, STRANGER])
def test_another_shop_cannot_decide_a_suggestion(client, api, proposed, shop):
    url = f"/v1/reconciliation/suggestions/{proposed['first']}"
    _problem(client.post(f"{url}/confirm", auth=api.auth(shop)), 404, "suggestion_id")
    _problem(
        client.post(f"{url}/reject", json={"comment": "no"}, auth=api.auth(shop)),
        404,
        "suggestion_id",
    )


def test_rejecting_a_suggestion_needs_a_comment(client, api, proposed):
    url = f"/v1/reconciliation/suggestions/{proposed['first']}/reject"
    _problem(client.post(url, json={}, auth=api.auth()), 422, "comment")

    response = client.post(url, json={"comment": "not ours"}, auth=api.auth())

    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["decided_by"]) == (
        "rejected",
        f"api:{MINE}",
    )


# matches


def _match_body(api: Api, **overrides) -> dict:
    body = {
        "entry_ids": [api.data.other.id],
        "remittance_ids": [api.data.remittance.id],
        "comment": "acquirer kept the difference",
    }
    body.update(overrides)
    return body


def test_match_by_hand_then_undo_then_again(client, api, engine):
    created = client.post("/v1/reconciliation/matches", json=_match_body(api), auth=api.auth())
    assert created.status_code == 201, created.text
    match = created.json()
    assert (match["rule"], match["origin"], match["difference_minor"]) == (
        "manual",
        "manual",
        9_000 - NET,
    )
    assert _status(engine, api.data.payments[0].uuid) == "reconciled_manual"
    shown = client.get(f"/v1/reconciliation/matches/{match['id']}", auth=api.auth())
    assert shown.status_code == 200 and shown.json()["entries"][0]["raw_line"]

    double = client.post(
        "/v1/reconciliation/matches",
        json=_match_body(api, entry_ids=[api.data.credit.id]),
        auth=api.auth(),
    )
    assert f"by match {match['id']}" in _problem(double, 409)["detail"]

    url = f"/v1/reconciliation/matches/{match['id']}/reversal"
    _problem(client.post(url, json={}, auth=api.auth()), 422, "comment")
    undone = client.post(url, json={"comment": "wrong entry"}, auth=api.auth())
    assert undone.status_code == 201, undone.text
    assert undone.json()["reversal"]["comment"] == "wrong entry"
    assert undone.json()["active"] is False
    assert _status(engine, api.data.payments[0].uuid) in {"pending", "to_review"}
    _problem(client.post(url, json={"comment": "again"}, auth=api.auth()), 409, "match_id")

    again = client.post(
        "/v1/reconciliation/matches",
        json=_match_body(api, entry_ids=[api.data.credit.id]),
        auth=api.auth(),
    )
    assert again.status_code == 201 and again.json()["difference_minor"] == 0


def test_match_by_hand_to_transactions(client, api, engine):
    uuid = api.data.payments[1].uuid
    response = client.post(
        "/v1/reconciliation/matches",
        json={"entry_ids": [api.data.other.id], "transaction_uuids": [uuid], "comment": "apart"},
        auth=api.auth(),
    )
    assert response.status_code == 201, response.text
    assert [t["uuid"] for t in response.json()["transactions"]] == [uuid]
    assert _status(engine, uuid) == "reconciled_manual"


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"comment": " "}, "comment"),
        ({"entry_ids": []}, "entry_ids"),
        ({"entry_ids": ["1"]}, "entry_ids.0"),
        # Past the largest BIGINT: SQLite could not compare it, the match answered 500.
        ({"entry_ids": [2**63]}, "entry_ids.0"),
        ({"remittance_ids": [2**63]}, "remittance_ids.0"),
        ({"remittance_ids": []}, "remittance_ids"),
        ({"transaction_uuids": ["0" * 32]}, "remittance_ids"),
        ({"shop": "12345678"}, "shop"),
    ],
)
def test_a_bad_match_body_is_refused_naming_the_field(client, api, overrides, param):
    response = client.post(
        "/v1/reconciliation/matches", json=_match_body(api, **overrides), auth=api.auth()
    )
    _problem(response, 422, param)


HUGE = 2**63  # past the largest BIGINT: SQLite cannot compare it, these answered 500


@pytest.mark.parametrize(
    ("method", "path", "param"),
    [
        ("GET", f"/v1/reconciliation/runs/{HUGE}", "run_id"),
        ("GET", f"/v1/reconciliation/runs/{HUGE}/open-items", "run_id"),
        ("GET", f"/v1/reconciliation/suggestions?run_id={HUGE}", "run_id"),
        ("GET", f"/v1/reconciliation/suggestions/{HUGE}", "suggestion_id"),
        ("POST", f"/v1/reconciliation/suggestions/{HUGE}/confirm", "suggestion_id"),
        ("POST", f"/v1/reconciliation/suggestions/{HUGE}/reject", "suggestion_id"),
        ("GET", f"/v1/reconciliation/matches?run_id={HUGE}", "run_id"),
        ("GET", f"/v1/reconciliation/matches/{HUGE}", "match_id"),
        ("POST", f"/v1/reconciliation/matches/{HUGE}/reversal", "match_id"),
        ("POST", f"/v1/remittances/{HUGE}/reconciliation/manual", "remittance_id"),
        ("GET", "/v1/reconciliation/matches/0", "match_id"),
    ],
)
def test_an_id_no_object_can_have_is_invalid_input(client, api, method, path, param):
    body = {"comment": "why"} if method == "POST" else None
    response = client.request(method, path, json=body, auth=api.auth())
    _problem(response, 422, param)


def test_a_shop_cannot_match_what_is_not_its_own(client, api):
    # The neighbour's contract credits account B: account A's entries are not its own.
    neighbour = client.post(
        "/v1/reconciliation/matches",
        json=_match_body(api, remittance_ids=[api.neighbour_remittance]),
        auth=api.auth(NEIGHBOUR),
    )
    _problem(neighbour, 404, "entry_ids")
    # Its own entry, the neighbour's remittance.
    mine = client.post(
        "/v1/reconciliation/matches",
        json=_match_body(api, remittance_ids=[api.neighbour_remittance]),
        auth=api.auth(),
    )
    _problem(mine, 404, "remittance_ids")
    stranger = client.post(
        "/v1/reconciliation/matches", json=_match_body(api), auth=api.auth(STRANGER)
    )
    _problem(stranger, 404)


def test_another_shop_cannot_see_or_undo_a_match(client, api):
    created = client.post("/v1/reconciliation/matches", json=_match_body(api), auth=api.auth())
    match_id = created.json()["id"]
    for shop in (NEIGHBOUR, STRANGER):
        _problem(client.get(f"/v1/reconciliation/matches/{match_id}", auth=api.auth(shop)), 404)
        _problem(
            client.post(
                f"/v1/reconciliation/matches/{match_id}/reversal",
                json={"comment": "not mine"},
                auth=api.auth(shop),
            ),
            404,
            "match_id",
        )
    _problem(client.get("/v1/reconciliation/matches/999999", auth=api.auth()), 404)


def test_the_openapi_document_describes_the_routes_and_their_bodies(client):
    spec = client.get("/openapi.json").json()

    paths = spec["paths"]
    assert "get" in paths["/v1/transactions/{uuid}/reconciliation"]
    assert "post" in paths["/v1/reconciliation/matches/{match_id}/reversal"]
    body = paths["/v1/reconciliation/matches"]["post"]["requestBody"]["content"]
    schema = spec["components"]["schemas"][
        body["application/json"]["schema"]["$ref"].split("/")[-1]
    ]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"entry_ids", "comment"}
