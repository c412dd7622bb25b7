"""GET /v1/reconciliation/matches and /suggestions, listed with cursors and read one by one:
filters, pages forward and back, each shop its own objects only; every reconciliation
route refuses a test-mode key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from pointage.auth.service.keys import issue_test_key
from pointage.reconciliation.models import MatchOrigin
from pointage.reconciliation.service import lists
from pointage.remittance.models import Remittance
from tests.reconciliation.api_data import MINE, NEIGHBOUR, STRANGER, Api, problem
from tests.reconciliation.manual_data import engine_match, run_row, suggestion_row


def _list(client, api: Api, what: str, shop: str = MINE, **params) -> dict:
    response = client.get(f"/v1/reconciliation/{what}", params=params, auth=api.auth(shop))
    assert response.status_code == 200, response.text
    return response.json()


def _ids(body: dict) -> list[int]:
    return [item["id"] for item in body["data"]]


@pytest.fixture
def matches(client, api: Api, session: Session) -> dict[str, int]:
    """MINE: the engine's match of its credit (undone since), a person's match of the
    transfer to a payment (with an anomaly). NEIGHBOUR: a match of its remittance."""
    data = api.data
    run = run_row(session, data.merchant_id)
    credit = engine_match(session, run, entries=[data.credit], remittances=[data.remittance])
    by_hand = engine_match(
        session, run, entries=[data.other], transactions=[data.payments[1]], anomaly="short"
    )
    by_hand.origin, by_hand.rule, by_hand.run_id = MatchOrigin.MANUAL.value, "manual", None
    neighbours = engine_match(
        session, run, entries=[], remittances=[session.get(Remittance, api.neighbour_remittance)]
    )
    session.commit()
    undo = client.post(
        f"/v1/reconciliation/matches/{credit.id}/reversal",
        json={"comment": "wrong day"},
        auth=api.auth(),
    )
    assert undo.status_code == 201, undo.text
    return {"credit": credit.id, "by_hand": by_hand.id, "neighbours": neighbours.id, "run": run.id}


def test_the_matches_are_listed_newest_first_as_each_is_read(client, api, matches):
    listed = _list(client, api, "matches")

    assert _ids(listed) == [matches["by_hand"], matches["credit"]]
    assert listed["object"] == "list" and listed["has_more"] is False
    for item in listed["data"]:
        one = client.get(f"/v1/reconciliation/matches/{item['id']}", auth=api.auth())
        assert one.json() == item
    credit = listed["data"][1]
    assert credit["active"] is False and credit["reversal"]["comment"] == "wrong day"
    assert credit["entries"][0]["raw_line"]
    assert _ids(_list(client, api, "matches", NEIGHBOUR)) == [matches["neighbours"]]
    assert _list(client, api, "matches", STRANGER)["data"] == []


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"origin": "manual"}, ["by_hand"]),
        ({"origin": "engine"}, ["credit"]),
        ({"rule": "remittance_credit"}, ["credit"]),
        ({"active": "true"}, ["by_hand"]),
        ({"active": "false"}, ["credit"]),
        ({"anomaly": "true"}, ["by_hand"]),
        ({"anomaly": "false"}, ["credit"]),
        ({"origin": "without_entry"}, []),
    ],
)
def test_the_matches_are_filtered(client, api, matches, params, names):
    assert _ids(_list(client, api, "matches", **params)) == [matches[n] for n in names]


def test_the_matches_of_a_run(client, api, matches):
    listed = _list(client, api, "matches", run_id=matches["run"])
    assert _ids(listed) == [matches["credit"]]


def test_the_matches_are_paged_forward_and_back(client, api, matches):
    first = _list(client, api, "matches", limit=1)
    after = _list(client, api, "matches", limit=1, starting_after=matches["by_hand"])
    before = _list(client, api, "matches", limit=1, ending_before=matches["credit"])

    assert (_ids(first), first["has_more"]) == ([matches["by_hand"]], True)
    assert (_ids(after), after["has_more"]) == ([matches["credit"]], False)
    assert (_ids(before), before["has_more"]) == ([matches["by_hand"]], False)


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"origin": "robot"}, "origin"),
        ({"rule": "guess"}, "rule"),
        ({"active": "maybe"}, "active"),
        ({"run_id": "last"}, "run_id"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_a_bad_match_filter_is_refused(client, api, params, param):
    response = client.get("/v1/reconciliation/matches", params=params, auth=api.auth())
    problem(response, 422, param)


def test_a_cursor_must_name_a_match_of_the_list(client, api, matches):
    for cursor in (str(matches["neighbours"]), "999999", "x", "99999999999999999999"):
        response = client.get(
            "/v1/reconciliation/matches", params={"starting_after": cursor}, auth=api.auth()
        )
        problem(response, 404, "starting_after")


# Suggestions


@pytest.fixture
def proposals(api: Api, session: Session) -> dict[str, list[int]]:
    """Five suggestions of MINE's objects and four of the neighbour's, interleaved, the
    second of MINE's rejected, from two runs."""
    data = api.data
    theirs = session.get(Remittance, api.neighbour_remittance)
    runs = [run_row(session, data.merchant_id), run_row(session, data.merchant_id)]
    made: dict[str, list[int]] = {"mine": [], "theirs": [], "runs": [r.id for r in runs]}
    for n in range(5):
        run = runs[n % 2]
        mine = suggestion_row(session, run, entries=[data.credit], remittances=[data.remittance])
        made["mine"].append(mine.id)
        if n < 4:
            made["theirs"].append(suggestion_row(session, run, entries=[], remittances=[theirs]).id)
    rejected = session.get(type(mine), made["mine"][1])
    assert rejected is not None
    rejected.status, rejected.decided_at = "rejected", datetime.now(UTC)
    session.commit()
    return made


