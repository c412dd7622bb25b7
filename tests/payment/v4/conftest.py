"""Fixtures of the V4 services: two shops, each with a test-mode and a production key, and
a caller that posts to /api-payment/V4/<service> with HTTP Basic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pointage.auth.service.keys import issue_production_key, issue_test_key
from pointage.core.statuses import DetailedStatus, Mode, OperationType
from pointage.payment.models import Operation, Transaction
from pointage.payment.service import IncomingTransaction, ingest
from pointage.remittance.service import capture_contract
from tests.factories import IBAN_BANK_B, TEST_ACTOR, ShopSetup, make_shop

SHOP = "12345678"
OTHER = "87654321"


@dataclass
class Caller:
    """Posts to the V4 services as one shop with one of its keys."""

    client: Any
    shop_id: str
    key: str

    def post(self, service: str, body: Any, **kwargs: Any) -> Any:
        return self.client.post(
            f"/api-payment/V4/{service}", json=body, auth=(self.shop_id, self.key), **kwargs
        )

    def call(self, service: str, body: Any) -> dict[str, Any]:
        """The envelope of a call the gateway would answer with HTTP 200."""
        response = self.post(service, body)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        envelope: dict[str, Any] = response.json()
        assert envelope["webService"] == service
        return envelope

    def answer(self, service: str, body: Any) -> dict[str, Any]:
        """The answer of a call that must succeed."""
        envelope = self.call(service, body)
        assert envelope["status"] == "SUCCESS", envelope
        answer: dict[str, Any] = envelope["answer"]
        return answer

    def error(self, service: str, body: Any) -> dict[str, Any]:
        """The WebServiceError of a call that must fail."""
        envelope = self.call(service, body)
        assert envelope["status"] == "ERROR", envelope
        assert envelope["ticket"] == envelope["answer"]["ticket"]
        error: dict[str, Any] = envelope["answer"]
        assert error["_type"] == "V4/WebService/WebServiceError"
        return error


@dataclass
class World:
    shop: ShopSetup
    other: ShopSetup
    production: Caller
    test: Caller
    other_production: Caller
    other_test: Caller


@pytest.fixture
def world(session: Session, settings: Any, client: Any) -> World:
    shop = make_shop(session, shop_id=SHOP)
    other = make_shop(session, shop_id=OTHER, iban=IBAN_BANK_B)
    secret = settings.secret_key
    keys = [
        issue_production_key(session, shop.shop, secret),
        issue_test_key(session, shop.shop, secret),
        issue_production_key(session, other.shop, secret),
        issue_test_key(session, other.shop, secret),
    ]
    session.commit()
    return World(
        shop,
        other,
        Caller(client, SHOP, keys[0]),
        Caller(client, SHOP, keys[1]),
        Caller(client, OTHER, keys[2]),
        Caller(client, OTHER, keys[3]),
    )


def paris_today() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()


def pay(
    session: Session,
    setup: ShopSetup,
    *,
    mode: Mode = Mode.PRODUCTION,
    status: DetailedStatus = DetailedStatus.AUTHORISED,
    amount: int = 10_000,
    order_id: str = "CMD-1",
    created_at: datetime | None = None,
    capture_date: date | None = None,
    operation_type: OperationType = OperationType.DEBIT,
    parent_uuid: str | None = None,
    currency: str = "EUR",
) -> Transaction:
    """A transaction as the payment page reports it, committed."""
    result = ingest(
        session,
        setup.shop,
        IncomingTransaction(
            operation_type=operation_type,
            amount_minor=amount,
            currency=currency,
            detailed_status=status,
            created_at=created_at or datetime.now(UTC),
            order_id=order_id,
            card_brand="CB",
            card_masked="497010XXXXXX0044",
            authorisation_number="3fe034",
            expected_capture_date=capture_date,
            parent_uuid=parent_uuid,
            mode=mode,
        ),
        TEST_ACTOR,
    )
    session.commit()
    return result.transaction


def captured(session: Session, setup: ShopSetup, **kwargs: Any) -> Transaction:
    """A payment captured by today's batch, in remittance number 1 of the contract."""
    tx = pay(session, setup, capture_date=paris_today(), **kwargs)
    capture_contract(session, setup.contract.id, paris_today())
    session.commit()
    session.refresh(tx)
    session.commit()  # ends the reading transaction, which holds SQLite's write lock
    assert tx.detailed_status == DetailedStatus.CAPTURED.value
    return tx


# The helpers below read in a session of their own, closed at once: on SQLite an open
# transaction holds the write lock, which the next request would wait for.


def operations_of(session: Session, tx_uuid: str) -> list[Operation]:
    with Session(session.get_bind(), expire_on_commit=False) as reader:
        tx = reader.scalars(select(Transaction).where(Transaction.uuid == tx_uuid)).one()
        return list(
            reader.scalars(
                select(Operation).where(Operation.transaction_pk == tx.id).order_by(Operation.id)
            )
        )


def reload(session: Session, tx_uuid: str) -> Transaction:
    with Session(session.get_bind(), expire_on_commit=False) as reader:
        return reader.scalars(select(Transaction).where(Transaction.uuid == tx_uuid)).one()


def count(session: Session, model: type[Transaction] | type[Operation]) -> int:
    with Session(session.get_bind()) as reader:
        return int(reader.scalar(select(func.count()).select_from(model)) or 0)
