"""`pointage export`: the reconciliation state as an Excel workbook (docs/exports.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pointage.cli.common import fail, load_settings, user_errors
from pointage.db.session import make_engine, make_session_factory
from pointage.reconciliation.service.run import business_today
from pointage.report.export import ExportFilters, export_reconciliation
from pointage.report.export.filters import day_of

app = typer.Typer(help="Exports for accountants.", no_args_is_help=True)


@app.command("reconciliation")
@user_errors
def reconciliation(
    out: Annotated[Path, typer.Option("--out", help="The workbook to write (.xlsx).")],
    shop: Annotated[
        list[str] | None,
        typer.Option("--shop", help="Only this shop (8-digit id; repeatable). Default: all."),
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Transaction date from, YYYY-MM-DD.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Transaction date up to, YYYY-MM-DD.")
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="PAID, RUNNING, UNPAID or ABANDONED (repeatable)."),
    ] = None,
    reconciliation_status: Annotated[
        list[str] | None,
        typer.Option(
            "--reconciliation-status",
            help="not_applicable, pending, to_review, reconciled, reconciled_manual or anomaly"
            " (repeatable).",
        ),
    ] = None,
    dispute: Annotated[
        list[str] | None, typer.Option("--dispute", help="yes, no or na (repeatable).")
    ] = None,
    order_id: Annotated[str | None, typer.Option("--order-id", help="This order only.")] = None,
    amount_min: Annotated[
        int | None, typer.Option("--amount-min", help="Amount from, in minor units.")
    ] = None,
    amount_max: Annotated[
        int | None, typer.Option("--amount-max", help="Amount up to, in minor units.")
    ] = None,
    remittance_number: Annotated[
        int | None, typer.Option("--remittance-number", help="This remittance number.")
    ] = None,
) -> None:
    """Write the reconciliation state, one line per transaction, with a summary sheet.

    Every shop's transactions unless --shop names some. The ageing of the payments
    awaiting their credit is counted as of today."""
    if out.suffix.lower() != ".xlsx":
        fail(f"{out}: the workbook's name must end in .xlsx")
    if not out.parent.is_dir():
        fail(f"{out.parent}: no such directory")
    filters = ExportFilters(
        shop_ids=tuple(shop or ()),
        date_from=day_of(date_from, "from") if date_from else None,
        date_to=day_of(date_to, "to") if date_to else None,
        statuses=tuple(status or ()),
        reconciliation_statuses=tuple(reconciliation_status or ()),
        disputes=tuple(dispute or ()),
        order_id=order_id,
        amount_min=amount_min,
        amount_max=amount_max,
        remittance_number=remittance_number,
    )
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        result = export_reconciliation(
            make_session_factory(engine), filters, out, today=business_today()
        )
    except OSError as exc:
        fail(f"{out}: {exc.strerror or exc}")
    finally:
        engine.dispose()
    noun = "transaction" if result.rows == 1 else "transactions"
    typer.echo(f"{result.rows:,} {noun} written to {result.path}")
