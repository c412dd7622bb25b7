"""Benchmark: importing a transaction journal file against a bare executemany of its rows.

    .venv/bin/python bench/journal_import.py                 # 1,000,000 rows, SQLite
    .venv/bin/python bench/journal_import.py --rows 100000
    .venv/bin/python bench/journal_import.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

It writes a journal of N transactions (one shop, one day, 5 % refunds of earlier
payments) into a temporary folder, then in the same run:
  1. import: `payment.journal_import.import_journal` on a fresh migrated database, the
     function `pointage transactions import` calls: read the file, parse, check, insert,
     commit, all in one transaction;
  2. baseline: a bare DBAPI `executemany` of the very tuples the import inserts (built
     beforehand, so no parsing, no checks) into the same table of another fresh database,
     in one transaction.
With --pg ADMIN_URL it does the same on PostgreSQL, in databases it creates and drops.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from pointage.db.migrate import upgrade
from pointage.db.session import make_engine, make_session_factory, unit_of_work
from pointage.payment import journal_import
from pointage.payment.bulk import INSERT_COLUMNS, TransactionBulk
from pointage.shop import service as shops

SHOP_ID = "12345678"
HEADER = (
    "ENTETE;TRANSACTION_ID;SHOP_ID;PAYMENT_MEANS;CONTRACT;TRANSACTION_TYPE;TRANSACTION_UUID;"
    "TRANSACTION_DATE;AMOUNT;ORIGINAL_AMOUNT;CURRENCY;TRANSACTION_STATUS;CARD_TYPE;"
    "CARD_NUMBER;AUTHORIZATION_NUMBER;PRESENTATION_DATE;ORDER_ID;CUSTOMER_ID;"
    "PARENT_TRANSACTION_UUID"
)
STATUSES = ["CAPTURED"] * 14 + ["AUTHORISED"] * 3 + ["REFUSED"] * 2 + ["CANCELLED"]
BRANDS = ["CB", "CB", "VISA", "MASTERCARD"]


def write_journal(path: Path, rows: int) -> None:
    """A day of one shop: instants spread over 24 hours (UTC 2026-03-02 23:00 is already
    the 3rd in Paris, so two local days), transaction ids unique per day."""
    rnd = random.Random(2026)
    payments: list[str] = []
    lines = ["TITRE;BENCH SHOP;26/03/03_01:55:00;TABLE_V_CUSTOM", HEADER]
    for i in range(rows):
        second = i * 86_400 // rows
        instant = f"20260302{second // 3600:02d}{second // 60 % 60:02d}{second % 60:02d}"
        uuid = f"{rnd.getrandbits(128):032x}"
        card = f"497010XXXXXX{rnd.randrange(10_000):04d}"
        if payments and rnd.random() < 0.05:
            # A refund of 5.00 on a payment of at least that much, refunded once at most.
            picked = rnd.randrange(len(payments))
            payments[picked], payments[-1] = payments[-1], payments[picked]
            kind, parent, status, amount = "CREDIT", payments.pop(), "CAPTURED", "500"
        else:
            kind, parent, status = "DEBIT", "", rnd.choice(STATUSES)
            amount = str(rnd.randrange(100, 50_000))
            if int(amount) >= 500:
                payments.append(uuid)
        lines.append(
            f"TRANSACTION;{i % 1_000_000:06d};{SHOP_ID};CARD;;{kind};{uuid};{instant};{amount};"
            f";978;{status};{rnd.choice(BRANDS)};{card};{rnd.randrange(1_000_000):06d};"
            f"20260302;ORDER-{i};;{parent}"
        )
    lines.append(f"FIN;{rows}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def set_up_shop(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        merchant = shops.create_merchant(session, "Bench merchant")
        shop = shops.create_shop(session, merchant, shop_id=SHOP_ID, name="Bench shop")
        account = shops.create_bank_account(
            session, merchant, iban="FR7630006000011234567890189", label="Main"
        )
        shops.create_contract(session, shop, account, number="C12345678", acquirer="Bench")
    engine.dispose()


def timed(url: str, work: Callable[[Session], object]) -> float:
    engine = make_engine(url)
    try:
        start = time.perf_counter()
        with unit_of_work(make_session_factory(engine)) as session:
            work(session)
        return time.perf_counter() - start
    finally:
        engine.dispose()


def rows_to_insert(url: str, data: bytes) -> list[tuple[object, ...]]:
    """The tuples the import inserts, built outside any timing (an import rolled back)."""
    captured: list[tuple[object, ...]] = []
    engine = make_engine(url)
    original = TransactionBulk.insert

    def capture(self: TransactionBulk, rows: Sequence[tuple[Any, ...]]) -> None:
        captured.extend(rows)
        original(self, rows)  # refunds need their payments' keys; all is rolled back after

    TransactionBulk.insert = capture  # type: ignore[method-assign]
    try:
        with make_session_factory(engine)() as session:
            journal_import.import_journal(session, data, filename="bench.csv")
            session.rollback()
    finally:
        TransactionBulk.insert = original  # type: ignore[method-assign]
        engine.dispose()
    # Refunds point to their payment's key; a bare insert needs keys that exist.
    parent = INSERT_COLUMNS.index("parent_id")
    return [(*row[:parent], None, *row[parent + 1 :]) for row in captured]


def bare_executemany(
    rows: list[tuple[object, ...]], *, large_cache: bool
) -> Callable[[Session], None]:
    def work(session: Session) -> None:
        dbapi = session.connection().connection.dbapi_connection
        assert dbapi is not None
        marks = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
        sql = (
            f'INSERT INTO "transaction" ({", ".join(INSERT_COLUMNS)}) '
            f"VALUES ({', '.join([marks] * len(INSERT_COLUMNS))})"
        )
        with TransactionBulk(session).large_page_cache() if large_cache else nullcontext():
            cursor = dbapi.cursor()
            cursor.executemany(sql, rows)
            cursor.close()

    return work


def run(label: str, urls: list[str], journal: Path, count: int) -> None:
    """Import into urls[0]; bare executemany into urls[1] (default page cache) and urls[2]
    (the page cache the import sets on SQLite)."""
    for url in urls:
        set_up_shop(url)

    def do_import(session: Session) -> None:
        result = journal_import.import_journal(session, journal.read_bytes(), filename=journal.name)
        assert result.imported == count, result

    imported = timed(urls[0], do_import)  # first, in a process as fresh as the command's
    rows = rows_to_insert(urls[1], journal.read_bytes())
    print(f"{label}: {count:,} transactions")
    print(f"  pointage import                   {imported:7.2f} s {count / imported:>9,.0f} tx/s")
    for url, large_cache in zip(urls[1:], (False, True), strict=False):
        baseline = timed(url, bare_executemany(rows, large_cache=large_cache))
        name = "bare executemany, same page cache" if large_cache else "bare executemany"
        print(f"  {name:33} {baseline:7.2f} s {count / baseline:>9,.0f} tx/s")
        print(f"  {'ratio import / ' + name:33} {imported / baseline:7.2f}")


def with_pg_databases(admin_url: str, journal: Path, count: int) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    names = ("bench_journal", "bench_journal_base")
    urls = [
        make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        for name in names
    ]
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        run("PostgreSQL (import by COPY)", urls, journal, count)
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg", metavar="ADMIN_URL", help="also run on PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        journal = Path(folder) / f"JT_BENCH_SHOP_{SHOP_ID}_260302.csv"
        write_journal(journal, args.rows)
        size = journal.stat().st_size / 2**20
        print(f"journal: {args.rows:,} transactions, {size:.0f} MiB")
        if not args.no_sqlite:
            names = ("import", "baseline", "baseline_cache")
            urls = [f"sqlite:///{folder}/{name}.db" for name in names]
            run("SQLite", urls, journal, args.rows)
        if args.pg:
            with_pg_databases(args.pg, journal, args.rows)


if __name__ == "__main__":
    main()
