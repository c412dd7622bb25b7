"""The demo simulator, pure: determinism, proportions and shapes, without a database."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from schwifty import IBAN

from pointage.core.cards import normalise_masked_pan
from pointage.core.statuses import DetailedStatus, OperationKind
from pointage.demo.setup import french_iban, rib_key
from pointage.demo.simulator import (
    OFFICE_CLOSES,
    OFFICE_OPENS,
    Fate,
    ShopProfile,
    simulate,
)

PARIS = ZoneInfo("Europe/Paris")
CARDS = {"CB": "C1", "VISA": "C1", "MASTERCARD": "C1"}
PROFILES = [
    ShopProfile("10000001", "Europe/Paris", "EUR", {**CARDS, "AMEX": "AX"}, 600, "USD"),
    ShopProfile("10000002", "Europe/Paris", "EUR", CARDS, 700),
]
LAST_DAY = date(2026, 3, 31)


def plans(seed: int = 7, days: int = 20, per_day: int = 300):
    first_day = LAST_DAY - timedelta(days=days - 1)
    return list(
        simulate(PROFILES, first_day=first_day, last_day=LAST_DAY, per_day=per_day, seed=seed)
    )


@pytest.fixture(scope="module")
def sample():
    return plans()


def payments_of(day_plans):
    return [payment for plan in day_plans for payment in plan.payments]


def operations_of(day_plans):
    return [operation for plan in day_plans for operation in plan.operations]


def test_same_seed_gives_the_same_plans_and_another_seed_other_ones():
    assert plans(seed=3, days=4, per_day=50) == plans(seed=3, days=4, per_day=50)
    first = {p.uuid for p in payments_of(plans(seed=3, days=4, per_day=50))}
    other = {p.uuid for p in payments_of(plans(seed=4, days=4, per_day=50))}
    assert not first & other


def test_refusal_rate_is_between_5_and_8_percent_per_shop(sample):
    for shop_id in ("10000001", "10000002"):
        mine = [p for p in payments_of(sample) if p.shop_id == shop_id]
        refused = [p for p in mine if p.status is DetailedStatus.REFUSED]
        assert 0.05 <= len(refused) / len(mine) <= 0.08
        assert all(p.authorisation_number is None for p in refused)
        assert all(re.fullmatch(r"\d{6}", p.authorisation_number or "") for p in mine
                   if p.status is not DetailedStatus.REFUSED)  # fmt: skip


def test_about_per_day_payments_a_day_per_shop(sample):
    counts = Counter(
        (p.shop_id, p.created_at.astimezone(PARIS).date()) for p in payments_of(sample)
    )
    assert set(counts) == {(s.shop_id, plan.day) for s in PROFILES for plan in sample}
    assert all(240 <= count <= 380 for count in counts.values())
    assert 280 <= sum(counts.values()) / len(counts) <= 320


def test_every_fate_and_operation_kind_occurs(sample):
    assert {p.fate for p in payments_of(sample)} == set(Fate)
    assert {o.kind for o in operations_of(sample)} == {
        OperationKind.VALIDATE,
        OperationKind.CANCEL,
        OperationKind.MODIFY,
        OperationKind.REFUND,
        OperationKind.DUPLICATE,
    }


def test_brands_follow_the_french_mix_and_the_shops_contracts(sample):
    payments = payments_of(sample)
    brands = Counter(p.card_brand for p in payments if p.shop_id == "10000001")
    total = sum(brands.values())
    assert 0.55 <= brands["CB"] / total <= 0.65
    assert 0.20 <= brands["VISA"] / total <= 0.30
    assert 0.01 <= brands["AMEX"] / total <= 0.03
    assert not [p for p in payments if p.shop_id == "10000002" and p.card_brand == "AMEX"]
    assert all(p.contract_number == ("AX" if p.card_brand == "AMEX" else "C1") for p in payments)


def test_foreign_currency_only_on_the_shop_that_has_one_and_never_on_cb(sample):
    foreign = [p for p in payments_of(sample) if p.currency != "EUR"]
    assert foreign
    assert {p.currency for p in foreign} == {"USD"}
    assert {p.shop_id for p in foreign} == {"10000001"}
    assert "CB" not in {p.card_brand for p in foreign}


def test_card_numbers_are_masked_with_real_looking_bins(sample):
    for payment in payments_of(sample):
        assert normalise_masked_pan(payment.card_masked) == payment.card_masked
        length = 15 if payment.card_brand == "AMEX" else 16
        assert re.fullmatch(rf"\d{{6}}X{{{length - 10}}}\d{{4}}", payment.card_masked)


def test_amounts_are_positive_integer_cents_around_50_to_80_euros(sample):
    amounts = sorted(p.amount_minor for p in payments_of(sample))
    assert all(isinstance(a, int) and a > 0 for a in amounts)
    assert 4_500 <= amounts[len(amounts) // 2] <= 8_000
    assert 4_500 <= sum(amounts) // len(amounts) <= 8_000
    assert amounts[-1] > 5 * amounts[len(amounts) // 2]  # a long tail


def test_identifiers_are_well_formed_and_unique(sample):
    payments = payments_of(sample)
    created = [o for o in operations_of(sample) if o.new_uuid]
    uuids = [p.uuid for p in payments] + [o.new_uuid for o in created]
    assert len(set(uuids)) == len(uuids)
    assert all(re.fullmatch(r"[0-9a-f]{32}", u or "") for u in uuids)
    per_day = [(p.shop_id, p.created_at.astimezone(PARIS).date(), p.transaction_id)
               for p in payments]  # fmt: skip
    per_day += [(o.shop_id, o.at.astimezone(PARIS).date(), o.new_transaction_id) for o in created]
    assert len(set(per_day)) == len(per_day)
    assert all(re.fullmatch(r"CMD-2026-\d{6}", p.order_id) for p in payments)


def test_evening_is_busier_than_early_morning(sample):
    hours = Counter(p.created_at.astimezone(PARIS).hour for p in payments_of(sample))
    assert hours[20] + hours[21] > 5 * (hours[3] + hours[4])


def test_operations_come_in_office_hours_after_their_payment_and_in_the_period(sample):
    payments = {p.uuid: p for p in payments_of(sample)}
    for plan in sample:
        assert plan.operations == sorted(plan.operations, key=lambda o: o.at)
        for operation in plan.operations:
            local = operation.at.astimezone(PARIS)
            assert local.date() == plan.day
            assert OFFICE_OPENS <= local.time() <= OFFICE_CLOSES
            payment = payments[operation.payment_uuid]
            assert operation.at > payment.created_at


def test_refunds_never_exceed_the_payment_and_come_after_its_capture(sample):
    payments = {p.uuid: p for p in payments_of(sample)}
    refunds = [o for o in operations_of(sample) if o.kind is OperationKind.REFUND]
    assert refunds
    for refund in refunds:
        payment = payments[refund.payment_uuid]
        assert refund.amount_minor is None or 0 < refund.amount_minor < payment.amount_minor
        assert refund.at.astimezone(PARIS).date() > payment.expected_capture_date


def test_late_evening_payments_are_refunded_only_after_the_next_days_batch(sample):
    payments = {p.uuid: p for p in payments_of(sample)}
    for operation in operations_of(sample):
        payment = payments[operation.payment_uuid]
        created = payment.created_at.astimezone(PARIS)
        if operation.kind in {OperationKind.REFUND, OperationKind.DUPLICATE} and (
            created.time() >= time(23, 0)
        ):
            assert operation.at.astimezone(PARIS).date() > created.date() + timedelta(days=1)


@pytest.mark.parametrize(
    ("bank", "branch", "account", "expected"),
    [
        ("30006", "00001", "12345678901", "FR7630006000011234567890189"),
        ("10278", "06061", "00010204801", "FR7610278060610001020480197"),
    ],
)
def test_french_iban_matches_known_valid_ibans(bank, branch, account, expected):
    assert french_iban(bank, branch, account) == expected
    assert rib_key(bank, branch, account) == expected[-2:]


def test_demo_ibans_are_valid_for_schwifty():
    iban = IBAN(french_iban("30004", "00828", "00010123456"))
    assert str(iban.bic).startswith("BNPAFRPP")


def test_creation_instants_are_utc_and_on_their_local_day(sample):
    for plan in sample:
        for payment in plan.payments:
            assert payment.created_at.utcoffset() == timedelta(0)
            assert payment.created_at.astimezone(PARIS).date() == plan.day
            assert isinstance(payment.created_at, datetime)
