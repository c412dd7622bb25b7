"""The data the property-based run of the API works on: the isolation sweep's two shops
(shop A with one object of every kind the API names by id, shop B of another merchant), and
more transactions of shop A in both modes and several states, so that the merchant operations
meet payments they may act on as well as ones they must refuse.

The world is built once per test process and kept as the rows of every table (`Snapshot`):
each operation's fresh database gets them back by a few inserts, not by building it again.

`Pools` lists, for each name the API takes an object's id under (a path parameter, a cursor,
a field of a body), the ids of real objects: shop A's, shop B's and, for transactions, both
modes'. The generated requests name them as often as made-up ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from pointage.auth.service.users import create_user
from pointage.core.statuses import DetailedStatus, Mode, OperationType, Role
from pointage.db.base import Base
from pointage.payment.service import IncomingTransaction, ingest
from pointage.settings import Settings
from pointage.shop.models import Shop
from pointage.status import catalogue
from pointage.status.maintenance import schedule
from pointage.status.operators import create_token
from tests.factories import TEST_ACTOR
from tests.web.isolation_world import A, B, World, build

# Shop A's further payments: (detailed status, mode, amount, order id). Those of today can be
# validated, cancelled, modified and refunded; the refused and cancelled ones cannot.
_PAYMENTS = [
    (DetailedStatus.AUTHORISED, Mode.PRODUCTION, 2_500, "OPEN-1"),
    (DetailedStatus.AUTHORISED_TO_VALIDATE, Mode.PRODUCTION, 7_300, "OPEN-2"),
    (DetailedStatus.CAPTURED, Mode.PRODUCTION, 12_000, "PAID-1"),
    (DetailedStatus.REFUSED, Mode.PRODUCTION, 990, "REFUSED-1"),
    (DetailedStatus.CANCELLED, Mode.PRODUCTION, 4_000, "CANCELLED-1"),
    (DetailedStatus.AUTHORISED_TO_VALIDATE, Mode.TEST, 1_500, "TEST-2"),
    (DetailedStatus.CAPTURED, Mode.TEST, 3_100, "TEST-3"),
]


@dataclass
class Pools:
    """Real ids, by the name the API takes them under."""

    ids: dict[str, list[Any]] = field(default_factory=dict)

    def of(self, name: str) -> list[Any]:
        return self.ids.get(name, [])


@dataclass
class Live:
    world: World
    pools: Pools
    # An operator token of the status page: the credentials of /v1/status/ (a shop key is
    # refused there).
    operator_token: str = ""


def build_live(session: Session, settings: Settings, client: TestClient, tmp_path: Path) -> Live:
    world = build(session, settings, client, tmp_path)
    shop_a = session.scalars(select(Shop).where(Shop.shop_id == A)).one()
    shop_b = session.scalars(select(Shop).where(Shop.shop_id == B)).one()
    today = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    more = [_payment(session, shop_a, *spec, created_at=today) for spec in _PAYMENTS]
    captured = more[2]
    refund = _payment(
        session,
        shop_a,
        DetailedStatus.CAPTURED,
        Mode.PRODUCTION,
        2_000,
        "PAID-1",
        created_at=today,
        operation_type=OperationType.CREDIT,
        parent_uuid=captured,
    )
    other_shop = _payment(
        session, shop_b, DetailedStatus.AUTHORISED, Mode.PRODUCTION, 5_000, "B-1", created_at=today
    )
    session.commit()
    token, maintenance_id = _status_operator(session)
    pools = _pools(world, [*more, refund], other_shop)
    pools.ids["incident_id"] = [world.ids["incident_id"], maintenance_id]
    pools.ids["key"] = sorted(catalogue.KEYS)
    return Live(world, pools, token)


def _status_operator(session: Session) -> tuple[str, str]:
    """An operator of the status page with a token, and a maintenance beside the world's
    incident; (the token, the maintenance's id)."""
    user = create_user(session, "operator@example.com", Role.READ_ONLY, [A]).user
    user.operator = True
    session.flush()
    token = create_token(session, user, actor="test").secret
    start = datetime.now(UTC) + timedelta(days=1)
    maintenance = schedule(
        session,
        name="Database upgrade",
        components=["database"],
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=1),
        body="Upgrade.",
        actor="test",
    )
    session.commit()
    return token, maintenance.public_id


