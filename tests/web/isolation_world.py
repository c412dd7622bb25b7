"""Two shops for the isolation sweep: shop A with one object of every kind the API names by id
(transaction, remittance, statement file and entries, run, suggestion, match, report and its
deliveries, webhook endpoint, event and delivery), and shop B, of another merchant, with
nothing but its shop, account, contract and keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from pointage.auth.service.keys import issue_production_key, issue_test_key
from pointage.core.statuses import DetailedStatus, Mode, OperationType
from pointage.db.base import Base
from pointage.payment.service import IncomingTransaction, ingest
from pointage.report.service.settings import save_settings
from pointage.settings import Settings
from pointage.webhook.models import WebhookDelivery, WebhookEvent
from tests.factories import IBAN_BANK_B, TEST_ACTOR, make_shop
from tests.reconciliation.manual_data import books, engine_match, run_row, suggestion_row
from tests.webhook.builders import register

A, B = "12345678", "87654321"


@dataclass
class World:
    keys: dict[str, str]  # "a_live", "a_test", "b_live", "b_test"
    ids: dict[str, str]  # a path parameter's name: the id of shop A's object it names
    body_ids: dict[str, Any] = field(default_factory=dict)  # ids for bodies and filters
    statement_file: bytes = b""


def build(session: Session, settings: Settings, client: TestClient, tmp_path: Path) -> World:
    """Shop A's objects, made through the services and, for reports, through A's own key."""
    ledger = books(session)
    shop_a = ledger.setup.shop
    endpoint = register(session, settings, shop_a)
    shop_b = make_shop(session, shop_id=B, iban=IBAN_BANK_B).shop
    keys = {
        "a_live": issue_production_key(session, shop_a, settings.secret_key),
        "a_test": issue_test_key(session, shop_a, settings.secret_key),
        "b_live": issue_production_key(session, shop_b, settings.secret_key),
        "b_test": issue_test_key(session, shop_b, settings.secret_key),
    }
    run = run_row(session, ledger.merchant_id)
    suggestion = suggestion_row(
        session, run, entries=[ledger.other], transactions=[ledger.payments[1]]
    )
    match = engine_match(session, run, entries=[ledger.credit], remittances=[ledger.remittance])
    test_payment = _test_mode_payment(session, shop_a)
    (tmp_path / "outbox").mkdir()
    save_settings(
        session,
        shop_a,
        {"journals": ["jt"], "local_directory": str(tmp_path / "outbox")},
        "cli:operator",
        secret_key=settings.secret_key,
    )
    session.commit()
    ids = {
        "uuid": ledger.payments[0].uuid,
        "id": str(ledger.remittance.id),
        "remittance_id": str(ledger.remittance.id),
        "file_id": str(ledger.bank.file.id),
        "run_id": str(run.id),
        "suggestion_id": str(suggestion.id),
        "match_id": str(match.id),
        "endpoint_id": str(endpoint.endpoint.id),
    }
    body_ids = {
        "order_id": ledger.payments[0].order_id,
        "entry_id": ledger.other.id,
        "test_uuid": test_payment,
        "contract": ledger.setup.contract.number,
        "bank_account_id": ledger.setup.bank_account.id,
        "remittance_number": ledger.remittance.number,
    }
    content = ledger.bank.content
    # Ended before the application writes: on SQLite an open transaction holds the lock.
    session.rollback()
    ids["report_id"] = str(_report_with_a_delivery(client, keys["a_live"]))
    ids["event_id"], ids["delivery_id"] = _webhook_traffic(session)
    ids["incident_id"], ids["key"] = _status_incident(session), "api"
    return World(keys, ids, body_ids, content)


def _status_incident(session: Session) -> str:
    """An incident of the status page, which belongs to no shop: a shop's key never opens it."""
    from pointage.status.components import ensure_components
    from pointage.status.incidents import create_incident

    ensure_components(session)
    incident = create_incident(
        session,
        name="API errors",
        impact="minor",
        components={"api": "degraded_performance"},
        body="Investigating.",
        actor="test",
    )
    session.commit()
    return incident.public_id


def _test_mode_payment(session: Session, shop: Any) -> str:
    result = ingest(
        session,
        shop,
        IncomingTransaction(
            operation_type=OperationType.DEBIT,
            amount_minor=4_200,
            currency="EUR",
            detailed_status=DetailedStatus.AUTHORISED,
            created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
            order_id="TEST-1",
            card_brand="CB",
            card_masked="497010XXXXXX0044",
            mode=Mode.TEST,
        ),
        TEST_ACTOR,
    )
    return result.transaction.uuid


def _report_with_a_delivery(client: TestClient, key: str) -> int:
    headers = {"Authorization": f"Bearer {key}"}
    made = client.post("/v1/reports", json={"journal": "jt", "date": "2026-03-02"}, headers=headers)
    assert made.status_code == 201, made.text
    report_id = int(made.json()["id"])
    sent = client.post(f"/v1/reports/{report_id}/resend", json={}, headers=headers)
    assert sent.status_code == 202, sent.text
    return report_id


def _webhook_traffic(session: Session) -> tuple[str, str]:
    session.expire_all()
    event = session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)).first()
    delivery = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).first()
    assert event is not None and delivery is not None, "no webhook event was emitted"
    found = (event.public_id, str(delivery.id))
    session.rollback()
    return found


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, but the last-use time of API keys (written by any call)."""
    session.rollback()
    tables = {}
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) != ("api_key", "last_used_at")]
        order = ", ".join(c.name for c in table.primary_key.columns) or "1"
        names = ", ".join(f'"{c.name}"' for c in columns)
        rows = session.execute(text(f'SELECT {names} FROM "{table.name}" ORDER BY {order}'))  # noqa: S608
        tables[table.name] = [tuple(row) for row in rows]
    session.rollback()
    return tables
