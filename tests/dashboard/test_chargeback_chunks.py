"""The period's chargebacks when their claims are read a chunk at a time: the sums of every
chunk add up per currency, and a shop's chargebacks are told from another's in each chunk."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from pointage.dashboard import repository, service
from pointage.dashboard.figures import CurrencyTotal, Totals
from pointage.reconciliation.models import ClaimRole
from tests.dashboard.builders import match
from tests.dashboard.conftest import World

TODAY = date(2026, 5, 26)  # the period: 1 to 26 May, Paris time
IN_PERIOD = datetime(2026, 5, 10, 10, 0, tzinfo=UTC)
BEFORE = datetime(2026, 4, 20, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5_000])
def test_chunks_add_up_per_currency(
    world: World, session: Session, monkeypatch: pytest.MonkeyPatch, chunk: int
):
    monkeypatch.setattr(repository, "CHUNK", chunk)
    taken_back = [
        (world.a, 10_00, "EUR", IN_PERIOD),
        (world.a, 20_00, "EUR", IN_PERIOD),
        (world.a, 30_00, "USD", IN_PERIOD),
        (world.a2, 40_00, "EUR", IN_PERIOD),  # another shop of the merchant
        (world.a, 50_00, "EUR", IN_PERIOD),
        (world.a, 60_00, "EUR", BEFORE),  # recorded before the period
        (world.a, 70_00, "USD", IN_PERIOD),
    ]
    for book, amount, currency, at in taken_back:
        payment = book.transaction(date(2026, 4, 2), amount, currency=currency, dispute="yes")
        match(session, world.merchant_id, transactions=[payment], role=ClaimRole.CHARGEBACK, at=at)

    chargebacks = service.dashboard(session, [world.a.shop.id], TODAY).chargebacks

    assert chargebacks == Totals(
        (CurrencyTotal("EUR", 3, 10_00 + 20_00 + 50_00), CurrencyTotal("USD", 2, 30_00 + 70_00))
    )


def test_no_chargeback_in_the_period(world: World, session: Session):
    payment = world.a.transaction(date(2026, 4, 2), 10_00, dispute="yes")
    match(session, world.merchant_id, transactions=[payment], role=ClaimRole.CHARGEBACK, at=BEFORE)

    assert service.dashboard(session, [world.a.shop.id], TODAY).chargebacks == Totals()
