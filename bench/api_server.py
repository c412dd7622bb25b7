"""The server of bench/api.py, in a process of its own: `pointage serve` itself (its
settings from the environment, its uvicorn options), with two routes the benchmark adds to
the application object `create_app` returns, before it is served:

- GET /bench/bare, a constant JSON answer from an `async def` route: the floor of what any
  route of this server costs;
- GET /bench/bare-sync, the same from a plain `def` route, which FastAPI runs in a worker
  thread, as it does the routes that use the database.

    POINTAGE_DATABASE_URL=… POINTAGE_SECRET_KEY=… POINTAGE_SCHEDULER_ENABLED=false \\
        .venv/bin/python bench/api_server.py PORT

bench/api.py turns the in-process scheduler off, as in a deployment whose batches run in a
worker process: no capture batch or webhook delivery runs during a measure. As `pointage
serve` does, the objects built before serving are frozen out of the garbage collector's reach
(`gc.freeze()`), the bare routes included.
"""

from __future__ import annotations

import sys

from fastapi import FastAPI

from pointage.cli import serve
from pointage.settings import Settings
from pointage.web.app import create_app

BARE_ANSWER = {"status": "ok", "object": "bench"}


def with_bare_routes(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.get("/bench/bare", include_in_schema=False)
    async def bare() -> dict[str, str]:
        return BARE_ANSWER

    @app.get("/bench/bare-sync", include_in_schema=False)
    def bare_sync() -> dict[str, str]:
        return BARE_ANSWER

    # First in the route table: a request is matched against the routes in their order, and
    # the floor of a route of this server is one matched at once. The same route last in the
    # table gives the cost of finding a route behind all the others.
    table = app.router.routes
    table[:0] = [table.pop(), table.pop()][::-1]

    @app.get("/bench/bare-last", include_in_schema=False)
    async def bare_last() -> dict[str, str]:
        return BARE_ANSWER

    return app


def main() -> None:
    serve.create_app = with_bare_routes  # type: ignore[assignment]
    serve.serve(host="127.0.0.1", port=int(sys.argv[1]))


if __name__ == "__main__":
    main()
