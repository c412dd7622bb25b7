"""`pointage reports`: generate journals on demand, run the due ones, list, re-send, and the
shops' report settings (docs/reports.md)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from pointage.cli.batch import parse_day
from pointage.cli.common import fail, load_settings, session_scope, user_errors
from pointage.cli.reconcile import cli_actor
from pointage.core.errors import InvalidInput, NotFound
from pointage.db.session import make_engine, make_session_factory
from pointage.report.delivery.service import process_due
from pointage.report.service import history, on_demand
from pointage.report.service import settings as report_settings
from pointage.report.service.due import Outcome, RunDueSummary, run_due
from pointage.shop.service import shop_by_shop_id

app = typer.Typer(help="Daily journals: generate, run what is due, deliver.", no_args_is_help=True)

_OPTIONS = {"period_end": "--to", "encoding": "--encoding", "out": "--out", "shop_id": "--shop"}
ShopOption = Annotated[str, typer.Option("--shop", help="The shop's 8-digit id.")]


def _day(value: str, option: str) -> date:
    try:
        return parse_day(value)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, param=option) from None


@app.command("generate")
@user_errors
def generate(
    kind: Annotated[str, typer.Option("--type", help="jt, jo, jrb, jri or remittances.")],
    shop: ShopOption,
    day: Annotated[str, typer.Option("--date", help="The day, YYYY-MM-DD (or the first).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the file in.")],
    to: Annotated[
        str | None, typer.Option("--to", help="Last day of a period, YYYY-MM-DD.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or xlsx.")] = "csv",
    encoding: Annotated[
        str, typer.Option("--encoding", help="Of a CSV file: utf-8 or iso-8859-15.")
    ] = "utf-8",
) -> None:
    """Write one journal of a shop, for a day or a period, into --out.

    The file is named as the shop's settings say; it is not recorded among the shop's
    reports, nor delivered."""
    kind_value = on_demand.journal_kind(kind, param="--type")
    report_format = on_demand.report_format(fmt, param="--format")
    start = _day(day, "--date")
    end = _day(to, "--to") if to is not None else start
    settings = load_settings()
    try:
        with session_scope(settings) as session:
            written = on_demand.write_to_folder(
                session,
                shop_by_shop_id(session, shop),
                kind_value,
                start,
                end,
                report_format,
                encoding=encoding,
                folder=out,
                now=datetime.now(UTC),
            )
    except (InvalidInput, NotFound) as exc:
        # Named by the option the user typed, not by the service's field.
        exc.param = _OPTIONS.get(exc.param or "", exc.param)
        raise
    typer.echo(str(written.path))
    typer.echo(f"rows: {written.rows}")
    typer.echo(f"sha256: {written.sha256}")


@app.command("run-due")
@user_errors
def run_due_command(
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Run what is due once this day is over (YYYY-MM-DD), for every shop; "
            "default: what is due now, in each shop's time zone.",
        ),
    ] = None,
) -> None:
    """Generate the journals due for every shop and deliver them, then retry the
    deliveries due (for cron, when `pointage serve` does not run)."""
    last_day = _day(day, "--date") if day is not None else None
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        summary = run_due(
            make_session_factory(engine),
            settings,
            now=datetime.now(UTC),
            last_day=last_day,
            retry_failed_after=timedelta(0),  # a person asks: no wait
        )
    finally:
        engine.dispose()
    for line in summary_lines(summary):
        typer.echo(line)
    if summary.failed or summary.delivery_error:
        fail(f"{len(summary.failed)} report(s) failed" if summary.failed else "deliveries failed")


def summary_lines(summary: RunDueSummary) -> list[str]:
    lines = [result.line() for result in summary.results]
    lines += [waiting.line() for waiting in summary.waiting]
    lines.append(
        f"reports: {summary.count(Outcome.GENERATED)} generated, "
        f"{summary.count(Outcome.ADOPTED)} taken from on-demand ones, "
        f"{len(summary.failed)} failed, {len(summary.waiting)} waiting"
    )
    if summary.delivery_error:
        lines.append(f"deliveries: not processed: {summary.delivery_error}")
    elif summary.deliveries is not None:
        d = summary.deliveries
        lines.append(
            f"deliveries: {d.delivered} delivered, {d.retrying} to retry, {d.failed} failed"
        )
        lines += [f"  {error}" for error in d.errors]
    return lines


@app.command("list")
@user_errors
def list_reports(
    shop: ShopOption,
    journal: Annotated[str | None, typer.Option("--journal", help="Only this journal.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
) -> None:
    """The shop's generated reports, latest period first, with their deliveries."""
    settings = load_settings()
    kind = on_demand.journal_kind(journal, param="--journal").value if journal else None
    with session_scope(settings) as session:
        found = shop_by_shop_id(session, shop)
        rows, total = history.reports(session, found, journal=kind, limit=limit)
        for report in rows:
            statuses = [
                f"{view.delivery.channel}#{view.delivery.sequence} {view.delivery.status}"
                for view in history.deliveries(session, report)
            ]
            typer.echo(
                f"{report.id}\t{report.journal}\t{report.period_start}..{report.period_end}\t"
                f"{report.format}\t{report.row_count} row(s)\t{report.filename}\t"
                f"{', '.join(statuses) or 'not delivered'}"
            )
    typer.echo(f"{len(rows)} of {total} report(s)")


@app.command("resend")
@user_errors
def resend(
    report_id: Annotated[int, typer.Argument(help="The report's id (pointage reports list).")],
    channel: Annotated[
        list[str] | None,
        typer.Option("--channel", help="email, sftp or local (repeat); default: all set."),
    ] = None,
) -> None:
    """Send a report again through its shop's channels, now."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        factory = make_session_factory(engine)
        with session_scope(settings) as session:
            created = history.resend(
                session,
                history.shop_of_report(session, report_id),
                report_id,
                channels=channel or None,
                actor=cli_actor(),
            )
            ids = [delivery.id for delivery in created]
        process_due(factory, settings, now=datetime.now(UTC))
        with session_scope(settings) as session:
            views = history.deliveries_by_ids(session, ids)
    finally:
        engine.dispose()
    for view in views:
        d = view.delivery
        typer.echo(f"{d.channel} {d.destination}: {d.status}{_error(d.last_error)}")
    if any(view.delivery.status != "delivered" for view in views):
        fail("not every delivery went through; it is retried as the settings say")


def _error(error: str | None) -> str:
    return f" ({error})" if error else ""


@app.command("settings")
@user_errors
def settings_command(
    shop: ShopOption,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="JSON object of the settings to change (the API's fields, local_directory "
            "too); '-' reads standard input. Without it: print the settings.",
        ),
    ] = None,
) -> None:
    """Print a shop's report settings as JSON, or change them from a JSON file."""
    settings = load_settings()
    with session_scope(settings) as session:
        found = shop_by_shop_id(session, shop)
        if file is not None:
            report_settings.save_settings(
                session, found, _read_json(file), cli_actor(), secret_key=settings.secret_key
            )
        view = report_settings.settings_view(session, found)
    typer.echo(json.dumps(view_dict(view), indent=2, ensure_ascii=False))


def view_dict(view: report_settings.SettingsView) -> dict[str, Any]:
    return {name: getattr(view, name) for name in view.__slots__}


def _read_json(file: Path) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}", param="--file") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{file} is not JSON: {exc}", param="--file") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{file} must hold a JSON object", param="--file")
    return data
