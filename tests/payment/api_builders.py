"""Builders of the resource API tests: shops with their keys, and transactions of either
mode stored by the real ingestion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from pointage.auth.service.keys import issue_production_key, issue_test_key
from pointage.core.statuses import DetailedStatus, Mode, OperationType
from pointage.payment.models import Transaction
from pointage.payment.service import IncomingTransaction, ingest
from tests.factories import IBAN_BANK_B, TEST_ACTOR, ShopSetup, make_shop

SHOP = "12345678"
OTHER = "87654321"


@dataclass
class Keys:
    """A shop and the Authorization headers of its keys."""

    setup: ShopSetup
    production: dict[str, str]
    test: dict[str, str]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def shop_with_keys(
    session: Session, secret_key: str, shop_id: str = SHOP, **kwargs: object
) -> Keys:
    if shop_id != SHOP:
        kwargs.setdefault("iban", IBAN_BANK_B)
    setup = make_shop(session, shop_id=shop_id, **kwargs)  # type: ignore[arg-type]
    production = issue_production_key(session, setup.shop, secret_key)
    test = issue_test_key(session, setup.shop, secret_key)
    return Keys(setup, bearer(production), bearer(test))


def add(
    session: Session,
    setup: ShopSetup,
    *,
    created_at: datetime,
    order_id: str,
    amount: int = 10_000,
    status: DetailedStatus = DetailedStatus.AUTHORISED,
    mode: Mode = Mode.PRODUCTION,
    capture_date: date | None = None,
    operation_type: OperationType = OperationType.DEBIT,
    parent_uuid: str | None = None,
    currency: str = "EUR",
) -> Transaction:
    """A transaction as the payment page reports it."""
    return ingest(
        session,
        setup.shop,
        IncomingTransaction(
            operation_type=operation_type,
            amount_minor=amount,
            currency=currency,
            detailed_status=status,
            created_at=created_at,
            order_id=order_id,
            card_brand="CB",
            card_masked="497010XXXXXX0044",
            expected_capture_date=capture_date,
            parent_uuid=parent_uuid,
            mode=mode,
        ),
        TEST_ACTOR,
    ).transaction


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An instant of March 2026, UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)
