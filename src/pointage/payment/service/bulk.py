"""Ingestion by batches: the rules of `ingest`, with one query per check instead of per row.

For thousands of transactions reported at once (the demo's days; journal files). New
transactions are checked exactly as `ingest` checks them, then inserted with one flush. A
batch naming a transaction already known, or the same uuid twice, takes the one-by-one path,
so that the rules of later reports apply exactly as `ingest` applies them.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from pointage.core.cards import normalise_masked_pan
from pointage.core.errors import Conflict
from pointage.core.statuses import OperationKind
from pointage.payment.models import Transaction
from pointage.payment.repository import TransactionRepository
from pointage.payment.service.common import Actor, local_date, log_operation
from pointage.payment.service.ingest import (
    IncomingTransaction,
    IngestResult,
    _check,
    _contract_for,
    _parent,
    ingest,
    new_transaction,
)
from pointage.shop.models import Contract, Shop
from pointage.webhook import service as webhooks


def ingest_many(
    session: Session, shop: Shop, incomings: Sequence[IncomingTransaction], actor: Actor
) -> list[IngestResult]:
    """Ingest reports of one shop in order; same results as calling `ingest` on each."""
    for incoming in incomings:
        _check(incoming)
    repo = TransactionRepository(session)
    uuids = [incoming.uuid for incoming in incomings if incoming.uuid is not None]
    if len(set(uuids)) != len(uuids) or repo.known_uuids(uuids):
        return [ingest(session, shop, incoming, actor) for incoming in incomings]
    days = {local_date(shop, incoming.created_at) for incoming in incomings}
    used = repo.transaction_ids_used(shop.id, days)
    contracts: dict[tuple[str | None, str], Contract | None] = {}
    rows: list[Transaction] = []
    for incoming in incomings:
        card_masked = normalise_masked_pan(incoming.card_masked) if incoming.card_masked else None
        day = local_date(shop, incoming.created_at)
        transaction_id = incoming.transaction_id or _free_transaction_id(used, day)
        if (day, transaction_id) in used:
            raise Conflict(
                f"transaction id {transaction_id} is already used on {day.isoformat()}",
                param="transaction_id",
            )
        used.add((day, transaction_id))
        parent = _parent(session, shop, incoming)
        route = (incoming.contract_number, (incoming.card_brand or "").upper())
        if route not in contracts:
            contracts[route] = _contract_for(session, shop, incoming)
        rows.append(
            new_transaction(shop, incoming, transaction_id, card_masked, contracts[route], parent)
        )
    session.add_all(rows)
    session.flush()
    for tx, incoming in zip(rows, incomings, strict=True):
        log_operation(session, tx, OperationKind.CREATE, actor, before=None, at=incoming.created_at)
    webhooks.transactions_updated(session, [tx.id for tx in rows])
    return [IngestResult(tx, created=True, changed=True) for tx in rows]


def _free_transaction_id(used: set[tuple[date, str]], day: date) -> str:
    for _ in range(50):
        candidate = f"{secrets.randbelow(900_000):06d}"
        if (day, candidate) not in used:
            return candidate
    raise RuntimeError("could not find a free transaction id")  # 50 collisions in 900,000
