"""The operations journal (JO) on a real database: the merchant's operations of the shop's
local day, each with the transaction before and after."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.orm import Session

from pointage.formats.journals.csv_writer import write_csv
from pointage.formats.journals.layouts import JO_LAYOUT
from pointage.formats.journals.model import JournalKind
from pointage.formats.journals.xlsx_writer import write_xlsx
from pointage.payment import service as payments
from tests.report.jt_jo_data import (
    BACK_OFFICE,
    DAY,
    Day,
    build_day,
    documented_columns,
    journal,
    rows_of,
    utc,
)


@pytest.fixture
def day(session: Session) -> Day:
    return build_day(session)


def operations(
    session: Session, day: Day, start: date = DAY, end: date = DAY
) -> list[dict[str, object]]:
    return rows_of(journal(session, JournalKind.JO, day.shop, start, end))


def test_only_the_merchant_s_operations_of_the_local_day(session: Session, day: Day) -> None:
    rows = operations(session, day)
    # Not in it: creations (the gateway's), the batch's captures, and the cancellation at
    # 23:00 UTC, which is 3 March in Paris.
    assert [(row["OPERATION_TYPE"], row["OPERATION_DATE"]) for row in rows] == [
        ("VALIDATE", utc(2, 8, 30)),
        ("MODIFY", utc(2, 10, 30)),
        ("REFUND", utc(2, 22, 30)),
        ("DUPLICATE", utc(2, 22, 40)),
    ]
    next_day = operations(session, day, date(2026, 3, 3), date(2026, 3, 3))
    assert [row["OPERATION_TYPE"] for row in next_day] == ["CANCEL"]
    assert len(operations(session, day, date(2026, 3, 1), date(2026, 3, 3))) == 5


def test_a_validation_from_the_back_office(session: Session, day: Day) -> None:
    validation = operations(session, day)[0]
    payment = day.to_validate
    assert validation == {
        "SHOP_ID": "12345678",
        "OPERATION_DATE": utc(2, 8, 30),
        "OPERATION_TYPE": "VALIDATE",
        "SOURCE": "BACK_OFFICE",
        "USER": "alice@boutique.fr",
        "TRANSACTION_UUID": payment.uuid,
        "TRANSACTION_ID": payment.transaction_id,
        "TRANSACTION_DATE": DAY,
        "ORDER_ID": "CMD-1004",
        "AMOUNT_BEFORE": 10_000,
        "AMOUNT_AFTER": 10_000,
        "CURRENCY": "EUR",
        "STATUS_BEFORE": "AUTHORISED_TO_VALIDATE",
        "STATUS_AFTER": "AUTHORISED",
        "PRESENTATION_DATE_BEFORE": date(2026, 3, 6),
        "PRESENTATION_DATE_AFTER": date(2026, 3, 6),
        "NEW_TRANSACTION_UUID": None,
        "NEW_TRANSACTION_ID": None,
        "COMMENT": "client connu",
    }


def test_a_modification_through_the_api_keeps_amount_and_date_before_and_after(
    session: Session, day: Day
) -> None:
    modification = operations(session, day)[1]
    assert (modification["SOURCE"], modification["USER"]) == ("API", "api:12345678")
    assert modification["TRANSACTION_UUID"] == day.deferred.uuid
    assert (modification["AMOUNT_BEFORE"], modification["AMOUNT_AFTER"]) == (10_000, 8_000)
    assert (modification["PRESENTATION_DATE_BEFORE"], modification["PRESENTATION_DATE_AFTER"]) == (
        date(2026, 3, 5),
        date(2026, 3, 4),
    )


def test_a_refund_and_a_duplicate_name_the_payment_and_the_new_transaction(
    session: Session, day: Day
) -> None:
    refund, duplicate = operations(session, day)[2:]
    payment = day.captured
    for row, created in ((refund, day.refund), (duplicate, day.duplicate)):
        assert (row["TRANSACTION_UUID"], row["TRANSACTION_ID"]) == (
            payment.uuid,
            payment.transaction_id,
        )
        assert row["ORDER_ID"] == "CMD-1001"  # the payment's
        assert (row["NEW_TRANSACTION_UUID"], row["NEW_TRANSACTION_ID"]) == (
            created.uuid,
            created.transaction_id,
        )
        assert row["AMOUNT_BEFORE"] is None and row["STATUS_BEFORE"] is None
        assert row["STATUS_AFTER"] == "AUTHORISED"
    assert refund["AMOUNT_AFTER"] == 2_500
    assert duplicate["AMOUNT_AFTER"] == 10_000


def test_the_csv_has_operation_records_and_a_fin_count(
    session: Session, day: Day, tmp_path: Path
) -> None:
    document = journal(session, JournalKind.JO, day.shop, date(2026, 3, 3), date(2026, 3, 3))
    assert write_csv(document, tmp_path / "jo.csv") == 1
    lines = (tmp_path / "jo.csv").read_text(encoding="utf-8").split("\n")
    cancelled = day.cancelled
    assert lines[0] == "TITRE;Shop 12345678;26/03/03_01:00:00;POINTAGE_JO_V1"
    assert lines[1] == "ENTETE;" + ";".join(column.name for column in JO_LAYOUT.columns)
    assert lines[2:] == [
        f"OPERATION;12345678;20260302230000;CANCEL;API;api:12345678;{cancelled.uuid};"
        f"{cancelled.transaction_id};20260302;CMD-1005;10000;10000;978;AUTHORISED;CANCELLED;"
        "20260306;20260306;;;rupture, de stock à regret",
        "FIN;1",
        "",
    ]


def test_the_xlsx_reads_the_same_operations(session: Session, day: Day, tmp_path: Path) -> None:
    assert write_xlsx(journal(session, JournalKind.JO, day.shop), tmp_path / "jo.xlsx") == 4
    sheet = openpyxl.load_workbook(tmp_path / "jo.xlsx").active
    assert [sheet.cell(row, 3).value for row in range(3, 7)] == [
        "VALIDATE",
        "MODIFY",
        "REFUND",
        "DUPLICATE",
    ]
    assert sheet["K4"].value == 80  # the modified amount, in euros
    assert sheet["A7"].value == "Total EUR (4 lines)"


def test_another_shop_s_operations_are_not_in_it(session: Session, day: Day) -> None:
    other = day.other_shop
    payments.cancel(session, other, BACK_OFFICE, now=utc(2, 15))
    session.flush()
    assert {row["TRANSACTION_UUID"] for row in operations(session, day)}.isdisjoint({other.uuid})


def test_every_column_is_documented_in_order_with_its_workbook_title() -> None:
    assert documented_columns("operations-journal.md", after="") == [
        (column.name, column.title) for column in JO_LAYOUT.columns
    ]


def test_operations_on_test_mode_payments_are_not_in_it(session: Session, day: Day) -> None:
    day.to_validate.mode = "TEST"
    session.flush()
    kinds = [row["OPERATION_TYPE"] for row in operations(session, day)]
    assert kinds == ["MODIFY", "REFUND", "DUPLICATE"]
