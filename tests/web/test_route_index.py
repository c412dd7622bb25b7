"""The route index finds, for every request, the route Starlette's linear scan of the whole
table would have found, and leaves 404s, 405s and slash redirects as they were."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Match, Mount

from pointage.web.app import create_app
from pointage.web.route_index import IndexedDispatch, first_segment

SAMPLE_UUID = "0b0d1d9e-1c4b-4f45-9c1e-5f2c6a1d2e3f"
ODD_PATHS = [
    "/",
    "/v1",
    "/v1/",
    "/v1/transactions/",
    "/nowhere",
    "/nowhere/at/all",
    "/api-payment/V4/Transaction/Get",
    "/api-payment/V4/No/Such/Service",
    "/api-payment/V4",
    "/static/app.css",
    "/static",
    "/status",
    "/status-admin",
    "/statusx",
    "//v1/transactions",
]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@pytest.fixture
def app(settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as test_client:
        yield test_client


def _dispatch(app: FastAPI) -> IndexedDispatch:
    dispatch = app.router.middleware_stack
    assert isinstance(dispatch, IndexedDispatch)
    return dispatch


def _scope(method: str, path: str) -> dict[str, object]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "headers": [],
        "query_string": b"",
    }


def _decide(entries: list[BaseRoute], scope: dict[str, object]) -> tuple[object, ...]:
    """What the router decides on these entries: the entry that takes the request (the
    first full match, else the first partial one), or whether a slash added or removed
    would find one (a redirect), or nothing (404)."""
    partial = None
    for entry in entries:
        match, _ = entry.matches(dict(scope))
        if match is Match.FULL:
            return ("route", entry)
        if match is Match.PARTIAL and partial is None:
            partial = entry
    if partial is not None:
        return ("route", partial)
    path = str(scope["path"])
    other = path.rstrip("/") if path.endswith("/") else path + "/"
    if path != "/" and any(
        entry.matches({**scope, "path": other})[0] is not Match.NONE for entry in entries
    ):
        return ("redirect",)
    return ("not found",)


def _example_path(template: str) -> str:
    def value(parameter: re.Match[str]) -> str:
        convertor = parameter.group(2) or "str"
        return {"int": "7", "uuid": SAMPLE_UUID, "path": "a/b.txt"}.get(convertor, "x1")

    return re.sub(r"\{(\w+)(?::(\w+))?\}", value, template)


def _every_route_path(app: FastAPI) -> list[str]:
    paths = []
    for context in iter_route_contexts(app.router.routes):
        template = context.path or ""
        if isinstance(context.original_route, Mount):
            template += "/app.css"
        if template:
            paths.append(_example_path(template))
    return paths


def test_every_request_finds_the_route_the_whole_table_would_give(app):
    dispatch = _dispatch(app)
    paths = _every_route_path(app) + ODD_PATHS
    assert len(paths) > 150  # the application's real table, not a toy one
    compared = 0
    for path in paths:
        for method in METHODS:
            scope = _scope(method, path)
            narrowed = dispatch.index().router_for(path)
            entries = app.router.routes if narrowed is None else narrowed.routes
            assert _decide(entries, scope) == _decide(app.router.routes, scope), (method, path)
            compared += 1
    assert compared == len(paths) * len(METHODS)


def test_a_route_of_another_first_segment_is_never_tried(app):
    narrowed = _dispatch(app).index().router_for("/api-payment/V4/Transaction/Get")
    assert narrowed is not None
    served = {context.path for context in iter_route_contexts(narrowed.routes)}
    assert "/api-payment/V4/Transaction/Get" in served
    assert {first_segment(path) for path in served} == {"api-payment"}
    assert _dispatch(app).index().router_for("/nowhere") is None


def test_a_route_put_first_after_the_application_is_made_wins_as_in_the_table(app, client):
    assert client.get("/health").json()["status"] == "ok"  # the index is built

    @app.get("/health", include_in_schema=False)
    async def shadow() -> dict[str, str]:
        return {"status": "shadow"}

    table = app.router.routes
    table.insert(0, table.pop())
    assert client.get("/health").json() == {"status": "shadow"}


def test_a_route_added_last_with_a_parameter_first_is_found(app, client):
    @app.get("/{anything}/route-index-probe", include_in_schema=False)
    async def probe(anything: str) -> dict[str, str]:
        return {"anything": anything}

    assert client.get("/v1/route-index-probe").json() == {"anything": "v1"}
    assert client.get("/elsewhere/route-index-probe").json() == {"anything": "elsewhere"}


def test_unknown_paths_wrong_methods_and_slashes_are_answered_as_before(client):
    assert client.get("/v1/no-such-thing").status_code == 404
    wrong_method = client.delete("/health")
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["allow"]
    redirect = client.get("/health/")
    assert redirect.status_code == 307
    assert redirect.headers["location"].endswith("/health")
    assert client.get("/static/no-such-file.css").status_code == 404


def test_a_router_with_middleware_of_its_own_is_refused():
    from starlette.middleware import Middleware
    from starlette.middleware.gzip import GZipMiddleware
    from starlette.routing import Router

    from pointage.web.route_index import install

    with pytest.raises(RuntimeError, match="middleware of its own"):
        install(Router(middleware=[Middleware(GZipMiddleware)]))
