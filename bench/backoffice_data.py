"""The database of bench/backoffice.py, built once and kept under bench/out/: bench/api.py's
million transactions (bench/api_data.py's builder, the same generator and seed), and a user
of the back office given every shop of the merchant.

SQLite: bench/out/backoffice-<transactions>.db, built under a temporary name and renamed
once complete. PostgreSQL: a database `bench_backoffice_<transactions>` the script creates on
the server, with a note bench/out/backoffice-postgresql-<transactions>.json once complete;
without the note the database is dropped and built again. Either is brought to the latest
migration each time it is reused, so that a new index is measured without a new build.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from api_data import build
from sqlalchemy import create_engine, func, make_url, select, text

from pointage.auth.service.users import create_user
from pointage.core.statuses import Role
from pointage.db.migrate import upgrade
from pointage.db.session import make_engine, make_session_factory, unit_of_work
from pointage.payment.models import Transaction
from pointage.remittance.models import Remittance
from pointage.shop.models import Shop

OUT = Path(__file__).resolve().parent / "out"
EMAIL = "bench@example.com"
PASSWORD = "bench back office password 2026"  # noqa: S105 - a user of a throw-away database
SHOP_ID = "90000001"  # the first of the user's shops, the one a page shows at first


@dataclass(frozen=True, slots=True)
class Facts:
    """What the pages are asked for, read from the database."""

    shop_id: str
    transactions: int  # of the shop
    last_day: date  # the shop's last day of transactions: the dashboard's "today"
    month_first: date  # the last whole month before it
    month_last: date
    order_id: str
    card_last4: str
    remittance_number: int  # of the remittance of that transaction


def sqlite_database(transactions: int, *, rebuild: bool) -> tuple[str, float | None]:
    """The URL of the cached SQLite database, and the seconds it took to build (None when
    it was reused)."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"backoffice-{transactions}.db"
    if path.exists() and not rebuild:
        url = f"sqlite:///{path}"
        upgrade(url)
        return url, None
    building = path.with_suffix(".building.db")
    for stale in (path, building):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{stale}{suffix}").unlink(missing_ok=True)
    seconds = _build(f"sqlite:///{building}", transactions)
    building.rename(path)
    return f"sqlite:///{path}", seconds


def postgresql_database(
    admin_url: str, transactions: int, *, rebuild: bool
) -> tuple[str, float | None]:
    """The URL of the cached PostgreSQL database (created on the server of `admin_url`),
    and the seconds it took to build (None when it was reused)."""
    OUT.mkdir(exist_ok=True)
    name = f"bench_backoffice_{transactions}"
    note = OUT / f"backoffice-postgresql-{transactions}.json"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if exists and note.exists() and not rebuild:
                upgrade(url)
                return url, None
            note.unlink(missing_ok=True)
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    seconds = _build(url, transactions)
    note.write_text(json.dumps({"database": name, "transactions": transactions}))
    return url, seconds


def _build(url: str, transactions: int) -> float:
    started = time.perf_counter()
    build(url, transactions, secrets.token_urlsafe(32), sample=1)
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            shop_ids = list(session.scalars(select(Shop.shop_id).order_by(Shop.shop_id)))
            create_user(session, EMAIL, Role.ACCOUNTANT, shop_ids, password=PASSWORD)
    finally:
        engine.dispose()
    return time.perf_counter() - started


def facts(url: str) -> Facts:
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            shop_pk = session.scalar(select(Shop.id).where(Shop.shop_id == SHOP_ID))
            mine = Transaction.shop_id == shop_pk
            count, low, high, last_day = session.execute(
                select(
                    func.count(),
                    func.min(Transaction.id),
                    func.max(Transaction.id),
                    func.max(Transaction.transaction_date),
                ).where(mine)
            ).one()
            # A transaction from the middle of the shop's history.
            order_id, card, number = session.execute(
                select(Transaction.order_id, Transaction.card_masked, Remittance.number)
                .join(Remittance, Remittance.id == Transaction.remittance_id)
                .where(mine, Transaction.id >= (low + high) // 2)
                .order_by(Transaction.id)
                .limit(1)
            ).one()
    finally:
        engine.dispose()
    month_last = last_day.replace(day=1) - timedelta(days=1)
    return Facts(
        SHOP_ID,
        count,
        last_day,
        month_last.replace(day=1),
        month_last,
        order_id,
        card[-4:],
        number,
    )
