"""`pointage statements …`: read and import bank statement files, save CSV profiles.

A file that cannot be read (missing, unknown format, not the layout it claims) or that
the import refuses exits with status 2 after one line on standard error (and, for a
refusal, the problems, one per line); other user errors exit with 1 as everywhere.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer

from pointage.cli.common import fail, load_settings, session_scope, user_errors
from pointage.core.errors import FileRejected, InvalidInput
from pointage.db.session import make_engine, make_session_factory
from pointage.formats.statements import FORMAT_CHOICES, parse, parse_format_name
from pointage.formats.statements.checks import format_amount, statement_name
from pointage.formats.statements.csv_profile import profile_from_dict, profile_to_dict
from pointage.formats.statements.json_view import result_to_json
from pointage.formats.statements.model import (
    CsvProfile,
    ParseOptions,
    ParseResult,
    StatementFileError,
)
from pointage.reconciliation.engine_settings import engine_settings
from pointage.reconciliation.models import RunStatus, RunTrigger
from pointage.reconciliation.service.run import (
    business_today,
    merchants_of_accounts,
    reconcile_all,
)
from pointage.settings import Settings
from pointage.statement.service import (
    ImportReport,
    get_profile,
    import_statement_file,
    list_profiles,
    save_profile,
)

app = typer.Typer(help="Bank statements: read, import, CSV profiles.", no_args_is_help=True)
profiles_app = typer.Typer(help="Saved CSV column-mapping profiles.", no_args_is_help=True)
app.add_typer(profiles_app, name="profiles")

FILE_ERROR = 2
P = ParamSpec("P")
R = TypeVar("R")

FormatOption = Annotated[
    str | None,
    typer.Option("--format", help=f"Force the format: {', '.join(FORMAT_CHOICES)}."),
]
LenientOption = Annotated[
    bool,
    typer.Option("--lenient", help="Read CFONB 120 amounts some banks shift (each one noted)."),
]
ProfileOption = Annotated[
    str | None, typer.Option("--csv-profile", help="CSV: a saved profile, by name.")
]
ProfileFileOption = Annotated[
    Path | None, typer.Option("--csv-profile-file", help="CSV: a profile in a JSON file.")
]


def file_errors(func: Callable[P, R]) -> Callable[P, R]:
    """A file that cannot be read or is refused: its message, exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        file = kwargs.get("file")
        # The message says what and where in the file; the prefix says which file.
        where = f"{file}: " if isinstance(file, Path) else ""
        try:
            return func(*args, **kwargs)
        except FileRejected as exc:
            named = isinstance(file, Path) and exc.message.startswith(file.name)
            message = exc.message if named else where + exc.message
            typer.echo(f"error: {message}", err=True)
            for line in exc.errors:
                typer.echo(f"  {line}", err=True)
            raise typer.Exit(FILE_ERROR) from None
        except StatementFileError as exc:
            typer.echo(f"error: {where}{exc.message}", err=True)
            raise typer.Exit(FILE_ERROR) from None

    return wrapper


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        _file_fail(f"cannot read {file}: {exc.strerror or exc}")


def _file_fail(message: str) -> NoReturn:
    fail(message, FILE_ERROR)


def _options(lenient: bool, profile_name: str | None, profile_file: Path | None) -> ParseOptions:
    """The parse options; a saved profile is read from the database, only then needed."""
    if profile_name and profile_file:
        raise InvalidInput("give --csv-profile or --csv-profile-file, not both")
    profile: CsvProfile | None = None
    if profile_file is not None:
        profile = _profile_from_file(profile_file)
    elif profile_name:
        with session_scope(load_settings()) as session:
            profile = get_profile(session, profile_name)
    return ParseOptions(lenient=lenient, csv_profile=profile)


def _profile_from_file(path: Path) -> CsvProfile:
    settings = _json_object(path)
    settings.setdefault("name", path.stem)
    return profile_from_dict(settings)


