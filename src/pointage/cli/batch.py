"""`pointage batch …`: the daily capture batch that builds remittances, then reconciles."""

from __future__ import annotations

import re
from datetime import date

import typer

from pointage.cli.common import load_settings, user_errors
from pointage.core.errors import InvalidInput
from pointage.core.money import format_amount
from pointage.db.session import make_engine, make_session_factory
from pointage.jobs.capture import DayReport, run_day
from pointage.jobs.reconcile import reconcile_after_batch
from pointage.reconciliation.engine_settings import engine_settings
from pointage.reconciliation.models import RunStatus
from pointage.remittance.service import ContractBatchResult, RemittanceSummary

app = typer.Typer(help="Daily capture batch (remises).", no_args_is_help=True)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(value: str) -> date:
    """A calendar date written YYYY-MM-DD, or a one-line error naming the option."""
    try:
        if _ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidInput(f"{value!r} is not a calendar date written YYYY-MM-DD", param="--date")


@app.command("run")
@user_errors
def run(
    day: str = typer.Option(
        ...,
        "--date",
        help="Business day to capture, YYYY-MM-DD (required: a day runs once, ever).",
    ),
    shop: str | None = typer.Option(None, "--shop", help="Only this shop (8-digit shop id)."),
    reconcile: bool = typer.Option(
        True,
        "--reconcile/--no-reconcile",
        help="Then reconcile the merchants whose batch ran, as of --date.",
    ),
) -> None:
    """Capture the transactions due by --date into one remittance per contract and currency,
    then run the daily reconciliation of the merchants whose batch ran.

    Running a day again changes nothing and prints 'already done'.
    """
    business_date = parse_day(day)
    settings = load_settings()
    engine = make_engine(settings.database_url)
    runs = []
    try:
        factory = make_session_factory(engine)
        report = run_day(factory, business_date, shop_id=shop)
        for line in report_lines(report):
            typer.echo(line)
        if reconcile:
            runs = reconcile_after_batch(
                factory, report.results, actor="cli", settings=engine_settings(settings)
            )
    finally:
        engine.dispose()
    # A failed run is recorded and shown; the batch itself is done, hence no error status.
    for run_report in runs:
        if run_report.status is RunStatus.FAILED:
            typer.echo(f"warning: {run_report.summary}", err=True)
        else:
            typer.echo(run_report.summary)


def report_lines(report: DayReport) -> list[str]:
    lines = [f"capture batch of {report.business_date.isoformat()}"]
    if not report.results:
        lines.append("  no contract to run")
    for result in report.results:
        lines += _contract_lines(result)
    for shop_id, count in sorted(report.without_contract.items()):
        lines.append(
            f"  warning: shop {shop_id} has {count} transaction(s) due without a contract; "
            "they were not captured"
        )
    return lines


def _contract_lines(result: ContractBatchResult) -> list[str]:
    head = f"  contract {result.contract_number}:"
    if result.already_done:
        return [f"{head} already done"]
    if not result.remittances and not result.expired_count:
        return [f"{head} nothing due"]
    lines = [f"{head} {result.captured_count} captured, {result.expired_count} expired"]
    lines += [_remittance_line(r) for r in result.remittances]
    return lines


def _remittance_line(r: RemittanceSummary) -> str:
    def amount(minor: int) -> str:
        return format_amount(minor, r.currency)

    return (
        f"    remittance {r.number} {r.currency}: {r.payment_count} payment(s), "
        f"{r.refund_count} refund(s); gross {amount(r.gross_minor)}, "
        f"refunds {amount(r.refunds_minor)}, fee {amount(r.fee_minor)}, "
        f"net {amount(r.net_minor)}; expected credit {amount(r.expected_credit_minor)} "
        f"on {r.expected_credit_date.isoformat()}"
    )
