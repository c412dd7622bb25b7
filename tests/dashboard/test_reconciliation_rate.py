"""The reconciliation rate and the counts by status of the remittances due in the period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from pointage.core.statuses import Mode
from pointage.dashboard import service
from pointage.remittance.models import Remittance
from tests.dashboard.builders import Book
from tests.dashboard.conftest import World

TODAY = date(2026, 5, 26)  # the period: 1 to 26 May; due: expected 1 to 25 May


def _due(book: Book, on: date, statuses: list[str], *, amount: int = 1) -> Remittance:
    """A remittance of two days before `on`, expected on `on`, with these statuses."""
    return book.remittance(on - timedelta(days=2), amount, expected_on=on, statuses=statuses)


def _fill(world: World, r4: str = "anomaly") -> None:
    a = world.a
    first = _due(a, date(2026, 5, 4), ["reconciled"] * 3)
    # The batch puts no test-mode payment in a remittance; were one there, it would not count.
    a.transaction(
        first.remittance_date, 1_00, mode=Mode.TEST, remittance=first, reconciliation="to_review"
    )
    _due(a, date(2026, 5, 11), ["reconciled_manual"] * 2)
    _due(a, date(2026, 5, 12), ["to_review"] * 2)
    _due(a, date(2026, 5, 20), [r4])
    _due(a, date(2026, 5, 22), ["pending"] * 2)
    _due(a, date(2026, 5, 15), ["not_applicable"] * 2, amount=0)  # refunds equal to payments
    # Expected today (not passed yet), and before the period: not counted.
    _due(a, TODAY, ["pending"] * 5)
    _due(a, date(2026, 4, 30), ["to_review"] * 5)
    _due(world.a2, date(2026, 5, 11), ["to_review"] * 7)
    _due(world.b, date(2026, 5, 11), ["to_review"] * 7)


def test_counts_by_status_and_the_rate(world: World, session: Session):
    _fill(world)

    rate = service.dashboard(session, [world.a.shop.id], TODAY).reconciliation

    assert (rate.first_due, rate.last_due) == (date(2026, 5, 1), date(2026, 5, 25))
    assert rate.counts == (
        ("not_applicable", 2),
        ("pending", 2),
        ("to_review", 2),
        ("reconciled", 3),
        ("reconciled_manual", 2),
        ("anomaly", 1),
    )
    assert (rate.reconciled, rate.due) == (3 + 2, 2 + 2 + 3 + 2 + 1)
    assert rate.basis_points == 5_000


@pytest.mark.parametrize(
    ("r4", "reconciled", "basis_points"),
    [
        ("anomaly", 5, 5_000),  # matched with a difference: not reconciled
        ("reconciled", 6, 6_000),
        ("reconciled_manual", 6, 6_000),
        ("to_review", 5, 5_000),
    ],
)
def test_an_anomaly_counts_as_due_but_not_reconciled(
    world: World, session: Session, r4: str, reconciled: int, basis_points: int
):
    _fill(world, r4)

    rate = service.dashboard(session, [world.a.shop.id], TODAY).reconciliation

    assert (rate.reconciled, rate.due, rate.basis_points) == (reconciled, 10, basis_points)
    assert (
        rate.count(r4)
        == {"anomaly": 1, "reconciled": 4, "reconciled_manual": 3, "to_review": 3}[r4]
    )


def test_the_rate_is_rounded_down(world: World, session: Session):
    _due(world.a, date(2026, 5, 4), ["reconciled"] * 2)
    _due(world.a, date(2026, 5, 6), ["pending"])

    rate = service.dashboard(session, [world.a.shop.id], TODAY).reconciliation

    assert (rate.reconciled, rate.due, rate.basis_points) == (2, 3, 6_666)


def test_nothing_due_yet_on_the_first_day(world: World, session: Session):
    _fill(world)

    rate = service.dashboard(session, [world.a.shop.id], date(2026, 5, 1)).reconciliation

    assert (rate.first_due, rate.last_due) == (date(2026, 5, 1), date(2026, 4, 30))
    assert (rate.reconciled, rate.due, rate.basis_points) == (0, 0, None)
    assert all(count == 0 for _, count in rate.counts)


def test_the_shops_given_and_no_other(world: World, session: Session):
    _fill(world)

    both = service.dashboard(session, [world.a.shop.id, world.a2.shop.id], TODAY).reconciliation

    assert both.count("to_review") == 2 + 7
    assert both.due == 10 + 7
