"""The isolation sweep, driven by the OpenAPI document so that a new route is swept too:

- every route that names an object (in its path, its body or a filter) answers shop B's
  production key with 404 for shop A's object — the V4 services with their not-found error —
  exactly as for an object that does not exist, and the database is left as it was;
- a test-mode key never reaches a production object;
- every list shows shop B none of shop A's objects, and refuses A's objects as cursors;
- every route refuses a missing or wrong key with 401.

A route whose path names an object this sweep does not know fails here: add the object to
tests/web/isolation_world.py.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from pointage.settings import Settings
from pointage.web.app import create_app
from pointage.web.openapi import PUBLIC
from tests.web.isolation_world import A, B, World, build, snapshot

DOCUMENT = create_app(
    Settings(database_url="sqlite:///unused.db", scheduler_enabled=False)
).openapi()
METHODS = ("get", "post", "put", "patch", "delete")
V4 = "/api-payment/V4/"
OPERATIONS = [
    (method, path)
    for path, item in DOCUMENT["paths"].items()
    for method in METHODS
    if method in item and path.startswith(("/v1/", V4)) and (method, path) not in PUBLIC
]
# Bodies of routes that take more, or less, than an optional comment.
BODIES: dict[tuple[str, str], Any] = {
    ("post", "/v1/transactions/{uuid}/modify"): {"amount": 100},
    ("post", "/v1/reports/{report_id}/resend"): {},
    ("patch", "/v1/webhook-endpoints/{endpoint_id}"): {"enabled": False},
    ("post", "/v1/webhook-endpoints/{endpoint_id}/rotate-secret"): {},
    ("post", "/v1/webhook-deliveries/{delivery_id}/replay"): None,
    ("delete", "/v1/webhook-endpoints/{endpoint_id}"): None,
}
COMMENT = {"comment": "isolation sweep"}


@pytest.fixture
def sweep_settings(settings, tmp_path):
    # Hundreds of wrong keys from one address: the guessing limit is not what is tested here.
    return settings.model_copy(
        update={"auth_max_failures": 1_000_000, "reports_dir": str(tmp_path / "reports")}
    )


@pytest.fixture
def client(sweep_settings):
    with TestClient(create_app(sweep_settings), raise_server_exceptions=False) as made:
        yield made


@pytest.fixture
def world(session, sweep_settings, client, tmp_path) -> World:
    return build(session, sweep_settings, client, tmp_path)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _basic(shop_id: str, key: str) -> dict[str, str]:
    token = base64.b64encode(f"{shop_id}:{key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _v4_body(path: str, world: World, uuid: str) -> dict[str, Any]:
    service = path.removeprefix(V4)
    if service == "Order/Get":
        return {"orderId": world.body_ids["order_id"]}
    body: dict[str, Any] = {"uuid": uuid}
    if service == "Transaction/Update":
        body["cardUpdate"] = {"amount": 100, "currency": "EUR"}
    if service == "Transaction/Duplicate":
        body.update(amount=100, currency="EUR")
    return body


def _request(
    client: TestClient, world: World, method: str, path: str, headers: dict[str, str]
) -> Any:
    """Call the route on shop A's objects."""
    if path.startswith(V4):
        body = _v4_body(path, world, world.ids["uuid"])
        return client.request(method.upper(), path, json=body, headers=headers)
    url = path
    for name in _path_params(path):
        url = url.replace("{" + name + "}", world.ids[name])
    kwargs: dict[str, Any] = {}
    content = DOCUMENT["paths"][path][method].get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        kwargs["files"] = {"file": ("statement.txt", world.statement_file)}
    elif method in ("post", "put", "patch"):
        body = BODIES.get((method, path), COMMENT)
        if body is not None:
            kwargs["json"] = body
    return client.request(method.upper(), url, headers=headers, **kwargs)


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


# The status page's operators' API belongs to no shop: a shop's key is refused there (401),
# whatever it names (test_a_shop_key_opens_nothing_of_the_status_page).
STATUS = "/v1/status/"


def _named_operations() -> list[tuple[str, str]]:
    return [
        (m, p)
        for m, p in OPERATIONS
        if (_path_params(p) or p.startswith(V4)) and not p.startswith(STATUS)
    ]