def _payment(
    session: Session,
    shop: Shop,
    status: DetailedStatus,
    mode: Mode,
    amount: int,
    order_id: str,
    *,
    created_at: datetime,
    operation_type: OperationType = OperationType.DEBIT,
    parent_uuid: str | None = None,
) -> str:
    result = ingest(
        session,
        shop,
        IncomingTransaction(
            operation_type=operation_type,
            amount_minor=amount,
            currency="EUR",
            detailed_status=status,
            created_at=created_at,
            order_id=order_id,
            card_brand="CB",
            card_masked="497010XXXXXX0044",
            parent_uuid=parent_uuid,
            mode=mode,
        ),
        TEST_ACTOR,
    )
    return result.transaction.uuid


def _pools(world: World, uuids: list[str], other_shop: str) -> Pools:
    ids, body = world.ids, world.body_ids
    transactions = [ids["uuid"], body["test_uuid"], *uuids, other_shop]
    pools = Pools(
        {
            "uuid": transactions,
            "transaction_uuids": transactions,
            "orderId": [body["order_id"], "OPEN-1", "PAID-1", "TEST-1", "B-1"],
            "order_id": [body["order_id"], "OPEN-1", "TEST-1"],
            "contract": [body["contract"]],
            "remittance_number": [body["remittance_number"]],
            "bank_account_id": [body["bank_account_id"]],
            "entry_ids": [body["entry_id"]],
            "file": [world.statement_file],  # already imported: a statement upload's twin
        }
    )
    for name in (
        *("id", "remittance_id", "file_id", "run_id", "suggestion_id", "match_id"),
        *("report_id", "endpoint_id", "delivery_id"),
    ):
        pools.ids[name] = [int(ids[name])]
    pools.ids["remittance_ids"] = pools.ids["remittance"] = pools.ids["id"]
    pools.ids["event_id"] = [ids["event_id"]]
    # A cursor is an object's public id: a transaction's uuid, an event's id, another's number.
    numbers = [value for value in ids.values() if value.isdigit()]
    cursors = list(dict.fromkeys([*transactions, ids["event_id"], *numbers]))  # in a fixed order
    pools.ids["starting_after"] = pools.ids["ending_before"] = cursors
    return pools


@dataclass
class Snapshot:
    """Every row of every table, in an order that satisfies the foreign keys."""

    rows: dict[str, list[dict[str, Any]]]

    @classmethod
    def of(cls, session: Session) -> Snapshot:
        session.rollback()
        # By primary key: a table that refers to itself (status components and their groups)
        # has its parents first, as they were made; PostgreSQL returns an updated row after
        # the rows made since, which would put a child before its group.
        rows = {
            table.name: [
                dict(row)
                for row in session.execute(
                    select(table).order_by(*table.primary_key.columns)
                ).mappings()
            ]
            for table in Base.metadata.sorted_tables
        }
        session.rollback()
        return cls(rows)

    def restore(self, session: Session) -> None:
        """Into an empty database of the same schema, ids and all."""
        for table in Base.metadata.sorted_tables:
            if self.rows[table.name]:
                session.execute(table.insert(), self.rows[table.name])
        if session.get_bind().dialect.name == "postgresql":
            _advance_sequences(session)
        session.commit()


def _advance_sequences(session: Session) -> None:
    """Past the restored ids, so that the rows the API creates next get new ones."""
    for table in Base.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if column.autoincrement is not True and not (
                column.autoincrement == "auto" and len(table.primary_key.columns) == 1
            ):
                continue
            highest = session.scalar(select(func.max(column)))
            if highest is not None and isinstance(highest, int):
                session.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, :column), :value)"),
                    {"table": f'"{table.name}"', "column": column.name, "value": highest},
                )
