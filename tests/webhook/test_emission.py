"""Events are written in the unit of work of the change they tell of: one exists if and only
if the change committed, only for shops with an endpoint subscribed to its type, in the
transaction's mode; its payload is the object as the API shows it, and it is fanned out to
a pending delivery per subscribed endpoint."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pointage.core.statuses import DetailedStatus, Mode, OperationType
from pointage.payment.repository import TransactionRepository
from pointage.payment.schemas import TransactionOut
from pointage.payment.service import IncomingTransaction, cancel, ingest, modify
from pointage.remittance.service import capture_contract, cutoff_instant
from pointage.webhook import service as webhooks
from pointage.webhook.models import DeliveryStatus, EventType
from tests.factories import TEST_ACTOR, make_payment, make_shop
from tests.webhook.builders import deliveries, events, register

UPDATED = EventType.TRANSACTION_UPDATED.value


def _api_view(session, tx, shop_id):
    found = TransactionRepository(session).with_links(tx.uuid)
    assert found is not None
    return TransactionOut.of(found[0], shop_id, found[1]).model_dump(mode="json")


def test_a_committed_change_has_its_event_and_a_delivery_to_the_endpoint(session, settings):
    setup = make_shop(session)
    hook = register(session, settings, setup.shop)
    tx = make_payment(session, setup.shop)
    session.commit()

    [event] = events(session)
    assert event.type == UPDATED
    assert event.mode == "PRODUCTION"
    assert event.public_id.startswith("evt_") and len(event.public_id) == 36
    assert event.payload == _api_view(session, tx, setup.shop.shop_id)
    assert event.previous is None
    [delivery] = deliveries(session)
    assert (delivery.endpoint_id, delivery.event_id) == (hook.endpoint.id, event.id)
    assert delivery.status == DeliveryStatus.PENDING.value
    assert delivery.next_attempt_at is not None


def test_a_rolled_back_change_leaves_no_event_and_no_delivery(session, settings):
    setup = make_shop(session)
    register(session, settings, setup.shop)
    make_payment(session, setup.shop)
    session.rollback()
    session.commit()  # a later commit of the same session publishes nothing stale

    assert events(session) == []
    assert deliveries(session) == []


def test_the_payload_shows_the_object_as_committed_and_the_previous_attributes(session, settings):
    setup = make_shop(session)
    tx = make_payment(session, setup.shop, status=DetailedStatus.AUTHORISED_TO_VALIDATE)
    register(session, settings, setup.shop)
    modify(session, setup.shop, tx, TEST_ACTOR, amount_minor=6_000)
    cancel(session, tx, TEST_ACTOR)
    session.commit()

    modified, cancelled = events(session)
    assert modified.previous == {"amount": 10_000}
    assert cancelled.previous == {
        "detailed_status": "AUTHORISED_TO_VALIDATE",
        "status": "RUNNING",
    }
    # Both payloads show the transaction as the unit of work left it.
    view = _api_view(session, tx, setup.shop.shop_id)
    assert view["detailed_status"] == "CANCELLED" and view["amount"] == 6_000
    assert modified.payload == view and cancelled.payload == view


def test_shops_without_an_endpoint_subscribed_to_the_type_get_no_event(session, settings):
    with_hooks = make_shop(session, shop_id="11111111", iban="FR7630006000011234567890189")
    reports_only = make_shop(session, shop_id="22222222", iban="FR7610278060610001020480197")
    register(session, settings, with_hooks.shop, events=[UPDATED])
    register(session, settings, reports_only.shop, events=[EventType.REPORT_READY.value])
    make_payment(session, with_hooks.shop)
    make_payment(session, reports_only.shop)
    session.commit()

    assert [e.shop_id for e in events(session)] == [with_hooks.shop.id]


def test_a_disabled_endpoint_makes_no_event(session, settings):
    setup = make_shop(session)
    hook = register(session, settings, setup.shop)
    hook.endpoint.enabled = False
    session.commit()
    make_payment(session, setup.shop)
    session.commit()

    assert events(session) == []


def test_a_test_mode_endpoint_never_gets_production_events(session, settings):
    setup = make_shop(session)
    test_hook = register(session, settings, setup.shop, mode=Mode.TEST)
    live_hook = register(session, settings, setup.shop, "https://live.example.com/hooks")
    make_payment(session, setup.shop)  # production
    test_payment = ingest(
        session,
        setup.shop,
        IncomingTransaction(
            operation_type=OperationType.DEBIT,
            amount_minor=1_500,
            currency="EUR",
            detailed_status=DetailedStatus.AUTHORISED,
            created_at=datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
            mode=Mode.TEST,
        ),
        TEST_ACTOR,
    ).transaction
    session.commit()

    by_mode = {e.mode: e for e in events(session)}
    assert set(by_mode) == {"PRODUCTION", "TEST"}
    assert by_mode["TEST"].payload["uuid"] == test_payment.uuid
    sent_to = {(d.endpoint_id, d.event_id) for d in deliveries(session)}
    assert sent_to == {
        (live_hook.endpoint.id, by_mode["PRODUCTION"].id),
        (test_hook.endpoint.id, by_mode["TEST"].id),
    }


def test_a_savepoint_rolled_back_takes_its_events_with_it(session, settings):
    setup = make_shop(session)
    register(session, settings, setup.shop)
    kept = make_payment(session, setup.shop, order_id="KEPT")
    nested = session.begin_nested()
    make_payment(session, setup.shop, order_id="UNDONE")
    nested.rollback()
    session.commit()

    assert [e.payload["uuid"] for e in events(session)] == [kept.uuid]
    assert len(deliveries(session)) == 1


def test_the_capture_batch_tells_each_transaction_it_captured_or_expired(session, settings):
    setup = make_shop(session)
    day = date(2026, 3, 2)
    paid = make_payment(session, setup.shop, order_id="PAID")
    waiting = make_payment(
        session, setup.shop, order_id="WAITING", status=DetailedStatus.AUTHORISED_TO_VALIDATE
    )
    other_day = make_payment(session, setup.shop, order_id="LATER", capture_date=date(2026, 3, 9))
    session.commit()
    register(session, settings, setup.shop)
    at = cutoff_instant(setup.shop, setup.contract, day)

    capture_contract(session, setup.contract.id, day)
    webhooks.batch_captured(session, setup.shop.id, setup.contract.id, at)
    session.commit()

    told = {e.payload["uuid"]: e for e in events(session)}
    assert set(told) == {paid.uuid, waiting.uuid}
    assert other_day.uuid not in told
    assert told[paid.uuid].payload["detailed_status"] == "CAPTURED"
    assert told[paid.uuid].payload["reconciliation_status"] == "pending"
    assert told[paid.uuid].previous == {"detailed_status": "AUTHORISED", "status": "PAID"}
    assert told[waiting.uuid].payload["detailed_status"] == "EXPIRED"
    assert told[waiting.uuid].previous["detailed_status"] == "AUTHORISED_TO_VALIDATE"