def _not_found(response: Any, path: str) -> bool:
    if path.startswith(V4):
        answer = response.json().get("answer") or {}
        return response.json().get("status") == "ERROR" and answer.get("errorCode") == "PSP_010"
    return response.status_code == 404 and response.json().get("code") == "not_found"


def _sweep(client, session, world, key_headers, accept) -> list[str]:
    failures = []
    for method, path in _named_operations():
        unknown = [name for name in _path_params(path) if name not in world.ids]
        if unknown:
            failures.append(f"{method.upper()} {path}: add shop A's {unknown} to the world")
            continue
        headers = key_headers(path)
        before = snapshot(session)
        response = _request(client, world, method, path, headers)
        if not accept(response, path):
            failures.append(
                f"{method.upper()} {path}: {response.status_code} {response.text[:200]}"
            )
        if snapshot(session) != before:
            failures.append(f"{method.upper()} {path}: the database changed")
    return failures


def test_another_shops_objects_are_not_found_and_left_alone(client, session, world):
    def headers(path):
        if path.startswith(V4):
            return _basic(B, world.keys["b_live"])
        return _bearer(world.keys["b_live"])

    assert len(_named_operations()) >= 30
    assert _sweep(client, session, world, headers, _not_found) == []


def test_the_sweep_sees_a_route_that_leaks(client, session, world):
    # Shop A's own key reaches every object: what the sweep would report of a leaking route.
    def headers(path):
        if path.startswith(V4):
            return _basic(A, world.keys["a_live"])
        return _bearer(world.keys["a_live"])

    failures = _sweep(client, session, world, headers, _not_found)
    gets = [(m, p) for m, p in _named_operations() if m == "get"]
    reported = {failure.split(":")[0] for failure in failures}
    assert {f"{m.upper()} {p}" for m, p in gets} <= reported


def test_a_test_mode_key_reaches_no_production_object(client, session, world):
    def headers(path):
        if path.startswith(V4):
            return _basic(A, world.keys["a_test"])
        return _bearer(world.keys["a_test"])

    def refused(response, path):
        if path.startswith(V4):
            return _not_found(response, path)
        code = response.json().get("code") if response.content else None
        return (response.status_code, code) in ((404, "not_found"), (403, "test_mode_key"))

    assert _sweep(client, session, world, headers, refused) == []


def test_bodies_naming_another_shops_objects_are_refused(client, session, world):
    b = _bearer(world.keys["b_live"])
    uuid = world.ids["uuid"]
    calls = [
        # A uuid is the gateway's, unique across shops: recording it again is a conflict.
        ("POST", "/v1/transactions", {"json": _transaction(uuid)}, 409),
        (
            "POST",
            "/v1/reconciliation/matches",
            {
                "json": {
                    "entry_ids": [world.body_ids["entry_id"]],
                    "comment": "x",
                    "remittance_ids": [int(world.ids["id"])],
                }
            },
            404,
        ),
        (
            "POST",
            "/v1/reconciliation/matches",
            {
                "json": {
                    "entry_ids": [world.body_ids["entry_id"]],
                    "comment": "x",
                    "transaction_uuids": [uuid],
                }
            },
            404,
        ),
        # Shop A's bank file names an account of another merchant: refused as unknown.
        ("POST", "/v1/statements", {"files": {"file": ("a.txt", world.statement_file)}}, 422),
    ]
    failures = []
    for method, path, kwargs, status in calls:
        before = snapshot(session)
        response = client.request(method, path, headers=b, **kwargs)
        if response.status_code != status:
            failures.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
        if snapshot(session) != before:
            failures.append(f"{method} {path}: the database changed")
    assert failures == []


def _transaction(uuid: str) -> dict[str, Any]:
    return {"uuid": uuid, "amount": 100, "currency": "EUR", "detailed_status": "CANCELLED"}


def _list_ids(response: Any) -> list[str]:
    return [str(item.get("uuid") or item.get("id")) for item in response.json()["data"]]


def _lists() -> list[str]:
    return [p for m, p in OPERATIONS if m == "get" and not _path_params(p) and p.startswith("/v1/")]


