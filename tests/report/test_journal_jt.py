"""The transaction journal (JT) on a real database: which transactions, every column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from pointage.formats.journals.csv_writer import write_csv
from pointage.formats.journals.layouts import JT_LAYOUT
from pointage.formats.journals.model import JournalKind
from tests.report.jt_jo_data import (
    DAY,
    GENERATED,
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


def test_the_journal_lists_the_shop_s_transactions_of_its_local_day_oldest_first(
    session: Session, day: Day
) -> None:
    document = journal(session, JournalKind.JT, day.shop)
    assert document.layout is JT_LAYOUT
    assert (document.shop_label, document.shop_id) == ("Shop 12345678", "12345678")
    assert (document.period_start, document.period_end, document.generated_at) == (
        DAY,
        DAY,
        GENERATED,
    )
    uuids = [row["TRANSACTION_UUID"] for row in rows_of(document)]
    # 1 March 23:30 UTC is 2 March in Paris; 2 March 23:05 UTC is 3 March there.
    assert uuids == [
        t.uuid
        for t in (
            day.early,
            day.to_validate,
            day.captured,
            day.deferred,
            day.refused,
            day.cancelled,
            day.refund,
            day.duplicate,
        )
    ]
    next_day = rows_of(
        journal(session, JournalKind.JT, day.shop, date(2026, 3, 3), date(2026, 3, 3))
    )
    assert [row["TRANSACTION_UUID"] for row in next_day] == [day.late.uuid]


def test_a_period_of_several_days(session: Session, day: Day) -> None:
    rows = rows_of(journal(session, JournalKind.JT, day.shop, date(2026, 3, 1), date(2026, 3, 3)))
    assert len(rows) == 9
    assert day.other_shop.uuid not in {row["TRANSACTION_UUID"] for row in rows}


def test_a_captured_payment_with_its_remittance(session: Session, day: Day) -> None:
    rows = {
        row["TRANSACTION_UUID"]: row for row in rows_of(journal(session, JournalKind.JT, day.shop))
    }
    captured = day.captured
    assert rows[captured.uuid] == {
        "SHOP_ID": "12345678",
        "TRANSACTION_UUID": captured.uuid,
        "TRANSACTION_ID": captured.transaction_id,
        "TRANSACTION_DATE": utc(2, 9, 15),
        "TRANSACTION_TYPE": "DEBIT",
        "AMOUNT": 10_000,
        "ORIGINAL_AMOUNT": 10_000,
        "CURRENCY": "EUR",
        "TRANSACTION_STATUS": "CAPTURED",
        "ORDER_ID": "CMD-1001",
        "CUSTOMER_ID": None,
        "CARD_TYPE": "CB",
        "CARD_NUMBER": "497010XXXXXX0044",
        "AUTHORIZATION_NUMBER": "123456",
        "PRESENTATION_DATE": DAY,
        "CONTRACT": "C12345678",
        "PARENT_TRANSACTION_UUID": None,
        "CAPTURE_DATE": utc(2, 22),  # the batch's cut-off: 23:00 in Paris
        "REMITTANCE_NUMBER": 1,
        "REMITTANCE_DATE": DAY,
        "RECONCILIATION_STATUS": "pending",
        "DISPUTE": "no",
        "DUPLICATED_FROM_UUID": None,
    }


def test_refunds_name_their_payment_and_duplicates_their_origin(session: Session, day: Day) -> None:
    rows = {
        row["TRANSACTION_UUID"]: row for row in rows_of(journal(session, JournalKind.JT, day.shop))
    }
    refund, duplicate = rows[day.refund.uuid], rows[day.duplicate.uuid]
    assert (refund["TRANSACTION_TYPE"], refund["AMOUNT"], refund["TRANSACTION_STATUS"]) == (
        "CREDIT",
        2_500,
        "AUTHORISED",
    )
    assert refund["PARENT_TRANSACTION_UUID"] == day.captured.uuid
    assert refund["DUPLICATED_FROM_UUID"] is None
    assert (duplicate["TRANSACTION_TYPE"], duplicate["ORDER_ID"]) == ("DEBIT", "CMD-2001")
    assert duplicate["PARENT_TRANSACTION_UUID"] is None
    assert duplicate["DUPLICATED_FROM_UUID"] == day.captured.uuid
    # Not captured yet: no capture, no remittance.
    assert [refund[name] for name in ("CAPTURE_DATE", "REMITTANCE_NUMBER", "REMITTANCE_DATE")] == [
        None
    ] * 3


def test_statuses_amounts_and_dates_as_they_are_now(session: Session, day: Day) -> None:
    rows = {
        row["TRANSACTION_UUID"]: row for row in rows_of(journal(session, JournalKind.JT, day.shop))
    }
    deferred, refused = rows[day.deferred.uuid], rows[day.refused.uuid]
    assert (deferred["AMOUNT"], deferred["ORIGINAL_AMOUNT"]) == (8_000, 10_000)  # modified
    assert deferred["PRESENTATION_DATE"] == date(2026, 3, 4)
    assert (refused["TRANSACTION_STATUS"], refused["RECONCILIATION_STATUS"]) == (
        "REFUSED",
        "not_applicable",
    )
    assert rows[day.to_validate.uuid]["TRANSACTION_STATUS"] == "AUTHORISED"
    assert rows[day.cancelled.uuid]["TRANSACTION_STATUS"] == "CANCELLED"


def test_rows_stream_from_the_database(session: Session, day: Day) -> None:
    document = journal(session, JournalKind.JT, day.shop)
    rows = iter(document.rows)
    assert rows is document.rows  # an iterator read as it is written, not a list
    assert next(rows)[1] == day.early.uuid


def test_an_empty_day_writes_a_journal_without_lines(
    session: Session, day: Day, tmp_path: Path
) -> None:
    document = journal(session, JournalKind.JT, day.shop, date(2026, 2, 1), date(2026, 2, 1))
    assert write_csv(document, tmp_path / "jt.csv") == 0
    lines = (tmp_path / "jt.csv").read_text().splitlines()
    assert lines == ["TITRE;Shop 12345678;26/03/03_01:00:00;POINTAGE_JT_V1", lines[1]]
    assert lines[1].startswith("ENTETE;SHOP_ID;TRANSACTION_UUID;")


def test_the_stored_day_decides_even_after_the_shop_changes_its_time_zone(
    session: Session, day: Day
) -> None:
    before = [
        row["TRANSACTION_UUID"] for row in rows_of(journal(session, JournalKind.JT, day.shop))
    ]
    day.shop.timezone = "America/New_York"  # 2 March there is 05:00 UTC to 05:00 UTC
    session.flush()
    after = [row["TRANSACTION_UUID"] for row in rows_of(journal(session, JournalKind.JT, day.shop))]
    assert after == before
    assert day.early.uuid in after  # 1 March 23:30 UTC: 1 March in New York, 2 March in Paris


def test_every_column_is_documented_in_order_with_its_workbook_title() -> None:
    assert documented_columns("transaction-journal.md", after="## What Pointage writes") == [
        (column.name, column.title) for column in JT_LAYOUT.columns
    ]


def test_test_mode_payments_are_not_in_the_journal(session: Session, day: Day) -> None:
    day.captured.mode = "TEST"
    session.flush()
    uuids = [row["TRANSACTION_UUID"] for row in rows_of(journal(session, JournalKind.JT, day.shop))]
    assert day.captured.uuid not in uuids and day.early.uuid in uuids
