"""The data of bench/api.py: bench/reconcile.py's merchant (bench/reconcile_data.py, one
seed), written by bench/reconcile_store.py into a fresh migrated database — 10 shops and their
contracts, remittances, the transactions captured into them — then one production API key
per shop, issued by `pointage.auth.service.keys` as `pointage keys create` does, and a sample
of transactions drawn at random from the database with their shop.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from api_load import Sample
from reconcile_data import generate
from reconcile_store import write
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from pointage.auth.service.keys import issue_production_key
from pointage.db.migrate import upgrade
from pointage.db.session import make_engine, make_session_factory, unit_of_work
from pointage.payment.models import Transaction
from pointage.shop.models import Shop

SEED = 2026
TRANSACTIONS_PER_REMITTANCE = 50
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Built:
    transactions: int
    shops: int
    samples: list[Sample]
    seconds: float


def build(url: str, transactions: int, secret_key: str, sample: int) -> Built:
    started = time.perf_counter()
    data = generate(SEED, transactions, max(1, transactions // TRANSACTIONS_PER_REMITTANCE), 0)
    upgrade(url)
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            stored = write(session, data)
        with unit_of_work(factory) as session:
            keys = _keys(session, stored.shop_ids, secret_key)
        _settle(engine)
        with unit_of_work(factory) as session:
            samples = _samples(session, keys, sample)
            count = session.scalar(select(func.count()).select_from(Transaction)) or 0
    finally:
        engine.dispose()
    return Built(count, len(keys), samples, time.perf_counter() - started)


def _keys(session: Session, shop_pks: list[int], secret_key: str) -> dict[int, str]:
    """shop pk -> a new production key of that shop, in clear."""
    shops = session.scalars(select(Shop).where(Shop.id.in_(shop_pks))).all()
    return {
        shop.id: issue_production_key(session, shop, secret_key, actor="bench") for shop in shops
    }


def _settle(engine: Engine) -> None:
    """What a database in service has had time to do after a bulk load: on PostgreSQL the
    statistics and visibility map autovacuum would compute; on SQLite the write-ahead log
    folded back into the database file."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        raw = engine.raw_connection()  # outside any transaction, as a checkpoint needs
        try:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


def _samples(session: Session, keys: dict[int, str], count: int) -> list[Sample]:
    """`count` transactions drawn at random (every shop's), with their shop id and key."""
    low, high = session.execute(select(func.min(Transaction.id), func.max(Transaction.id))).one()
    rng = random.Random(SEED)
    wanted = rng.sample(range(low, high + 1), min(count, high - low + 1))
    found: list[Sample] = []
    for at in range(0, len(wanted), CHUNK):
        rows = session.execute(
            select(Transaction.uuid, Transaction.shop_id, Shop.shop_id)
            .join(Shop, Shop.id == Transaction.shop_id)
            .where(Transaction.id.in_(wanted[at : at + CHUNK]))
        )
        found += [Sample(uuid, shop_id, keys[pk]) for uuid, pk, shop_id in rows]
    rng.shuffle(found)
    return found