def test_lists_show_another_shop_none_of_its_objects(client, session, world):
    a, b = _bearer(world.keys["a_live"]), _bearer(world.keys["b_live"])
    failures, swept = [], 0
    for path in _lists():
        own = client.get(path, headers=a)
        if own.headers.get("content-type") != "application/json" or "data" not in own.json():
            continue
        swept += 1
        mine = _list_ids(own)
        if not mine:
            failures.append(f"GET {path}: shop A lists nothing: give it an object in the world")
            continue
        theirs = client.get(path, headers=b)
        if theirs.status_code != 200 or set(_list_ids(theirs)) & set(mine):
            failures.append(f"GET {path}: shop B sees {theirs.text[:200]}")
        cursor = client.get(path, params={"starting_after": mine[0]}, headers=b)
        if cursor.status_code != 404:
            failures.append(f"GET {path}?starting_after=<A's>: {cursor.status_code}")
    assert swept >= 10
    assert failures == []


FILTERS = {
    "remittance": "id",
    "run_id": "run_id",
    "endpoint_id": "endpoint_id",
    "bank_account_id": "bank_account_id",
    "contract": "contract",
    "remittance_number": "remittance_number",
    "shop": None,
}


def test_filters_naming_another_shops_objects_find_nothing(client, session, world):
    b = _bearer(world.keys["b_live"])
    values = {**world.ids, **{k: str(v) for k, v in world.body_ids.items()}}
    failures, swept = [], 0
    for path in [*_lists(), "/v1/exports/reconciliation.xlsx"]:
        parameters = DOCUMENT["paths"][path]["get"].get("parameters", [])
        for name in [p["name"] for p in parameters if p["name"] in FILTERS]:
            value = A if FILTERS[name] is None else values[FILTERS[name]]
            swept += 1
            response = client.get(path, params={name: value}, headers=b)
            if response.status_code in (404, 422):
                continue
            if response.status_code != 200 or _shows_a(response, world):
                failures.append(f"GET {path}?{name}=<A's>: {response.text[:200]}")
    assert swept >= 6
    assert failures == []
    # What the check looks for is there when shop A asks for its own export.
    own = client.get("/v1/exports/reconciliation.xlsx", headers=_bearer(world.keys["a_live"]))
    assert _shows_a(own, world)


def _shows_a(response: Any, world: World) -> bool:
    """Whether an answer (a JSON list or a workbook) shows any of shop A's objects."""
    if "json" in response.headers["content-type"]:
        return response.json().get("data") != []
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    cells = {
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    }
    return bool(cells & {world.ids["uuid"], world.body_ids["order_id"]})


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": "Basic " + base64.b64encode(f"{A}:wrong-key".encode()).decode()},
    ],
    ids=["none", "wrong-bearer", "wrong-basic"],
)
def test_every_route_refuses_a_missing_or_wrong_key(client, session, world, credentials):
    failures = []
    before = snapshot(session)
    for method, path in OPERATIONS:
        response = _request(client, world, method, path, credentials)
        if response.status_code != 401:
            failures.append(
                f"{method.upper()} {path}: {response.status_code} {response.text[:120]}"
            )
    assert len(OPERATIONS) >= 50
    assert failures == []
    after = snapshot(session)
    after.pop("auth_failure", None)
    before.pop("auth_failure", None)
    assert after == before


def test_a_shop_key_opens_nothing_of_the_status_page(client, session, world):
    status_operations = [(m, p) for m, p in OPERATIONS if p.startswith(STATUS)]
    assert len(status_operations) >= 9
    ids = world.ids
    failures = []
    before = snapshot(session)
    for key in ("a_live", "b_live"):
        for method, path in status_operations:
            url = path.replace("{incident_id}", ids["incident_id"]).replace("{key}", ids["key"])
            body = {} if method in ("post", "put") else None
            response = client.request(
                method.upper(), url, headers=_bearer(world.keys[key]), json=body
            )
            if response.status_code != 401:
                failures.append(f"{method.upper()} {path}: {response.status_code}")
    assert failures == []
    after = snapshot(session)
    after.pop("auth_failure", None)
    before.pop("auth_failure", None)
    assert after == before
