"""The `pointage` command. One module per noun; this file only assembles them."""

from __future__ import annotations

import typer

from pointage.cli import batch, db, demo, serve
from pointage.cli import export as export_cli
from pointage.cli import keys as keys_cli
from pointage.cli import reconcile as reconcile_cli
from pointage.cli import reports as reports_cli
from pointage.cli import statements as statements_cli
from pointage.cli import status as status_cli
from pointage.cli import transactions as transactions_cli
from pointage.cli import users as users_cli
from pointage.cli import webhooks as webhooks_cli

app = typer.Typer(
    help="Pointage: payment reconciliation and reporting back office.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(batch.app, name="batch")
app.add_typer(transactions_cli.app, name="transactions")
app.add_typer(statements_cli.app, name="statements")
app.add_typer(reconcile_cli.app, name="reconcile")
app.add_typer(reports_cli.app, name="reports")
app.add_typer(export_cli.app, name="export")
app.add_typer(users_cli.app, name="users")
app.add_typer(keys_cli.app, name="keys")
app.add_typer(webhooks_cli.app, name="webhooks")
app.add_typer(status_cli.app, name="status")
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
