"""The amount awaiting credit by age: business days since the remittance date."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from pointage.core.statuses import Mode
from pointage.dashboard import service
from pointage.dashboard.figures import CurrencyTotal, Totals
from tests.dashboard.builders import match
from tests.dashboard.conftest import World

# Tuesday 26 May 2026, the day after Whit Monday (25 May, closed) and a weekend; Ascension
# Thursday (14 May) is closed too.
TODAY = date(2026, 5, 26)
LATER = date(2026, 6, 30)  # an expected credit date: the ages do not depend on it


def _remittance(world: World, day: int, amount: int, **kwargs: object) -> None:
    world.a.remittance(date(2026, 5, day), amount, expected_on=LATER, **kwargs)  # type: ignore[arg-type]


def test_ages_at_the_edges_of_each_bucket(world: World, session: Session):
    _remittance(world, 26, 1_000)  # today: 0
    _remittance(world, 22, 2_000)  # Friday: 1 (Saturday, Sunday, Whit Monday closed)
    _remittance(world, 21, 3_000)  # Thursday: 2 (22 and 26)
    _remittance(world, 20, 4_000, statuses=("to_review",))  # 3 (21, 22, 26)
    _remittance(world, 19, 5_000)  # 4 (20, 21, 22, 26)
    _remittance(world, 13, 6_000)  # Wednesday 13: 7 (15, 18, 19, 20, 21, 22, 26; not the 14th)
    _remittance(world, 12, 7_000, statuses=("to_review", "pending"))  # 8 (the 13th too)
    _remittance(world, 12, 800, currency="USD", statuses=("to_review",))  # 8
    _remittance(world, 4, 9_000, statuses=("to_review",))  # three weeks: 8 and more

    awaiting = service.dashboard(session, [world.a.shop.id], TODAY).awaiting_credit

    assert [(b.first, b.last) for b in awaiting.buckets] == [(0, 1), (2, 3), (4, 7), (8, None)]
    eur = [b.totals.amount("EUR") for b in awaiting.buckets]
    assert eur == [1_000 + 2_000, 3_000 + 4_000, 5_000 + 6_000, 7_000 + 9_000]
    assert [b.totals.count for b in awaiting.buckets] == [2, 2, 2, 3]
    assert awaiting.buckets[3].totals.amount("USD") == 800
    assert awaiting.total == Totals((CurrencyTotal("EUR", 8, 37_000), CurrencyTotal("USD", 1, 800)))


def test_only_what_is_still_awaited(world: World, session: Session):
    a = world.a
    credited = a.remittance(date(2026, 5, 21), 10_000, expected_on=LATER, statuses=("reconciled",))
    match(session, world.merchant_id, remittances=[credited])
    undone = a.remittance(date(2026, 5, 20), 20_000, expected_on=LATER)
    match(session, world.merchant_id, remittances=[undone], active=False)  # undone: awaited again
    # Nothing to credit (refunds equal to payments).
    a.remittance(
        date(2026, 5, 20), 0, expected_on=LATER, currency="USD", statuses=("not_applicable",)
    )
    # Refunds above payments: a debit is awaited, negative.
    a.remittance(date(2026, 5, 19), -500, expected_on=LATER, currency="GBP")
    # Every payment reconciled by a person on its own: no credit awaited any more.
    by_hand = a.remittance(
        date(2026, 5, 18), 40_000, expected_on=LATER, statuses=("reconciled_manual",)
    )
    # The batch puts no test-mode payment in a remittance; were one there, it would not count.
    a.transaction(
        by_hand.remittance_date, 1_00, mode=Mode.TEST, remittance=by_hand, reconciliation="pending"
    )
    world.a2.remittance(date(2026, 5, 20), 50_000, expected_on=LATER)
    world.b.remittance(date(2026, 5, 20), 60_000, expected_on=LATER)

    awaiting = service.dashboard(session, [a.shop.id], TODAY).awaiting_credit

    assert awaiting.total == Totals(
        (CurrencyTotal("EUR", 1, 20_000), CurrencyTotal("GBP", 1, -500))
    )
    assert awaiting.buckets[1].totals.amount("EUR") == 20_000  # 20 May: 3 days
    assert awaiting.buckets[2].totals.amount("GBP") == -500  # 19 May: 4 days
