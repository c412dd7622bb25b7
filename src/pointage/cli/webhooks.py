"""`pointage webhooks`: send the webhook deliveries due, once (docs/webhooks.md)."""

from __future__ import annotations

import typer

from pointage.cli.common import load_settings, user_errors
from pointage.db.session import make_engine, make_session_factory
from pointage.webhook.service.sending import deliver_due
from pointage.webhook.transport import HttpxTransport

app = typer.Typer(help="Webhooks: send the deliveries due.", no_args_is_help=True)


@app.command("deliver-due")
@user_errors
def deliver_due_command() -> None:
    """Send every webhook delivery due (new events and retries whose wait is over), then
    stop: for cron, when `pointage serve` does not run its dispatcher."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    transport = HttpxTransport()
    try:
        summary = deliver_due(make_session_factory(engine), settings, transport)
    finally:
        transport.close()
        engine.dispose()
    for line in summary.errors:
        typer.echo(line)
    typer.echo(
        f"webhooks: {summary.delivered} delivered, {summary.retrying} to retry, "
        f"{summary.failed} failed"
    )
