"""`pointage reports`: generate journals on demand, run the due ones (docs/reports.md)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Daily journals: generate, run what is due, deliver.", no_args_is_help=True)
