"""`pointage demo`: build the deterministic demo merchant and its past weeks of activity."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError

from pointage.cli.common import fail, load_settings, session_scope, user_errors
from pointage.core.errors import InvalidInput
from pointage.demo import repository
from pointage.demo.bank_files import GROUND_TRUTH
from pointage.demo.runner import BankSummary, DemoOptions, DemoSummary, build_demo
from pointage.demo.setup import MERCHANT_NAME
from pointage.demo.verify import load_truth, report_lines, verify
from pointage.demo.verify_queries import demo_facts, demo_merchant_id
from pointage.settings import Settings


@user_errors
def demo(
    days: Annotated[int, typer.Option(help="How many days to simulate, ending yesterday.")] = 60,
    seed: Annotated[int, typer.Option(help="Seed of the simulation: same seed, same data.")] = 1,
    per_day: Annotated[
        int, typer.Option("--per-day", help="About how many payments a day per shop.")
    ] = 300,
    credentials_json: Annotated[
        Path | None,
        typer.Option(
            "--credentials-json",
            help="Write the shops' test and production keys and the users' passwords to this "
            "JSON file (instead of printing them).",
            dir_okay=False,
        ),
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing if the database already has a shop.")
    ] = False,
    bank_dir: Annotated[
        Path,
        typer.Option(
            "--bank-dir",
            help="Where the demo bank writes its statements (CFONB 120, camt.053) and their "
            "ground truth; created if missing.",
            file_okay=False,
        ),
    ] = Path("demo-bank"),
    verify_truth: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Compare the demo's reconciliation with the bank's ground truth (precision, "
            "recall, injected anomalies); builds the demo first only if it is not there. "
            "Exits 1 when a requirement is not met.",
        ),
    ] = False,
) -> None:
    """Create a demo merchant (two shops, three contracts) and simulate its card payments,
    merchant operations and daily capture batches, then the bank statements of its accounts,
    imported, in one all-or-nothing transaction."""
    settings = load_settings()
    if credentials_json is not None and not credentials_json.parent.is_dir():
        raise InvalidInput(
            f"cannot write {credentials_json}: its directory does not exist",
            param="--credentials-json",
        )
    if bank_dir.exists() and not bank_dir.is_dir():
        raise InvalidInput(f"{bank_dir} exists and is not a directory", param="--bank-dir")
    options = DemoOptions(days=days, seed=seed, per_day=per_day, bank_dir=bank_dir)
    started = time.perf_counter()
    try:
        with session_scope(settings) as session:
            if not repository.schema_present(session):
                raise InvalidInput("the database has no tables yet: run `pointage db upgrade`")
            if verify_truth and demo_merchant_id(session) is not None:
                summary = None  # the demo is there: measure it as it is
            elif if_empty and repository.any_shop(session):
                typer.echo("demo: the database already has shops, nothing to do")
                summary = None
            else:
                summary = build_demo(
                    session, options, secret_key=settings.secret_key, now=datetime.now(UTC)
                )
                if credentials_json is not None:
                    # Inside the unit of work: if the file cannot be written, nothing is kept.
                    write_credentials(credentials_json, summary)
    except OperationalError as exc:
        fail(f"cannot use the database: {str(exc.orig).splitlines()[0]}")
    if summary is not None:
        print_summary(summary, credentials_json, time.perf_counter() - started)
    if verify_truth:
        verify_demo(settings, bank_dir)


def verify_demo(settings: Settings, bank_dir: Path) -> None:
    """Measure the committed demo against DIR/ground-truth.json; exit 1 when it falls short."""
    truth = load_truth(bank_dir / GROUND_TRUTH)
    with session_scope(settings) as session:
        merchant_id = demo_merchant_id(session)
        if merchant_id is None:
            raise InvalidInput("this database has no demo to verify: run `pointage demo` first")
        result = verify(truth, demo_facts(session, merchant_id))
    for line in report_lines(truth, result):
        typer.echo(line)
    if not result.passed:
        raise typer.Exit(1)


def credentials(summary: DemoSummary) -> dict[str, list[dict[str, object]]]:
    """What a script or a person needs to use the demo: each shop's keys, each user's
    password."""
    return {
        "shops": [
            {
                "shop_id": shop.shop_id,
                "name": shop.name,
                "test_key": shop.test_key,
                "production_key": shop.production_key,
            }
            for shop in summary.shops
        ],
        "users": [
            {
                "email": user.email,
                "role": user.role.value,
                "shops": list(user.shops),
                "password": user.password,
            }
            for user in summary.users
        ],
    }


def write_credentials(path: Path, summary: DemoSummary) -> None:
    text = json.dumps(credentials(summary), indent=2, ensure_ascii=False) + "\n"
    try:
        # Readable by its owner only: the file holds keys.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as exc:
        raise InvalidInput(
            f"cannot write {path}: {exc.strerror}", param="--credentials-json"
        ) from None


def print_summary(summary: DemoSummary, credentials_json: Path | None, seconds: float) -> None:
    counts = summary.counts
    echo = typer.echo
    echo(
        f"demo: {MERCHANT_NAME}, {len(summary.shops)} shops, {counts.contracts} contracts, "
        f"{(summary.last_day - summary.first_day).days + 1} days "
        f"({summary.first_day.isoformat()} to {summary.last_day.isoformat()}), "
        f"built in {seconds:.1f} s"
    )
    for shop in summary.shops:
        echo(f"  shop {shop.shop_id} {shop.name}: contracts {', '.join(shop.contracts)}")
    echo(f"transactions: {counts.transactions}")
    for status, count in counts.transactions_by_status.items():
        echo(f"  {status:<40} {count:>8}")
    echo(f"test-mode transactions: {counts.test_transactions} (seen only with a test key)")
    echo(f"operations: {counts.operations}")
    echo(f"remittances: {counts.remittances}")
    if summary.bank is not None:
        print_bank(summary.bank)
    if summary.reconciliation is not None:
        echo(f"  {summary.reconciliation.summary}")
    if credentials_json is not None:
        echo(f"API keys and passwords written to {credentials_json}")
        return
    print_credentials(summary)


def print_credentials(summary: DemoSummary) -> None:
    """A local demo's keys and passwords, shown once so that the API and the back office can
    be tried right away (--credentials-json keeps them off the terminal)."""
    echo = typer.echo
    echo("API keys (shown once):")
    for shop in summary.shops:
        echo(f"  {shop.shop_id} test       {shop.test_key}")
        echo(f"  {shop.shop_id} production {shop.production_key}")
    echo("back-office users (passwords shown once):")
    for user in summary.users:
        shops = ",".join(user.shops)
        echo(f"  {user.email} {user.role.value} shops {shops} password {user.password}")


def print_bank(bank: BankSummary) -> None:
    typer.echo(
        f"bank statements: {bank.files} account-days written to {bank.directory} "
        "(CFONB 120 and camt.053)"
    )
    typer.echo(f"  imported: {bank.statements} statements, {bank.entries} entries")
    anomalies = ", ".join(bank.anomalies) or "none"
    typer.echo(f"  ground truth: {bank.ground_truth} (anomalies: {anomalies})")
