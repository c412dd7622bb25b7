"""Benchmark: the daily capture batch on a day of 100,000 transactions.

Builds a fresh migrated database (SQLite in a temporary directory; PostgreSQL too with
--pg URL, in two databases it creates and drops), bulk-inserts one day of authorised
payments, refunds and payments waiting for validation for one shop and three contracts,
copies it, then times side by side:

- the project's batch (`pointage.jobs.capture.run_day`: claims, remittances per contract and
  currency, fees, operations log, expiry), one unit of work per contract;
- a baseline: the bare minimum SQL doing the same capture on the copy, one INSERT of the
  remittance rows and one UPDATE setting status and remittance on the due rows.

Target: the project's batch under 5 s for 100,000 transactions.

    .venv/bin/python bench/capture_batch.py [--count 100000] [--pg postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, insert, make_url, select, text

from pointage.core.calendar import add_business_days
from pointage.db.migrate import upgrade
from pointage.db.session import make_engine, make_session_factory, unit_of_work
from pointage.jobs.capture import run_day
from pointage.payment.models import Transaction
from pointage.remittance.models import Remittance
from pointage.shop import service as shop_service

DAY = date(2026, 4, 30)
TARGET_SECONDS = 5.0
CONTRACTS = ("BENCH1", "BENCH2", "BENCH3")
REFUND_SHARE = 0.03  # refunds of payments captured the day before
TO_VALIDATE_SHARE = 0.01  # payments left unvalidated, which the batch expires


def seed_shop(engine: Engine) -> tuple[int, list[int]]:
    """One shop with three contracts; returns (shop pk, contract ids)."""
    with unit_of_work(make_session_factory(engine)) as session:
        merchant = shop_service.create_merchant(session, "Benchmark merchant")
        shop = shop_service.create_shop(session, merchant, shop_id="90000001", name="Bench")
        account = shop_service.create_bank_account(
            session, merchant, iban="FR7630006000011234567890189", label="Main"
        )
        contracts = [
            shop_service.create_contract(
                session,
                shop,
                account,
                number=number,
                acquirer="Bench acquirer",
                fee_rate_bp=80,
                fee_fixed_minor=5,
                credit_delay_days=2,
            )
            for number in CONTRACTS
        ]
        return shop.id, [c.id for c in contracts]


def _row(shop_pk: int, contract_id: int, n: int, day: date, **overrides: Any) -> dict[str, Any]:
    created = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(seconds=n % 80_000)
    amount = random.randint(100, 50_000)
    row = {
        "uuid": f"{n:032x}",
        "shop_id": shop_pk,
        "transaction_id": f"{n % 1_000_000:06d}",
        "transaction_date": day,
        "order_id": f"ORDER-{n}",
        "operation_type": "DEBIT",
        "amount_minor": amount,
        "original_amount_minor": amount,
        "currency": "USD" if n % 20 == 0 else "EUR",
        "detailed_status": "AUTHORISED",
        "status": "PAID",
        "card_brand": "CB",
        "card_masked": "497010XXXXXX0044",
        "created_at": created,
        "updated_at": created,
        "expected_capture_date": day,
        "contract_id": contract_id,
        "parent_id": None,
        "reconciliation_status": "not_applicable",
        "dispute_flag": "na",
    }
    row.update(overrides)
    return row


def seed_transactions(engine: Engine, shop_pk: int, contract_ids: list[int], count: int) -> None:
    """`count` transactions due on DAY: payments, refunds and some waiting for validation."""
    random.seed(20260430)
    refunds = int(count * REFUND_SHARE)
    table = Transaction.__table__
    # The refunded payments, captured the day before (they are not captured again).
    parents = [
        _row(shop_pk, contract_ids[n % 3], n, DAY - timedelta(days=1), detailed_status="CAPTURED")
        for n in range(refunds)
    ]
    with engine.begin() as conn:
        conn.execute(insert(table), parents)
        first_parent = conn.scalar(select(func.min(Transaction.id)))
        rows = []
        for n in range(count):
            contract_id = contract_ids[n % 3]
            if n < refunds:
                parent = parents[n]
                contract_id = parent["contract_id"]
                extra = {
                    "operation_type": "CREDIT",
                    "parent_id": first_parent + n,
                    "currency": parent["currency"],
                    "amount_minor": parent["amount_minor"] // 2,
                    "original_amount_minor": parent["amount_minor"] // 2,
                }
            elif n < refunds + int(count * TO_VALIDATE_SHARE):
                extra = {"detailed_status": "AUTHORISED_TO_VALIDATE", "status": "RUNNING"}
            else:
                extra = {}
            rows.append(_row(shop_pk, contract_id, refunds + n, DAY, **extra))
        conn.execute(insert(table), rows)


def run_project_batch(engine: Engine) -> int:
    report = run_day(make_session_factory(engine), DAY, source="bench")
    return sum(r.captured_count for r in report.results)


def run_baseline(engine: Engine) -> int:
    """The bare minimum: one remittance row per contract and currency, one UPDATE."""
    due = (
        "contract_id IS NOT NULL AND remittance_id IS NULL AND expected_capture_date <= :day "
        "AND detailed_status IN ('AUTHORISED', 'WAITING_AUTHORISATION') "
        "AND operation_type IN ('DEBIT', 'CREDIT')"
    )
    params = {"day": DAY, "credit_day": add_business_days(DAY, 2), "now": datetime.now(UTC)}
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO remittance (shop_id, contract_id, currency, remittance_date, number, "
                "payment_count, refund_count, gross_minor, refunds_minor, fee_minor, net_minor, "
                "expected_credit_minor, expected_credit_date, created_at) "
                "SELECT shop_id, contract_id, currency, :day, "
                "ROW_NUMBER() OVER (PARTITION BY contract_id ORDER BY currency), "
                "0, 0, 0, 0, 0, 0, 0, "
                f':credit_day, :now FROM "transaction" WHERE {due} '
                "GROUP BY shop_id, contract_id, currency"
            ),
            params,
        )
        result = conn.execute(
            text(
                "UPDATE \"transaction\" SET detailed_status = 'CAPTURED', status = 'PAID', "
                "remittance_id = (SELECT r.id FROM remittance r "
                'WHERE r.contract_id = "transaction".contract_id '
                'AND r.currency = "transaction".currency AND r.remittance_date = :day) '
                f"WHERE {due}"
            ),
            params,
        )
        return int(result.rowcount)


def timed(label: str, action: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    captured = action()
    seconds = time.perf_counter() - started
    print(f"  {label:<16} {seconds:7.3f} s   {captured:>7} captured")
    return seconds, captured


def compare(name: str, project: Engine, baseline: Engine) -> None:
    print(f"{name}:")
    batch_seconds, batch_count = timed("project batch", lambda: run_project_batch(project))
    base_seconds, base_count = timed("baseline SQL", lambda: run_baseline(baseline))
    with project.connect() as conn:
        remittances = conn.scalar(select(func.count(Remittance.id)))
    if batch_count != base_count:
        raise SystemExit(f"mismatch: batch captured {batch_count}, baseline {base_count}")
    verdict = "met" if batch_seconds < TARGET_SECONDS else "NOT met"
    print(f"  ratio {batch_seconds / base_seconds:.1f}x the baseline; {remittances} remittances")
    print(f"  target < {TARGET_SECONDS:.0f} s: {verdict}")


def sqlite_pair(workdir: Path, count: int) -> tuple[Engine, Engine]:
    project_path, baseline_path = workdir / "project.db", workdir / "baseline.db"
    url = f"sqlite:///{project_path}"
    upgrade(url)
    engine = make_engine(url)
    seed_transactions(engine, *seed_shop(engine), count)
    engine.dispose()  # the last connection closed checkpoints the WAL into the file
    shutil.copyfile(project_path, baseline_path)
    return make_engine(url), make_engine(f"sqlite:///{baseline_path}")


PG_NAMES = ("pointage_bench_capture", "pointage_bench_capture_baseline")


def drop_pg_databases(pg_url: str) -> None:
    admin = create_engine(make_url(pg_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for db in PG_NAMES:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    admin.dispose()


def pg_pair(pg_url: str, count: int) -> tuple[Engine, Engine]:
    url = make_url(pg_url)
    names = PG_NAMES
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for db in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{names[0]}"'))
    project_url = url.set(database=names[0]).render_as_string(hide_password=False)
    upgrade(project_url)
    engine = make_engine(project_url)
    seed_transactions(engine, *seed_shop(engine), count)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{names[1]}" TEMPLATE "{names[0]}"'))
    admin.dispose()
    baseline_url = url.set(database=names[1]).render_as_string(hide_password=False)
    return make_engine(project_url), make_engine(baseline_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="transactions due on the day")
    parser.add_argument("--pg", help="PostgreSQL URL (a server where databases can be created)")
    args = parser.parse_args()
    print(f"capture batch of {DAY}, {args.count} transactions, 1 shop, {len(CONTRACTS)} contracts")
    with tempfile.TemporaryDirectory() as workdir:
        project, baseline = sqlite_pair(Path(workdir), args.count)
        compare("SQLite", project, baseline)
        project.dispose()
        baseline.dispose()
    if args.pg:
        project, baseline = pg_pair(args.pg, args.count)
        try:
            compare("PostgreSQL", project, baseline)
        finally:
            project.dispose()
            baseline.dispose()
            drop_pg_databases(args.pg)


if __name__ == "__main__":
    main()
