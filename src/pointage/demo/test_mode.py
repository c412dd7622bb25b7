"""A few test-mode payments per shop, so that the demo's test keys have something to see.

A merchant integrating the gateway pays with test cards in test mode before going live; those
payments reach the back office like real ones, in test mode, and the capture batch never puts
them into a remittance: no bank ever credits them. The demo makes a handful per shop over its
last days, from a random generator of their own, so that the real activity (and so the bank
and its reconciliation) is exactly what it would be without them.

Pure, like the simulator: no database, no clock.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from pointage.core.statuses import DetailedStatus, Mode
from pointage.demo.simulator import (
    VALIDATION_CAPTURE_DAYS,
    Fate,
    PlannedPayment,
    ShopProfile,
    draw_local_instant,
    new_uuid,
)

DAYS = 3  # the last days of the demo that have test payments
PER_DAY = 2  # per shop and day
# The gateway's test cards, masked: every payment with them is in test mode.
TEST_CARDS = {"CB": "497010XXXXXX0055", "VISA": "497011XXXXXX0062"}
# Identifiers of their own: a letter, which the simulated real payments never have.
TRANSACTION_ID_FORMAT = "T{:05d}"
ORDER_ID_FORMAT = "TEST-{:06d}"
_FATES = (
    (Fate.CAPTURED, DetailedStatus.AUTHORISED, 70),
    (Fate.REFUSED, DetailedStatus.REFUSED, 15),
    (Fate.TO_VALIDATE, DetailedStatus.AUTHORISED_TO_VALIDATE, 15),
)


def plan_test_payments(
    profiles: list[ShopProfile], *, first_day: date, last_day: date, seed: int
) -> dict[date, list[PlannedPayment]]:
    """The test-mode payments of each day, by day: PER_DAY a shop on the last DAYS days."""
    rng = random.Random(f"pointage-demo-test-mode:{seed}")
    start = max(first_day, last_day - timedelta(days=DAYS - 1))
    by_day: dict[date, list[PlannedPayment]] = defaultdict(list)
    for profile in profiles:
        number = 0
        day = start
        while day <= last_day:
            for _ in range(PER_DAY):
                number += 1
                by_day[day].append(_payment(rng, profile, day, number))
            day += timedelta(days=1)
    return dict(by_day)


def _payment(rng: random.Random, profile: ShopProfile, day: date, number: int) -> PlannedPayment:
    zone = ZoneInfo(profile.timezone)
    created_at = draw_local_instant(rng, day, zone)
    assert created_at is not None  # a whole office day always has time left
    fate, status, _ = rng.choices(_FATES, weights=[weight for *_, weight in _FATES])[0]
    brand = rng.choice(sorted(b for b in TEST_CARDS if b in profile.contract_by_brand))
    capture_date = day
    if fate is Fate.TO_VALIDATE:
        capture_date = day + timedelta(days=VALIDATION_CAPTURE_DAYS)
    return PlannedPayment(
        shop_id=profile.shop_id,
        uuid=new_uuid(rng),
        transaction_id=TRANSACTION_ID_FORMAT.format(number),
        order_id=ORDER_ID_FORMAT.format(number),
        amount_minor=rng.randrange(10, 200) * 100 + rng.choice((0, 50, 90, 99)),
        currency=profile.currency,
        status=status,
        card_brand=brand,
        card_masked=TEST_CARDS[brand],
        authorisation_number=None if fate is Fate.REFUSED else f"{rng.randrange(10**6):06d}",
        customer_reference=f"CLI-TEST{number:02d}",
        created_at=created_at,
        expected_capture_date=capture_date,
        contract_number=profile.contract_by_brand[brand],
        fate=fate,
        mode=Mode.TEST,
    )