def _pages(client, api: Api, shop: str, **params) -> tuple[list[int], list[int]]:
    """Every id, paging forward from the newest, then backward from the oldest."""
    forward, cursor = [], None
    while True:
        extra = {"starting_after": cursor} if cursor else {}
        page = _list(client, api, "suggestions", shop, limit=2, **params, **extra)
        forward += _ids(page)
        if not page["has_more"]:
            break
        cursor = forward[-1]
    if not forward:
        return forward, []
    backward = forward[-1:]
    while True:
        page = _list(client, api, "suggestions", shop, limit=2, ending_before=backward[0], **params)
        backward = _ids(page) + backward
        if not page["has_more"]:
            return forward, backward


@pytest.mark.parametrize("batch", [2, 200])
def test_suggestions_are_paged_through_the_shops_own_only(
    client, api, proposals, monkeypatch, batch
):
    monkeypatch.setattr(lists, "_BATCH", batch)
    mine = sorted(proposals["mine"], reverse=True)
    theirs = sorted(proposals["theirs"], reverse=True)

    assert _pages(client, api, MINE, status="all") == (mine, mine)
    assert _pages(client, api, NEIGHBOUR, status="all") == (theirs, theirs)
    assert _pages(client, api, STRANGER, status="all") == ([], [])
    still_open = [i for i in mine if i != proposals["mine"][1]]
    assert _pages(client, api, MINE) == (still_open, still_open)
    first_run = [i for i in mine if i in proposals["mine"][0::2]]
    assert _ids(_list(client, api, "suggestions", status="all", run_id=proposals["runs"][0])) == (
        first_run
    )
    rejected = _list(client, api, "suggestions", status="rejected")
    assert _ids(rejected) == [proposals["mine"][1]]


def test_a_suggestion_is_read_by_its_own_shop_only(client, api, proposals):
    first = proposals["mine"][0]
    response = client.get(f"/v1/reconciliation/suggestions/{first}", auth=api.auth())

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["status"], body["rule"]) == (first, "open", "remittance_credit")
    assert body["entries"][0]["id"] == api.data.credit.id
    assert body["remittances"][0]["id"] == api.data.remittance.id
    assert body["criteria"][0]["name"] == "amount"
    # A cursor may name a suggestion of another status than the one listed (here rejected).
    listed = _list(client, api, "suggestions", starting_after=proposals["mine"][1], limit=1)
    assert listed["data"] == [body] and listed["has_more"] is False
    for shop in (NEIGHBOUR, STRANGER):
        other = client.get(f"/v1/reconciliation/suggestions/{first}", auth=api.auth(shop))
        problem(other, 404, "suggestion_id")
        cursor = client.get(
            "/v1/reconciliation/suggestions",
            params={"ending_before": first},
            auth=api.auth(shop),
        )
        problem(cursor, 404, "ending_before")


# Test-mode keys


ROUTES = [
    ("GET", "/v1/reconciliation/runs", None),
    ("POST", "/v1/reconciliation/runs", {"dry_run": True}),
    ("GET", "/v1/reconciliation/runs/1", None),
    ("GET", "/v1/reconciliation/runs/1/open-items", None),
    ("GET", "/v1/reconciliation/suggestions", None),
    ("GET", "/v1/reconciliation/suggestions/1", None),
    ("POST", "/v1/reconciliation/suggestions/1/confirm", None),
    ("POST", "/v1/reconciliation/suggestions/1/reject", {"comment": "no"}),
    ("GET", "/v1/reconciliation/matches", None),
    ("POST", "/v1/reconciliation/matches", {"entry_ids": [1], "comment": "x"}),
    ("GET", "/v1/reconciliation/matches/1", None),
    ("POST", "/v1/reconciliation/matches/1/reversal", {"comment": "x"}),
    ("GET", "/v1/transactions/{uuid}/reconciliation", None),
    ("POST", "/v1/transactions/{uuid}/reconciliation/manual", {"comment": "x"}),
    ("POST", "/v1/remittances/1/reconciliation/manual", {"comment": "x"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_a_test_mode_key_is_refused(client, api, session, settings, method, path, body):
    key = issue_test_key(session, api.data.setup.shop, settings.secret_key)
    session.commit()
    url = path.format(uuid=api.data.payments[0].uuid)

    response = client.request(method, url, json=body, headers={"Authorization": f"Bearer {key}"})
    anonymous = client.request(method, url, json=body)

    assert problem(response, 403)["code"] == "test_mode_key"
    assert problem(anonymous, 401)["code"] == "authentication_failed"
