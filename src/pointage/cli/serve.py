"""`pointage serve`: the back office, the API and the in-process scheduler."""

from __future__ import annotations

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
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )
