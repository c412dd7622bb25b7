"""`pointage transactions …`: transactions from the gateway's files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pointage.cli.common import fail, load_settings, session_scope, user_errors
from pointage.payment.journal_import import import_journal

app = typer.Typer(help="Transactions from the gateway's files.", no_args_is_help=True)


@app.command("import")
@user_errors
def import_file(
    file: Annotated[Path, typer.Argument(help="Transaction journal file (JT), ';'-separated.")],
) -> None:
    """Import a transaction journal file: all its transactions or, if any is wrong, none.

    Transactions already stored (same uuid) are skipped, so importing a file twice is safe.
    """
    settings = load_settings()
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    with session_scope(settings) as session:
        result = import_journal(session, data, filename=file.name, actor="cli")
    typer.echo(
        f"{file.name}: {result.read} read, {result.imported} imported, "
        f"{result.skipped} already present"
    )
    for counts in result.shops.values():
        typer.echo(
            f"  shop {counts.shop_id}: {counts.read} read, {counts.imported} imported, "
            f"{counts.skipped} already present"
        )
