"""The server of bench/api.py, in a process of its own: the real application
(`create_app(settings)`) served by uvicorn with the options `pointage serve` uses (one
process, its log level, no proxy headers), plus two routes the benchmark adds to the same
application object: GET /bench/bare, a constant JSON answer from an `async def` route, the
floor of what any route of this server costs, and GET /bench/bare-sync, the same from a plain
`def` route, which FastAPI runs in a worker thread (as it does the routes that use the
database).

    .venv/bin/python bench/api_server.py DATABASE_URL PORT   # (POINTAGE_SECRET_KEY set)

The in-process scheduler is off (POINTAGE_SCHEDULER_ENABLED=false), as in a deployment whose
batches run in a worker process: no capture batch or webhook delivery runs during a measure.
"""

from __future__ import annotations

import sys

import uvicorn

from pointage.settings import Settings
from pointage.web.app import create_app

BARE_ANSWER = {"status": "ok", "object": "bench"}


def main() -> None:
    url, port = sys.argv[1], int(sys.argv[2])
    settings = Settings(database_url=url, port=port, scheduler_enabled=False)
    app = create_app(settings)

    @app.get("/bench/bare", include_in_schema=False)
    async def bare() -> dict[str, str]:
        return BARE_ANSWER

    @app.get("/bench/bare-sync", include_in_schema=False)
    def bare_sync() -> dict[str, str]:
        return BARE_ANSWER

    # As pointage.cli.serve does.
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
