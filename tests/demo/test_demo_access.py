"""What the demo gives to try the API and the back office: each shop's test and production
keys, an admin and an accountant, and a few test-mode payments a test key can see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from pointage.auth.service.keys import authenticate_bearer
from pointage.auth.service.users import authenticate_user, shops_visible_to
from pointage.core.statuses import Mode, Role
from pointage.demo import repository, runner, test_mode
from pointage.demo.runner import DemoOptions, build_demo
from pointage.demo.setup import SHOP_IDS
from pointage.payment.models import Transaction
from pointage.shop.models import Shop

SECRET = "test-secret-key-0123456789abcdef0123456789"
NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
OPTIONS = DemoOptions(days=4, seed=7, per_day=15)
# Columns that depend on the clock or on generated keys, not on the simulation.
UNSTABLE = {"id", "shop_id", "updated_at", "remittance_id", "parent_id", "contract_id"}


def test_each_shop_has_a_test_and_a_production_key(session):
    summary = build_demo(session, OPTIONS, secret_key=SECRET, now=NOW)
    assert [shop.shop_id for shop in summary.shops] == list(SHOP_IDS)
    for shop in summary.shops:
        test = authenticate_bearer(session, shop.test_key)
        production = authenticate_bearer(session, shop.production_key)
        assert (test.shop.shop_id, test.mode) == (shop.shop_id, Mode.TEST)
        assert (production.shop.shop_id, production.mode) == (shop.shop_id, Mode.PRODUCTION)


def test_an_admin_of_both_shops_and_an_accountant_of_one(session):
    summary = build_demo(session, OPTIONS, secret_key=SECRET, now=NOW)
    admin, accountant = summary.users
    assert (admin.role, admin.shops) == (Role.ADMIN, SHOP_IDS)
    assert (accountant.role, accountant.shops) == (Role.ACCOUNTANT, ("10000001",))
    for demo_user in summary.users:
        user = authenticate_user(session, demo_user.email, demo_user.password)
        assert user.role == demo_user.role.value
        assert tuple(s.shop_id for s in shops_visible_to(session, user)) == demo_user.shops
    assert admin.password != accountant.password


def test_a_few_test_mode_payments_per_shop_in_no_remittance(session):
    summary = build_demo(session, OPTIONS, secret_key=SECRET, now=NOW)
    tests = session.execute(
        select(Shop.shop_id, Transaction)
        .join(Shop, Shop.id == Transaction.shop_id)
        .where(Transaction.mode == Mode.TEST.value)
    ).all()
    per_shop = test_mode.DAYS * test_mode.PER_DAY
    assert sorted(shop_id for shop_id, _ in tests) == sorted(list(SHOP_IDS) * per_shop)
    assert summary.counts.test_transactions == len(tests)
    paris = ZoneInfo("Europe/Paris")
    first_test_day = summary.last_day - timedelta(days=test_mode.DAYS - 1)
    for _, tx in tests:
        assert tx.remittance_id is None
        assert tx.card_masked in test_mode.TEST_CARDS.values()
        assert tx.order_id.startswith("TEST-") and tx.transaction_id.startswith("T")
        assert first_test_day <= tx.created_at.astimezone(paris).date() <= summary.last_day
    statuses = {tx.detailed_status for _, tx in tests}
    # Captured by the batch like any payment, but into no remittance.
    assert "CAPTURED" in statuses
    # The counts of the merchant's activity are the production ones.
    everything = session.scalars(select(Transaction.id)).all()
    assert summary.counts.transactions == len(everything) - len(tests)


def production_rows(session):
    columns = [c for c in Transaction.__table__.columns if c.name not in UNSTABLE]
    query = select(*columns).where(Transaction.mode == Mode.PRODUCTION.value)
    return session.execute(query.order_by(Transaction.uuid)).all()


def test_test_payments_leave_the_real_activity_as_it_would_be_without_them(session, monkeypatch):
    build_demo(session, OPTIONS, secret_key=SECRET, now=NOW)
    with_tests = production_rows(session), repository.counts(session).remittances
    session.rollback()
    monkeypatch.setattr(runner, "plan_test_payments", lambda *args, **kwargs: {})
    summary = build_demo(session, OPTIONS, secret_key=SECRET, now=NOW)
    assert summary.counts.test_transactions == 0
    assert (production_rows(session), summary.counts.remittances) == with_tests


def test_a_test_key_sees_the_test_payments_and_only_them(session, client):
    summary = build_demo(session, OPTIONS, secret_key=SECRET, now=NOW)
    paris = summary.shops[0]
    rows = session.execute(
        select(Transaction.uuid, Transaction.mode)
        .join(Shop, Shop.id == Transaction.shop_id)
        .where(Shop.shop_id == paris.shop_id)
    ).all()
    session.commit()
    test_uuid = next(uuid for uuid, mode in rows if mode == "TEST")
    real_uuid = next(uuid for uuid, mode in rows if mode == "PRODUCTION")
    test_key = {"Authorization": f"Bearer {paris.test_key}"}
    production_key = {"Authorization": f"Bearer {paris.production_key}"}
    seen = client.get(f"/v1/transactions/{test_uuid}", headers=test_key)
    assert seen.status_code == 200, seen.text
    assert seen.json()["uuid"] == test_uuid
    assert client.get(f"/v1/transactions/{real_uuid}", headers=test_key).status_code == 404
    assert client.get(f"/v1/transactions/{test_uuid}", headers=production_key).status_code == 404
    assert client.get(f"/v1/transactions/{real_uuid}", headers=production_key).status_code == 200
    # Another shop's keys do not see Paris's payments at all.
    lyon = {"Authorization": f"Bearer {summary.shops[1].test_key}"}
    assert client.get(f"/v1/transactions/{test_uuid}", headers=lyon).status_code == 404