def _json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        _file_fail(f"cannot read {path}: {exc.strerror or exc}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _file_fail(f"{path} is not a JSON file: {exc}")
    if not isinstance(data, dict):
        _file_fail(f"{path} must hold a JSON object")
    return data


@app.command("parse")
@user_errors
@file_errors
def parse_file(
    file: Annotated[Path, typer.Argument(help="Bank statement file.")],
    format: FormatOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON view.")] = False,
    lenient: LenientOption = False,
    csv_profile: ProfileOption = None,
    csv_profile_file: ProfileFileOption = None,
) -> None:
    """Read a bank file and show what it holds; the database is not touched.

    Exits 0 when the file was read (its issues listed), 2 when it cannot be read."""
    options = _options(lenient, csv_profile, csv_profile_file)
    wanted = parse_format_name(format) if format else None
    result = parse(_read(file), wanted, options)
    if as_json:
        typer.echo(json.dumps(result_to_json(result), indent=2, ensure_ascii=False))
        return
    for line in summary_lines(file.name, result):
        typer.echo(line)


def summary_lines(filename: str, result: ParseResult) -> list[str]:
    entries = sum(len(s.entries) for s in result.statements)
    version = f" {result.version}" if result.version else ""
    lines = [
        f"{filename}: {result.format}{version}, {len(result.statements)} statements, "
        f"{entries} entries, {len(result.issues)} issues"
    ]
    for statement in result.statements:
        currency = statement.account.currency or "EUR"
        balances = " → ".join(
            f"{b.date.isoformat() if b.date else '?'} {format_amount(b.amount_minor, currency)}"
            for b in (statement.opening_balance, statement.closing_balance)
            if b is not None
        )
        lines.append(
            f"  {statement_name(statement)}: {balances or 'no balance'}, "
            f"{len(statement.entries)} entries"
        )
    if result.issues:
        lines.append("issues:")
        lines += [
            f"  record {i.record}: {i.message}" if i.record is not None else f"  {i.message}"
            for i in result.issues
        ]
    return lines


@app.command("import")
@user_errors
@file_errors
def import_file(
    file: Annotated[Path, typer.Argument(help="Bank statement file.")],
    format: FormatOption = None,
    lenient: LenientOption = False,
    csv_profile: ProfileOption = None,
    csv_profile_file: ProfileFileOption = None,
    accept_unbalanced: Annotated[
        str | None,
        typer.Option(
            "--accept-unbalanced",
            metavar="REASON",
            help="Import statements that do not add up; the reason is recorded.",
        ),
    ] = None,
    actor: Annotated[str, typer.Option("--actor", help="Who imports (recorded).")] = "cli",
    reconcile: Annotated[
        bool,
        typer.Option(
            "--reconcile/--no-reconcile",
            help="Run reconciliation after an import that added entries "
            "(default: POINTAGE_RECONCILE_AFTER_IMPORT).",
        ),
    ] = True,
) -> None:
    """Import a bank file: all of it or, if anything is wrong, nothing.

    Movements already known for their account are skipped, so overlapping files and a
    file imported twice are safe. Prints what was imported, skipped and why. When entries
    were imported, reconciliation then runs for their merchant (a failed run is reported
    and recorded; the import stays)."""
    data = _read(file)
    options = _options(lenient, csv_profile, csv_profile_file)
    settings = load_settings()
    with session_scope(settings) as session:
        report = import_statement_file(
            session,
            data,
            filename=file.name,
            actor=actor,
            format=format,
            options=options,
            accept_unbalanced_reason=accept_unbalanced,
        )
        # Accounts that got new entries (a file imported before brought none).
        accounts = {s.bank_account_id for s in report.statements if s.imported}
        if report.already_imported:
            accounts = set()
        merchants = merchants_of_accounts(session, accounts)
    for line in report_lines(report):
        typer.echo(line)
    if reconcile and settings.reconcile_after_import and merchants:
        reconcile_after_import(settings, merchants, actor)


def reconcile_after_import(settings: Settings, merchant_ids: list[int], actor: str) -> None:
    """Reconcile the merchants whose accounts got entries, once the import is committed."""
    engine = make_engine(settings.database_url)
    try:
        runs = reconcile_all(
            make_session_factory(engine),
            trigger=RunTrigger.IMPORT,
            actor=actor,
            today=business_today(),
            merchant_ids=merchant_ids,
            settings=engine_settings(settings),
        )
    finally:
        engine.dispose()
    for run in runs:
        if run.status is RunStatus.FAILED:
            typer.echo(f"warning: {run.summary}", err=True)
        else:
            typer.echo(run.summary)


def report_lines(report: ImportReport) -> list[str]:
    lines = [report.summary]
    if report.already_imported:
        return lines
    for s in report.statements:
        period = " → ".join(d.isoformat() for d in (s.opening_date, s.closing_date) if d)
        known = ", already known" if s.already_known else ""
        lines.append(
            f"  {s.iban} ({s.account_label}) record {s.record}"
            f"{', ' + period if period else ''}{known}: {s.entries} entries, "
            f"{s.imported} imported, {s.skipped} skipped"
        )
        lines += [f"    {n} skipped: {why}" for why, n in sorted(s.skip_reasons.items())]
    lines += [f"warning: {warning}" for warning in report.warnings]
    return lines


@profiles_app.command("save")
@user_errors
def save(
    name: Annotated[str, typer.Argument(help="Profile name.")],
    from_file: Annotated[
        Path, typer.Option("--from-file", help="JSON object of the profile's settings.")
    ],
    merchant: Annotated[
        int | None,
        typer.Option("--merchant", help="Merchant id owning it; shared by all when absent."),
    ] = None,
) -> None:
    """Save (create or replace) a CSV column-mapping profile."""
    settings = _json_object(from_file)
    with session_scope(load_settings()) as session:
        stored = save_profile(session, name, settings, merchant_id=merchant, actor="cli")
        owner = f"merchant {merchant}" if merchant is not None else "every merchant"
        typer.echo(f"CSV profile {stored.name!r} saved for {owner}")


@profiles_app.command("list")
@user_errors
def list_all() -> None:
    """List the saved CSV profiles with their owner and columns."""
    with session_scope(load_settings()) as session:
        profiles = list_profiles(session)
        if not profiles:
            typer.echo("no CSV profile saved")
        for stored in profiles:
            owner = f"merchant {stored.merchant_id}" if stored.merchant_id else "shared"
            settings = profile_to_dict(profile_from_dict(stored.settings))
            columns = ", ".join(
                f"{key.removesuffix('_column')}={value}"
                for key, value in settings.items()
                if key.endswith("_column") and value
            )
            typer.echo(f"{stored.name} ({owner}): {columns}")
