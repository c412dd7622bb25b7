"""`pointage export`: the reconciliation state as an Excel workbook (docs/exports.md)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Exports for accountants.", no_args_is_help=True)
