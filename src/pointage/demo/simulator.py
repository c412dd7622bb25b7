"""The demo merchant's card activity, generated from a seed.

Pure: no database, no clock, no global randomness. Every draw comes from one
`random.Random(seed)` in a fixed order, so the same seed and the same last day give the
same payments, to the identifier. Money is drawn as integer minor units.

`simulate` yields one `DayPlan` per day in chronological order: the payments created that
day and the merchant operations done that day (on that day's or earlier payments). The
caller ingests the payments, applies the operations, then runs that day's capture batch.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pointage.core.statuses import DetailedStatus, Mode, OperationKind, OperationSource

# Share of payments per fate, in basis points (1/10,000). Refusals are per shop.
TO_VALIDATE_BP = 300
DEFERRED_BP = 400
CANCELLED_BP = 100
PARTIAL_REFUND_BP = 300
FULL_REFUND_BP = 200
DUPLICATED_BP = 50
FOREIGN_CURRENCY_BP = 100
# Of the payments waiting for validation, how many the merchant validates (the rest expire).
VALIDATED_BP = 8_500
# Of the deferred payments, how many see their amount lowered before capture (partial shipment).
MODIFIED_BP = 2_000
# A payment waiting for validation is captured this many days after its creation, if validated.
VALIDATION_CAPTURE_DAYS = 2

# Relative weight of each local hour (0 to 23) in the day's orders: an evening peak.
HOUR_WEIGHTS = (15, 8, 4, 3, 3, 4, 10, 20, 30, 40, 45, 50, 60, 60, 50, 50, 50, 55, 70, 80, 90, 90,
                60, 30)  # fmt: skip
# Day-of-week volume in percent (Monday first): Sunday and Monday are the busy days.
WEEKDAY_PERCENT = (105, 100, 95, 95, 95, 95, 115)
# Hours in which the merchant's staff work in the back office (validations, refunds…).
OFFICE_OPENS = time(8, 0)
OFFICE_CLOSES = time(22, 30)

# Issuer identification numbers by brand; AMEX cards have 15 digits, the others 16.
BINS = {
    "CB": ("497010", "497671", "513100", "535332"),
    "VISA": ("453200", "476173", "411111"),
    "MASTERCARD": ("513100", "542418", "520082"),
    "AMEX": ("374200", "376400"),
}
CARD_LENGTH = {"AMEX": 15}


class Fate(StrEnum):
    """What happens to a payment after it is created."""

    CAPTURED = "captured"
    REFUSED = "refused"
    TO_VALIDATE = "to_validate"
    DEFERRED = "deferred"
    CANCELLED = "cancelled"
    PARTIAL_REFUND = "partial_refund"
    FULL_REFUND = "full_refund"
    DUPLICATED = "duplicated"


@dataclass(frozen=True, slots=True)
class ShopProfile:
    """What the simulator needs to know of a shop."""

    shop_id: str
    timezone: str
    currency: str
    contract_by_brand: dict[str, str]
    refusal_bp: int
    foreign_currency: str | None = None
    # The earliest cut-off of the shop's contracts: a payment created after it is captured
    # by the next day's batch, so the merchant can only refund it the day after that.
    cutoff_time: time = time(23, 0)


@dataclass(frozen=True, slots=True)
class PlannedPayment:
    shop_id: str
    uuid: str
    transaction_id: str
    order_id: str
    amount_minor: int
    currency: str
    status: DetailedStatus
    card_brand: str
    card_masked: str
    authorisation_number: str | None
    customer_reference: str
    created_at: datetime
    expected_capture_date: date
    contract_number: str
    fate: Fate
    mode: Mode = Mode.PRODUCTION


@dataclass(frozen=True, slots=True)
class PlannedOperation:
    """A merchant operation; refunds and duplicates create a transaction with the new ids."""

    kind: OperationKind
    source: OperationSource
    shop_id: str
    payment_uuid: str
    at: datetime
    amount_minor: int | None = None
    new_uuid: str | None = None
    new_transaction_id: str | None = None


@dataclass(frozen=True, slots=True)
class DayPlan:
    day: date
    payments: list[PlannedPayment]
    operations: list[PlannedOperation]


def chance(rng: random.Random, basis_points: int) -> bool:
    return rng.randrange(10_000) < basis_points


def new_uuid(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def draw_amount_minor(rng: random.Random) -> int:
    """An order total in cents: log-normal around 55 units (mean near 65), a long tail,
    prices ending in .00, .90, .99, .50 or anything. The draw is a float; money is not."""
    units = min(max(round(rng.lognormvariate(math.log(55), 0.75)), 3), 4_000)
    cents = rng.choice((0, 0, 90, 99, 50, rng.randrange(100)))
    return units * 100 + cents


def draw_masked_card(rng: random.Random, brand: str) -> str:
    length = CARD_LENGTH.get(brand, 16)
    return rng.choice(BINS[brand]) + "X" * (length - 10) + f"{rng.randrange(10_000):04d}"


def draw_payment_count(rng: random.Random, per_day: int, day: date) -> int:
    """About `per_day` a day: a weekday pattern and ±10 % of noise."""
    percent = WEEKDAY_PERCENT[day.weekday()] * rng.randint(90, 110)
    return max(1, per_day * percent // 10_000)


def draw_fate(rng: random.Random, refusal_bp: int) -> Fate:
    draw = rng.randrange(10_000)
    for fate, share in (
        (Fate.REFUSED, refusal_bp),
        (Fate.TO_VALIDATE, TO_VALIDATE_BP),
        (Fate.DEFERRED, DEFERRED_BP),
        (Fate.CANCELLED, CANCELLED_BP),
        (Fate.PARTIAL_REFUND, PARTIAL_REFUND_BP),
        (Fate.FULL_REFUND, FULL_REFUND_BP),
        (Fate.DUPLICATED, DUPLICATED_BP),
    ):
        if draw < share:
            return fate
        draw -= share
    return Fate.CAPTURED


def draw_local_instant(
    rng: random.Random, day: date, zone: ZoneInfo, *, after: datetime | None = None
) -> datetime | None:
    """A UTC instant in the merchant's office hours on `day`, a few minutes after `after`;
    None when the day has no office time left."""
    start = datetime.combine(day, OFFICE_OPENS, zone)
    end = datetime.combine(day, OFFICE_CLOSES, zone)
    if after is not None:
        start = max(start, (after + timedelta(minutes=5)).astimezone(zone))
    if start >= end:
        return None
    seconds = int((end - start).total_seconds())
    return (start + timedelta(seconds=rng.randrange(seconds))).astimezone(UTC)


class Simulator:
    """Holds the state that spans days: identifiers in use, order counters, planned operations."""

    def __init__(self, profiles: list[ShopProfile], per_day: int, seed: int, last_day: date):
        self.profiles = profiles
        self.per_day = per_day
        self.rng = random.Random(seed)
        self.last_day = last_day
        self.used_ids: dict[tuple[str, date], set[str]] = defaultdict(set)
        self.order_counters: dict[tuple[str, int], int] = defaultdict(int)
        self.pending: dict[date, list[PlannedOperation]] = defaultdict(list)
        self.cutoffs = {profile.shop_id: profile.cutoff_time for profile in profiles}

    def transaction_id(self, shop_id: str, day: date) -> str:
        """A 6-digit transaction id not yet used by this shop on this day."""
        used = self.used_ids[(shop_id, day)]
        while True:
            candidate = f"{self.rng.randrange(900_000):06d}"
            if candidate not in used:
                used.add(candidate)
                return candidate

    def day(self, day: date) -> DayPlan:
        payments: list[PlannedPayment] = []
        for profile in self.profiles:
            payments.extend(self.shop_day(profile, day))
        operations = sorted(self.pending.pop(day, []), key=lambda op: op.at)
        return DayPlan(day, payments, operations)

    def shop_day(self, profile: ShopProfile, day: date) -> list[PlannedPayment]:
        zone = ZoneInfo(profile.timezone)
        count = draw_payment_count(self.rng, self.per_day, day)
        instants = sorted(self.creation_instant(day, zone) for _ in range(count))
        payments = []
        for created_at in instants:
            payments.append(self.plan_fate(self.payment(profile, day, created_at), zone))
        return payments

    def creation_instant(self, day: date, zone: ZoneInfo) -> datetime:
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        local = datetime.combine(day, time(hour, self.rng.randrange(60), self.rng.randrange(60)))
        return local.replace(tzinfo=zone).astimezone(UTC)

    def order_id(self, shop_id: str, day: date) -> str:
        self.order_counters[(shop_id, day.year)] += 1
        return f"CMD-{day.year}-{self.order_counters[(shop_id, day.year)]:06d}"

    def brand(self, profile: ShopProfile, currency: str) -> str:
        weights = {"CB": 60, "VISA": 25, "MASTERCARD": 13, "AMEX": 2}
        if currency != profile.currency:
            del weights["CB"]  # CB is the French domestic scheme: foreign cards are not CB.
        available = {b: w for b, w in weights.items() if b in profile.contract_by_brand}
        return self.rng.choices(list(available), weights=list(available.values()))[0]

    def payment(self, profile: ShopProfile, day: date, created_at: datetime) -> PlannedPayment:
        rng = self.rng
        currency = profile.currency
        if profile.foreign_currency and chance(rng, FOREIGN_CURRENCY_BP):
            currency = profile.foreign_currency
        brand = self.brand(profile, currency)
        fate = draw_fate(rng, profile.refusal_bp)
        status = {
            Fate.REFUSED: DetailedStatus.REFUSED,
            Fate.TO_VALIDATE: DetailedStatus.AUTHORISED_TO_VALIDATE,
        }.get(fate, DetailedStatus.AUTHORISED)
        capture_date = day
        if fate is Fate.TO_VALIDATE:
            capture_date = day + timedelta(days=VALIDATION_CAPTURE_DAYS)
        elif fate is Fate.DEFERRED:
            capture_date = day + timedelta(days=rng.randint(1, 6))
        return PlannedPayment(
            shop_id=profile.shop_id,
            uuid=new_uuid(rng),
            transaction_id=self.transaction_id(profile.shop_id, day),
            order_id=self.order_id(profile.shop_id, day),
            amount_minor=draw_amount_minor(rng),
            currency=currency,
            status=status,
            card_brand=brand,
            card_masked=draw_masked_card(rng, brand),
            authorisation_number=None if fate is Fate.REFUSED else f"{rng.randrange(10**6):06d}",
            customer_reference=f"CLI-{rng.randrange(10**6):06d}",
            created_at=created_at,
            expected_capture_date=capture_date,
            contract_number=profile.contract_by_brand[brand],
            fate=fate,
        )

    def plan_fate(self, payment: PlannedPayment, zone: ZoneInfo) -> PlannedPayment:
        """Plan the merchant's operations on a new payment; returns it, its capture date
        moved when a cancellation could only happen the next morning."""
        rng = self.rng
        day = payment.created_at.astimezone(zone).date()
        captured_on = payment.expected_capture_date
        if payment.created_at >= datetime.combine(day, self.cutoffs[payment.shop_id], zone):
            captured_on = max(captured_on, day + timedelta(days=1))
        same_day = draw_local_instant(rng, day, zone, after=payment.created_at)
        next_day = self.office_instant(day + timedelta(days=1), zone)
        fate = payment.fate
        if fate is Fate.TO_VALIDATE and chance(rng, VALIDATED_BP):
            self.plan(
                payment, zone, OperationKind.VALIDATE, rng.choice((same_day, next_day)) or next_day
            )
        elif fate is Fate.DEFERRED and chance(rng, MODIFIED_BP):
            lowered = payment.amount_minor * rng.randint(60, 95) // 100
            self.plan(
                payment, zone, OperationKind.MODIFY, same_day or next_day, amount_minor=lowered
            )
        elif fate is Fate.CANCELLED:
            if same_day is None:
                payment = replace(payment, expected_capture_date=day + timedelta(days=1))
            self.plan(payment, zone, OperationKind.CANCEL, same_day or next_day)
        elif fate in (Fate.PARTIAL_REFUND, Fate.FULL_REFUND):
            refund_day = captured_on + timedelta(days=rng.randint(2, 12))
            amount = None
            if fate is Fate.PARTIAL_REFUND:
                amount = payment.amount_minor * rng.randint(10, 70) // 100
            at = self.office_instant(refund_day, zone)
            self.plan(payment, zone, OperationKind.REFUND, at, amount_minor=amount, creates=True)
        elif fate is Fate.DUPLICATED:
            again = captured_on + timedelta(days=rng.randint(1, 15))
            at = self.office_instant(again, zone)
            self.plan(payment, zone, OperationKind.DUPLICATE, at, creates=True)
        return payment

    def office_instant(self, day: date, zone: ZoneInfo) -> datetime:
        instant = draw_local_instant(self.rng, day, zone)
        assert instant is not None  # a whole office day always has time left
        return instant

    def plan(
        self,
        payment: PlannedPayment,
        zone: ZoneInfo,
        kind: OperationKind,
        at: datetime,
        *,
        amount_minor: int | None = None,
        creates: bool = False,
    ) -> None:
        """Keep an operation for its day, unless that day is after the simulated period."""
        day = at.astimezone(zone).date()
        source = self.rng.choice((OperationSource.BACK_OFFICE, OperationSource.API))
        new_ids = (
            (new_uuid(self.rng), self.transaction_id(payment.shop_id, day))
            if creates
            else (None, None)
        )
        if day > self.last_day:
            return
        self.pending[day].append(
            PlannedOperation(
                kind, source, payment.shop_id, payment.uuid, at, amount_minor, *new_ids
            )
        )


def simulate(
    profiles: list[ShopProfile], *, first_day: date, last_day: date, per_day: int, seed: int
) -> Iterator[DayPlan]:
    """The plans of the days from `first_day` to `last_day` included, in order."""
    simulator = Simulator(profiles, per_day, seed, last_day)
    day = first_day
    while day <= last_day:
        yield simulator.day(day)
        day += timedelta(days=1)
