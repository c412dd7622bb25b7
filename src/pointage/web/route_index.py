"""Requests find their route among the routes of their path's first segment, not among all.

The router matches a request against its routes one after the other, each a regular
expression (an included router trying each of its own), until one matches. With the API,
the status page and the back office in one application that is 167 routes: measured by
bench/api.py, finding a route at the end of the table cost as much again as answering a
constant JSON.

A literal first segment ("v1", "api-payment", "settings", "static") rules out every route
whose own first segment is another literal. For each first segment the routes share, the
index keeps a copy of the application's router narrowed to the entries of its table that
could match it — those with a route of that segment, and those with a route whose first
segment is a parameter or that has no path — in the table's order, and lets the router's
own code decide among them. The decision is the same as on the whole table: the first full
match, else the first partial one (405); no entry left out could have matched. A request
none of them takes (404, or a slash to add or remove) and a path whose first segment no
route has go to the whole router, which decides them as it always has.

The index is built again whenever the route table changes (a route added or moved after the
application was made, as tests and the benchmark do).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from fastapi.routing import APIRouter, iter_route_contexts
from starlette._utils import get_route_path
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send


def first_segment(path: str) -> str:
    """ "/v1/transactions/x" -> "v1"; "/" -> ""."""
    return path[1:].split("/", 1)[0]


def literal_first_segments(entry: BaseRoute) -> frozenset[str] | None:
    """The literal first segments of the paths an entry of the table serves (an included
    router serves many); None when a request of any first segment could reach it."""
    segments = set()
    for context in iter_route_contexts([entry]):
        path = context.path
        if not isinstance(path, str) or not path.startswith("/"):
            return None
        segment = first_segment(path)
        if "{" in segment:
            return None
        segments.add(segment)
    return frozenset(segments)


class RouteIndex:
    """For each first segment, the router narrowed to the entries that could match it."""

    def __init__(self, router: APIRouter) -> None:
        entries: Sequence[BaseRoute] = router.routes
        keys = [literal_first_segments(entry) for entry in entries]
        segments = set().union(*(key for key in keys if key is not None))
        self.narrowed: dict[str, APIRouter] = {}
        for segment in segments:
            narrowed = copy.copy(router)
            narrowed.routes = [
                entry
                for entry, key in zip(entries, keys, strict=True)
                if key is None or segment in key
            ]
            # What the narrowed copy finds no route for (404, or a slash to add or remove),
            # the whole router decides again.
            narrowed.default = router.app
            self.narrowed[segment] = narrowed

    def router_for(self, path: str) -> APIRouter | None:
        return self.narrowed.get(first_segment(path))


def _table_key(router: APIRouter) -> tuple[int, ...]:
    # Cheap enough for every request: changes when an entry is added, removed, or put first
    # or last (what adding routes after the application is made does). A route added later
    # to a router already included is not seen here (asking FastAPI's change counter walks
    # every included router, a fifth of a quick read's time): such a route is still found,
    # by the whole router, which hears every request the narrowed copy finds no route for.
    routes = router.routes
    if not routes:
        return (id(routes), 0)
    return (id(routes), len(routes), id(routes[0]), id(routes[-1]))


class IndexedDispatch:
    """The router's entry point: a narrowed copy of it for the request's first segment."""

    def __init__(self, router: APIRouter, fallback: ASGIApp) -> None:
        self.router = router
        self.fallback = fallback
        self._key: tuple[int, ...] = ()
        self._index: RouteIndex | None = None

    def index(self) -> RouteIndex:
        key = _table_key(self.router)
        if self._index is None or key != self._key:
            self._index = RouteIndex(self.router)
            self._key = key
        return self._index

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        narrowed = None
        if scope["type"] == "http":
            narrowed = self.index().router_for(get_route_path(scope))
        if narrowed is None:
            await self.fallback(scope, receive, send)
            return
        # Links are built by the whole router (url_for), not by its narrowed copy.
        scope.setdefault("router", self.router)
        await narrowed.app(scope, receive, send)


def install(router: APIRouter) -> None:
    """Put the index in front of the router (which must have no middleware of its own: the
    application's middleware wraps the application, not its router)."""
    if router.middleware_stack != router.app:
        raise RuntimeError("the router has middleware of its own: the index would skip it")
    router.middleware_stack = IndexedDispatch(router, router.app)
