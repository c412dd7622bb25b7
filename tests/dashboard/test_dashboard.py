"""The dashboard as a whole: its period, its shops, and what it refuses."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from pointage.core.errors import InvalidInput
from pointage.dashboard import service
from pointage.dashboard.figures import Totals
from tests.dashboard.conftest import World


def test_the_period_is_the_month_to_date_unless_given(world: World, session: Session):
    figures = service.dashboard(session, [world.a.shop.id], date(2026, 5, 26))
    first = service.dashboard(session, [world.a.shop.id], date(2026, 6, 1))

    assert (figures.period_first, figures.period_last) == (date(2026, 5, 1), date(2026, 5, 26))
    assert (first.period_first, first.period_last) == (date(2026, 6, 1), date(2026, 6, 1))


def test_a_period_that_ends_before_it_starts_is_refused(world: World, session: Session):
    period = service.Period(date(2026, 5, 10), date(2026, 5, 9))

    with pytest.raises(InvalidInput) as refused:
        service.dashboard(session, [world.a.shop.id], date(2026, 5, 26), period)

    assert refused.value.param == "from"


def test_shops_that_do_not_exist_show_nothing(world: World, session: Session):
    world.a.transaction(date(2026, 5, 26), 100_00, reconciliation="anomaly")
    world.a.remittance(date(2026, 5, 25), 1_000, expected_on=date(2026, 5, 27))

    for shops in ([], [world.a.shop.id + world.b.shop.id + 1_000]):
        figures = service.dashboard(session, shops, date(2026, 5, 26))

        assert figures.today_volumes.payments == Totals()
        assert figures.awaiting_credit.total == Totals()
        assert figures.anomalies == Totals()
        assert figures.forecast.days[1].totals == Totals()
        assert figures.reconciliation.due == 0
        assert figures.open_suggestions == 0
