"""`pointage reconcile …`: run reconciliation, explain it, and act on it by hand.

Without a sub-command it runs reconciliation for every merchant (or one). The
sub-commands act for the merchant owning what they name (a transaction, a suggestion, a
match, a bank entry). Every action by hand is recorded with the actor `cli:<user>`.
"""

from __future__ import annotations

import getpass
import json
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter

from pointage.cli import reconcile_text as text
from pointage.cli.batch import parse_day
from pointage.cli.common import fail, load_settings, session_scope, user_errors
from pointage.db.session import make_engine, make_session_factory
from pointage.reconciliation.engine_settings import engine_settings
from pointage.reconciliation.models import RunStatus, RunTrigger
from pointage.reconciliation.service import explain, manual
from pointage.reconciliation.service.explain_views import Explanation, SuggestionView
from pointage.reconciliation.service.manual_scope import merchants, owner
from pointage.reconciliation.service.run import business_today, reconcile_all

app = typer.Typer(
    help="Reconciliation: run it, explain it, confirm, reject, match and undo by hand.",
)

CommentRequired = Annotated[
    str, typer.Option("--comment", help="Why: recorded with the action (required).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
MerchantOption = Annotated[
    int | None, typer.Option("--merchant", help="Only this merchant (its id).", min=1)
]


def cli_actor() -> str:
    """Who acts: the operating-system user, as `cli:<user>`."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in the environment nor the password base
        return "cli"


@app.callback(invoke_without_command=True)
@user_errors
def run(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be done; save nothing.")
    ] = False,
    day: Annotated[
        str | None,
        typer.Option("--date", help="Reconcile as of this day, YYYY-MM-DD (default: today)."),
    ] = None,
    merchant: MerchantOption = None,
) -> None:
    """Run reconciliation for every merchant (or --merchant).

    Matches bank entries to remittances, suggests what is unsure, and moves overdue
    payments to review."""
    if ctx.invoked_subcommand is not None:
        return
    today = parse_day(day) if day else business_today()
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        factory = make_session_factory(engine)
        if merchant is not None:
            with session_scope(settings) as session:
                owner(session, "merchant", merchant)
        reports = reconcile_all(
            factory,
            trigger=RunTrigger.CLI,
            actor="cli",
            today=today,
            dry_run=dry_run,
            merchant_ids=None if merchant is None else [merchant],
            settings=engine_settings(settings),
        )
    finally:
        engine.dispose()
    if not reports:
        typer.echo("no merchant to reconcile")
    for report in reports:
        typer.echo(text.run_line(report))
    if dry_run:
        typer.echo("dry run: nothing was saved")
    failed = [report for report in reports if report.status is RunStatus.FAILED]
    if failed:
        fail(f"{len(failed)} of {len(reports)} reconciliation run(s) failed")


@app.command("explain")
@user_errors
def explain_command(
    uuid: Annotated[str, typer.Argument(help="The transaction's uuid.")],
    as_json: JsonOption = False,
) -> None:
    """Show how a transaction is reconciled, down to the bank file's line.

    Transaction → remittance → bank entry (file, record, the bank's line) → rule and each
    criterion, then the matches undone and the suggestions."""
    with session_scope(load_settings()) as session:
        explained = explain.explain_transaction(session, owner(session, "transaction", uuid), uuid)
    if as_json:
        _print_json(TypeAdapter(Explanation).dump_python(explained, mode="json"))
        return
    for line in text.explanation_lines(explained):
        typer.echo(line)


@app.command("suggestions")
@user_errors
def suggestions_command(
    status: Annotated[
        str,
        typer.Option("--status", help="open, confirmed, rejected, superseded or all."),
    ] = "open",
    merchant: MerchantOption = None,
    limit: Annotated[
        int, typer.Option("--limit", help="At most this many per merchant.", min=1)
    ] = 100,
    as_json: JsonOption = False,
) -> None:
    """List the suggestions to confirm or reject, merchant by merchant."""
    found: list[tuple[int, list[SuggestionView]]] = []
    with session_scope(load_settings()) as session:
        merchant_ids = [owner(session, "merchant", merchant)] if merchant else merchants(session)
        for merchant_id in merchant_ids:
            listed = explain.list_suggestions(session, merchant_id, status=status, limit=limit)
            if listed:
                found.append((merchant_id, listed))
    if as_json:
        adapter = TypeAdapter(list[SuggestionView])
        _print_json(
            [
                {"merchant_id": m, "suggestions": adapter.dump_python(listed, mode="json")}
                for m, listed in found
            ]
        )
        return
    if not found:
        typer.echo(f"no {status} suggestion" if status != "all" else "no suggestion")
    for merchant_id, listed in found:
        typer.echo(f"merchant {merchant_id}: {len(listed)} suggestion(s)")
        for suggestion in listed:
            for line in text.suggestion_lines(suggestion):
                typer.echo(f"  {line}")


@app.command("confirm")
@user_errors
def confirm_command(
    suggestion_id: Annotated[int, typer.Argument(help="The suggestion's id.")],
    comment: Annotated[
        str | None, typer.Option("--comment", help="Recorded with the confirmation.")
    ] = None,
) -> None:
    """Confirm a suggestion: it becomes a match.

    Open suggestions claiming any of the same objects are superseded."""
    with session_scope(load_settings()) as session:
        merchant_id = owner(session, "suggestion", suggestion_id)
        match = manual.confirm_suggestion(session, merchant_id, suggestion_id, cli_actor(), comment)
        view = explain.describe_match(session, merchant_id, match.id)
    typer.echo(f"suggestion {suggestion_id} confirmed: {text.match_line(view)}")


@app.command("reject")
@user_errors
def reject_command(
    suggestion_id: Annotated[int, typer.Argument(help="The suggestion's id.")],
    comment: CommentRequired,
) -> None:
    """Reject a suggestion; later runs do not propose it again."""
    with session_scope(load_settings()) as session:
        merchant_id = owner(session, "suggestion", suggestion_id)
        manual.reject_suggestion(session, merchant_id, suggestion_id, cli_actor(), comment)
    typer.echo(f"suggestion {suggestion_id} rejected")


@app.command("match")
@user_errors
def match_command(
    entry: Annotated[
        list[int], typer.Option("--entry", help="A bank entry's id (repeat for several).")
    ],
    comment: CommentRequired,
    remittance: Annotated[
        list[int] | None,
        typer.Option("--remittance", help="A remittance's id (repeat for several)."),
    ] = None,
    transaction: Annotated[
        list[str] | None,
        typer.Option("--transaction", help="A transaction's uuid, instead of remittances."),
    ] = None,
) -> None:
    """Match bank entries by hand to remittances, or to transactions.

    The difference is recorded with the match; the comment explains it."""
    with session_scope(load_settings()) as session:
        merchant_id = owner(session, "entry", entry[0])
        match = manual.match_by_hand(
            session,
            merchant_id,
            entry,
            remittance or [],
            transaction or [],
            cli_actor(),
            comment,
        )
        view = explain.describe_match(session, merchant_id, match.id)
    typer.echo(f"matched: {text.match_line(view)}")


@app.command("unmatch")
@user_errors
def unmatch_command(
    match_id: Annotated[int, typer.Argument(help="The match's id.")],
    comment: CommentRequired,
) -> None:
    """Undo a match; it stays in the history.

    A reversal is recorded, the claims are released and the statuses recomputed."""
    with session_scope(load_settings()) as session:
        merchant_id = owner(session, "match", match_id)
        manual.unmatch(session, merchant_id, match_id, cli_actor(), comment)
    typer.echo(f"match {match_id} undone")


@app.command("mark")
@user_errors
def mark_command(
    uuid: Annotated[str, typer.Argument(help="The transaction's uuid.")],
    comment: CommentRequired,
) -> None:
    """Mark a transaction reconciled without a bank entry (reconciled_manual)."""
    with session_scope(load_settings()) as session:
        merchant_id = owner(session, "transaction", uuid)
        match = manual.mark_reconciled_without_entry(
            session, merchant_id, cli_actor(), comment, transaction_uuid=uuid
        )
        view = explain.describe_match(session, merchant_id, match.id)
    typer.echo(f"transaction {uuid} marked reconciled: {text.match_line(view)}")


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))
