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
worker process: no capture batch or webhook delivery runs during a measure. With
BENCH_GC_FREEZE=1 (bench/api.py --gc-freeze) the objects built before serving are frozen out
of the garbage collector's reach (`gc.freeze()`), to measure what that would give.
"""

from __future__ import annotations

import gc
import os
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

    if os.environ.get("BENCH_GC_FREEZE") == "1":
        gc.collect()
        gc.freeze()
    return app


def main() -> None:
    serve.create_app = with_bare_routes  # type: ignore[assignment]
    serve.serve(host="127.0.0.1", port=int(sys.argv[1]))


if __name__ == "__main__":
    main()
