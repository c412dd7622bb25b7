"""`pointage db …`: the database schema."""

from __future__ import annotations

import typer

from pointage.cli.common import load_settings, user_errors
from pointage.db import migrate

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
@user_errors
def upgrade(revision: str = typer.Argument("head", help="Alembic revision to migrate to.")) -> None:
    """Migrate the database to the latest schema (creates the SQLite file if needed)."""
    settings = load_settings()
    migrate.upgrade(settings.database_url, revision)
    typer.echo(f"database migrated to {revision}")
