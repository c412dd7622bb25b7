"""`pointage serve`: the back office, the API and the in-process scheduler.

Once the application is built, everything made so far (modules, the application, its routes
and models) is moved out of the garbage collector's reach (`gc.freeze`): a full collection
then scans only what requests create, and takes milliseconds instead of the 100 to 200 ms
that held up every request in flight under load (docs/benchmarks.md, "Web Services API").
"""

from __future__ import annotations

import gc

import typer
import uvicorn

from pointage.cli.common import load_settings
from pointage.web.app import create_app


def serve(
    host: str = typer.Option(None, help="Address to listen on (default POINTAGE_HOST)."),
    port: int = typer.Option(None, help="Port to listen on (default POINTAGE_PORT)."),
) -> None:
    """Serve the back office and the API (and run the daily batches at each cut-off)."""
    settings = load_settings()
    app = create_app(settings)
    gc.collect()  # what start-up left unreachable goes first; the rest is kept for good
    gc.freeze()
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )
