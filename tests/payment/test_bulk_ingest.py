"""Ingestion by batches gives what one-by-one ingestion gives; chosen ids for refunds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pointage.core.errors import Conflict, InvalidInput
from pointage.core.statuses import DetailedStatus, OperationType
from pointage.payment.models import Operation, Transaction
from pointage.payment.service import IncomingTransaction, ingest, refund
from pointage.payment.service.bulk import ingest_many
from tests.factories import TEST_ACTOR, make_payment, make_shop

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def incoming(n: int, **changes: object) -> IncomingTransaction:
    base = IncomingTransaction(
        operation_type=OperationType.DEBIT,
        amount_minor=1_000 + n,
        currency="EUR",
        detailed_status=DetailedStatus.AUTHORISED,
        created_at=AT,
        uuid=f"{n:032x}",
        transaction_id=f"{n:06d}",
        order_id=f"ORDER-{n}",
        card_brand="visa",
        card_masked="453200******1234",
        authorisation_number="123456",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def rows(session):
    columns = [
        c
        for c in Transaction.__table__.columns
        if c.name not in {"id", "shop_id", "contract_id", "updated_at"}
    ]
    return session.execute(select(*columns).order_by(Transaction.uuid)).all()


def test_a_batch_stores_the_same_rows_and_log_as_one_by_one(session):
    setup = make_shop(session)
    ingest_many(session, setup.shop, [incoming(1), incoming(2)], TEST_ACTOR)
    batched = rows(session)
    kinds = session.scalars(select(Operation.kind)).all()
    session.rollback()
    setup = make_shop(session)
    for n in (1, 2):
        ingest(session, setup.shop, incoming(n), TEST_ACTOR)
    assert rows(session) == batched
    assert kinds == ["create", "create"]
    assert batched[0].card_masked == "453200XXXXXX1234"
    assert batched[0].card_brand == "VISA"


def test_a_batch_naming_a_known_transaction_applies_the_update_rules(session):
    setup = make_shop(session)
    ingest(session, setup.shop, incoming(1, detailed_status=DetailedStatus.AUTHORISED), TEST_ACTOR)
    results = ingest_many(
        session,
        setup.shop,
        [incoming(1, detailed_status=DetailedStatus.CANCELLED), incoming(2)],
        TEST_ACTOR,
    )
    assert [(r.created, r.changed) for r in results] == [(False, True), (True, True)]
    assert results[0].transaction.detailed_status == "CANCELLED"


def test_a_transaction_id_used_twice_on_a_day_is_a_conflict(session):
    setup = make_shop(session)
    with pytest.raises(Conflict, match="000007 is already used"):
        ingest_many(
            session,
            setup.shop,
            [incoming(1, transaction_id="000007"), incoming(2, transaction_id="000007")],
            TEST_ACTOR,
        )


def test_a_full_card_number_is_refused_before_anything_is_added(session):
    setup = make_shop(session)
    with pytest.raises(InvalidInput, match="full card number"):
        ingest_many(
            session,
            setup.shop,
            [incoming(1), incoming(2, card_masked="4532001234561234")],
            TEST_ACTOR,
        )
    assert rows(session) == []


def test_missing_transaction_ids_are_drawn_free(session):
    setup = make_shop(session)
    results = ingest_many(
        session, setup.shop, [incoming(n, transaction_id=None) for n in range(5)], TEST_ACTOR
    )
    assert len({r.transaction.transaction_id for r in results}) == 5


def test_refund_with_chosen_ids_uses_them_and_refuses_ids_in_use(session):
    setup = make_shop(session)
    payment = make_payment(session, setup.shop, status=DetailedStatus.CAPTURED, created_at=AT)
    credit = refund(
        session, setup.shop, payment, TEST_ACTOR, amount_minor=100, now=AT,
        uuid="ab" * 16, transaction_id="777777",
    )  # fmt: skip
    assert (credit.uuid, credit.transaction_id) == ("ab" * 16, "777777")
    with pytest.raises(InvalidInput, match="unused"):
        refund(session, setup.shop, payment, TEST_ACTOR, amount_minor=100, now=AT, uuid="ab" * 16)
    with pytest.raises(InvalidInput, match="unused on 2026-03-02"):
        refund(session, setup.shop, payment, TEST_ACTOR, amount_minor=100, now=AT,
               transaction_id="777777")  # fmt: skip
