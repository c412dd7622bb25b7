"""The export's filters: each one narrows the lines as its name says, they combine, the
summary names them, and a value that makes no sense is refused naming its parameter."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pointage.core.errors import InvalidInput, NotFound
from pointage.payment.models import Transaction
from pointage.remittance.models import Remittance
from pointage.report.export import ExportFilters, export_reconciliation, validated
from pointage.report.export.filters import day_of
from tests.report.export.books import RUN_DAY, SHOP_A, SHOP_B
from tests.report.export.reading import lines, summary_value


def orders(session_factory, tmp_path, **filters):
    path = tmp_path / "filtered.xlsx"
    export_reconciliation(session_factory, ExportFilters(**filters), path, today=RUN_DAY)
    return sorted(line["Order"] for line in lines(path))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"shop_ids": (SHOP_B,)}, ["ORDER-Z-2026-03-02-0"]),
        ({"date_from": date(2026, 3, 5)}, ["ORDER-D-2026-03-05-0", "ORDER-E-2026-03-06-0"]),
        ({"date_from": date(2026, 3, 3), "date_to": date(2026, 3, 4)},
         ["ORDER-B-2026-03-03-0", "ORDER-C-2026-03-04-0"]),
        ({"statuses": ("UNPAID",)}, ["REFUSED-1"]),
        ({"reconciliation_statuses": ("to_review",)}, ["ORDER-C-2026-03-04-0", "ORDER-USD-1"]),
        ({"reconciliation_statuses": ("anomaly", "reconciled_manual")},
         ["ORDER-B-2026-03-03-0", "ORDER-E-2026-03-06-0"]),
        ({"disputes": ("yes",)}, ["ORDER-A-2026-03-02-0"]),
        ({"disputes": ("na",)}, ["REFUSED-1"]),
        ({"order_id": "ORDER-D-2026-03-05-0"}, ["ORDER-D-2026-03-05-0"]),
        ({"amount_min": 5_000, "amount_max": 9_900},
         ["ORDER-A-2026-03-02-1", "ORDER-B-2026-03-03-0", "REFUSED-1"]),
        ({"amount_max": 1_500}, ["ORDER-E-2026-03-06-0", "ORDER-USD-1"]),
        ({"shop_ids": (SHOP_A,), "reconciliation_statuses": ("pending",)},
         ["ORDER-D-2026-03-05-0"]),
    ],
)  # fmt: skip
def test_each_filter_narrows_the_lines(data, session_factory, tmp_path, filters, expected):
    assert orders(session_factory, tmp_path, **filters) == expected


def test_remittance_number_names_that_remittance_of_every_contract(
    data, session, session_factory, tmp_path
):
    number = data.paid.number
    expected = sorted(
        session.scalars(
            select(Transaction.order_id)
            .join(Remittance, Remittance.id == Transaction.remittance_id)
            .where(Remittance.number == number)
        )
    )
    session.commit()  # ends the read before the export's own
    # Numbers run per contract: shop B's first remittance has the same number.
    assert "ORDER-Z-2026-03-02-0" in expected and len(expected) == 3
    assert orders(session_factory, tmp_path, remittance_number=number) == expected


def test_the_summary_names_the_filters(data, session_factory, tmp_path):
    path = tmp_path / "filtered.xlsx"
    filters = ExportFilters(
        shop_ids=(SHOP_A,),
        date_from=date(2026, 3, 1),
        reconciliation_statuses=("to_review",),
        amount_max=5_000,
    )
    export_reconciliation(session_factory, filters, path, today=RUN_DAY)
    assert summary_value(path, "Filters") == (
        "shop 12345678; transaction dates 2026-03-01 to the last day; "
        "reconciliation status to_review; amount up to 5000 (minor units)"
    )


def test_vocabularies_are_spelled_as_stored():
    filters = validated(
        ExportFilters(
            statuses=("paid", "PAID"),
            reconciliation_statuses=(" To_Review ",),
            disputes=("YES",),
            shop_ids=(SHOP_A, SHOP_A),
        )
    )
    assert filters.statuses == ("PAID",)
    assert filters.reconciliation_statuses == ("to_review",)
    assert filters.disputes == ("yes",)
    assert filters.shop_ids == (SHOP_A,)


@pytest.mark.parametrize(
    ("filters", "param"),
    [
        (ExportFilters(statuses=("PAYED",)), "status"),
        (ExportFilters(reconciliation_statuses=("done",)), "reconciliation_status"),
        (ExportFilters(disputes=("maybe",)), "dispute"),
        (ExportFilters(shop_ids=("1234",)), "shop"),
        (ExportFilters(date_from=date(2026, 3, 5), date_to=date(2026, 3, 4)), "from"),
        (ExportFilters(amount_min=-1), "amount_min"),
        (ExportFilters(amount_min=500, amount_max=499), "amount_min"),
        (ExportFilters(remittance_number=-2), "remittance_number"),
        (ExportFilters(order_id=""), "order_id"),
        (ExportFilters(order_id="x" * 65), "order_id"),
    ],
)
def test_nonsense_is_refused_naming_the_parameter(filters, param):
    with pytest.raises(InvalidInput) as refused:
        validated(filters)
    assert refused.value.param == param


def test_a_shop_that_does_not_exist_is_not_found(data, session_factory, tmp_path):
    with pytest.raises(NotFound) as missing:
        export_reconciliation(
            session_factory,
            ExportFilters(shop_ids=(SHOP_A, "99999999")),
            tmp_path / "never.xlsx",
            today=RUN_DAY,
        )
    assert missing.value.param == "shop"
    assert not (tmp_path / "never.xlsx").exists()


@pytest.mark.parametrize("value", ["2026-02-30", "30/03/2026", "2026-3-1", ""])
def test_a_day_is_a_calendar_date(value):
    with pytest.raises(InvalidInput) as refused:
        day_of(value, "to")
    assert refused.value.param == "to"


def test_test_mode_payments_are_left_out(data, session, session_factory, tmp_path):
    everything = orders(session_factory, tmp_path)
    tx = session.scalars(select(Transaction).where(Transaction.order_id == "REFUSED-1")).one()
    tx.mode = "TEST"
    session.commit()
    assert orders(session_factory, tmp_path) == [o for o in everything if o != "REFUSED-1"]
