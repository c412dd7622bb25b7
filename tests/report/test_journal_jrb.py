"""The reconciliation journal (JRB) on a real database: payments and a refund captured into
remittances by the batch, the bank's credits imported, a run of the real engine, and the
journal's lines — every column, the day a match belongs to, matches undone, transactions
reconciled alone, and commissions that add up to each remittance's fee."""

from __future__ import annotations

from datetime import UTC, date, datetime

import openpyxl
import pytest
from sqlalchemy import update

from pointage.formats.journals.csv_writer import write_csv
from pointage.formats.journals.layouts_bank import JRB_LAYOUT
from pointage.formats.journals.model import JournalKind
from pointage.formats.journals.xlsx_writer import write_xlsx
from pointage.reconciliation.service.manual import mark_reconciled_without_entry, unmatch
from pointage.shop.models import Contract
from tests.reconciliation.run_builders import MONDAY, import_lines, shop_with_contract
from tests.report.journal_bank_data import (
    capture,
    credit,
    credited_converted,
    documented_columns,
    journal,
    made_at,
    matches,
    rows,
    run_at,
)

# Friday 6 March 2026, 10:00 UTC (11:00 in Paris): the run that matches the credits.
RUN_AT = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
FRIDAY = date(2026, 3, 6)


@pytest.fixture
def week(session, monkeypatch):
    """Monday's remittance (two payments, a refund) credited exactly, Tuesday's one euro
    short, Wednesday's not yet; one run on Friday morning."""
    setup = shop_with_contract(session)
    first = capture(session, setup, MONDAY, [10_000, 5_000], tag="A", refunds=[(0, 2_000)])
    short = capture(session, setup, date(2026, 3, 3), [7_000], tag="B")
    waiting = capture(session, setup, date(2026, 3, 4), [3_000], tag="C")
    contract = setup.contract.number
    import_lines(
        session,
        setup.merchant.id,
        [
            credit(first.remittance, contract),
            credit(short.remittance, contract, amount=short.remittance.expected_credit_minor - 100),
        ],
    )
    run_at(session, monkeypatch, setup, RUN_AT)
    return setup, first, short, waiting


def test_each_reconciled_transaction_is_a_line_with_every_column(session, week) -> None:
    setup, first, short, _waiting = week
    credit_match, short_match = matches(session)

    lines = rows(journal(session, JournalKind.JRB, setup.shop, FRIDAY))

    payment, other, refund = first.transactions
    (late,) = short.transactions
    common = {
        "SHOP_ID": "12345678",
        "CONTRACT": "C12345678",
        "CURRENCY": "EUR",
        "DIFFERENCE_CURRENCY": "EUR",
    }
    assert lines == [
        common
        | {
            "PAYMENT_DATE": MONDAY,
            "TRANSACTION_UUID": tx.uuid,
            "TRANSACTION_ID": tx.transaction_id,
            "ORDER_ID": tx.order_id,
            "OPERATION_TYPE": kind,
            "REMITTANCE_DATE": MONDAY,
            "REMITTANCE_NUMBER": 1,
            "GROSS_AMOUNT": gross,
            "MATCH_STATUS": "reconciled",
            # 0.80 % + 0.05 per payment, rounded half up; a refund bears no fee.
            "NET_AMOUNT": net,
            "COMMISSION": fee,
            "CREDIT_DATE": date(2026, 3, 4),
            "BANK_REFERENCE": f"VIR{first.remittance.id:06d}",
            "BANK_LABEL": "REMISE CB 000001 C12345678",
            "MATCH_RULE": "remittance_credit",
            "MATCH_ID": credit_match.id,
            "DIFFERENCE": 0,
        }
        for tx, kind, gross, net, fee in (
            (payment, "DT", 10_000, 9_915, 85),
            (other, "DT", 5_000, 4_955, 45),
            (refund, "CT", 2_000, -2_000, 0),
        )
    ] + [
        common
        | {
            "PAYMENT_DATE": date(2026, 3, 3),
            "TRANSACTION_UUID": late.uuid,
            "TRANSACTION_ID": late.transaction_id,
            "ORDER_ID": "B-0",
            "OPERATION_TYPE": "DT",
            "REMITTANCE_DATE": date(2026, 3, 3),
            "REMITTANCE_NUMBER": 2,
            "GROSS_AMOUNT": 7_000,
            "MATCH_STATUS": "anomaly",
            "NET_AMOUNT": 6_939,
            "COMMISSION": 61,
            "CREDIT_DATE": date(2026, 3, 5),
            "BANK_REFERENCE": f"VIR{short.remittance.id:06d}",
            "BANK_LABEL": "REMISE CB 000002 C12345678",
            "MATCH_RULE": "remittance_credit",
            "MATCH_ID": short_match.id,
            "DIFFERENCE": -100,
        }
    ]


def test_the_lines_of_a_remittance_add_up_to_its_fee_and_its_net(session, week) -> None:
    setup, first, short, _waiting = week

    lines = rows(journal(session, JournalKind.JRB, setup.shop, FRIDAY))

    for remittance in (first.remittance, short.remittance):
        mine = [line for line in lines if line["REMITTANCE_NUMBER"] == remittance.number]
        assert sum(line["COMMISSION"] for line in mine) == remittance.fee_minor
        assert sum(line["NET_AMOUNT"] for line in mine) == remittance.net_minor


def test_commissions_still_add_up_when_the_schedule_changed_after_capture(session, week) -> None:
    setup, first, _short, _waiting = week
    # The acquirer's new price list applies to later remittances, not to those captured.
    session.execute(
        update(Contract).where(Contract.id == setup.contract.id).values(fee_rate_bp=120)
    )
    session.expire_all()

    lines = rows(journal(session, JournalKind.JRB, setup.shop, FRIDAY))

    mine = [line for line in lines if line["REMITTANCE_NUMBER"] == 1]
    assert sum(line["COMMISSION"] for line in mine) == first.remittance.fee_minor == 130
    assert sum(line["NET_AMOUNT"] for line in mine) == first.remittance.net_minor
    # The remittance's first payment carries what the new schedule misses: 10_000 at
    # 1.20 % + 5 is 125, 5_000 is 65; 130 - 190 = -60 on the first.
    assert [line["COMMISSION"] for line in mine] == [65, 65, 0]


def test_a_line_belongs_to_the_shops_local_day_its_match_was_made(
    session, monkeypatch, week
) -> None:
    setup, _first, _short, waiting = week
    contract = setup.contract.number
    import_lines(session, setup.merchant.id, [credit(waiting.remittance, contract)], name="2.txt")
    # 23:30 UTC on Friday is already Saturday 00:30 in Paris.
    run_at(session, monkeypatch, setup, datetime(2026, 3, 6, 23, 30, tzinfo=UTC))

    friday = rows(journal(session, JournalKind.JRB, setup.shop, FRIDAY))
    saturday = rows(journal(session, JournalKind.JRB, setup.shop, date(2026, 3, 7)))
    both = rows(journal(session, JournalKind.JRB, setup.shop, FRIDAY, date(2026, 3, 7)))

    assert [line["ORDER_ID"] for line in friday] == ["A-0", "A-1", "A-0", "B-0"]
    assert [line["ORDER_ID"] for line in saturday] == ["C-0"]
    assert both == friday + saturday
    assert rows(journal(session, JournalKind.JRB, setup.shop, date(2026, 3, 5))) == []


def test_an_undone_match_leaves_the_journal(session, week) -> None:
    setup, _first, _short, _waiting = week
    credit_match, _short_match = matches(session)

    unmatch(session, setup.merchant.id, credit_match.id, "test", "wrong line")

    lines = rows(journal(session, JournalKind.JRB, setup.shop, FRIDAY))
    assert [line["ORDER_ID"] for line in lines] == ["B-0"]


def test_a_transaction_reconciled_alone_by_a_person_shows_its_own_match(session, week) -> None:
    setup, _first, _short, waiting = week
    (payment,) = waiting.transactions
    marked = mark_reconciled_without_entry(
        session,
        setup.merchant.id,
        "alice",
        "paid by transfer",
        transaction_uuid=payment.uuid,
        today=FRIDAY,
    )
    made_at(session, marked, datetime(2026, 3, 6, 15, 0, tzinfo=UTC))

    lines = rows(journal(session, JournalKind.JRB, setup.shop, FRIDAY))

    (own,) = [line for line in lines if line["ORDER_ID"] == "C-0"]
    assert own["MATCH_STATUS"] == "reconciled_manual"
    assert (own["MATCH_ID"], own["MATCH_RULE"]) == (marked.id, "manual")
    assert (own["REMITTANCE_NUMBER"], own["COMMISSION"], own["NET_AMOUNT"]) == (3, 29, 2_971)
    assert (own["CREDIT_DATE"], own["BANK_LABEL"], own["BANK_REFERENCE"]) == (None, None, None)


def test_the_journal_as_the_gateways_csv(session, week, tmp_path) -> None:
    setup, first, short, _waiting = week
    credit_match, short_match = matches(session)
    path = tmp_path / "JRB.csv"

    written = write_csv(journal(session, JournalKind.JRB, setup.shop, FRIDAY), path)

    payment, other, refund = first.transactions
    (late,) = short.transactions
    bank = f"20260304;VIR{first.remittance.id:06d};REMISE CB 000001 C12345678;remittance_credit"
    assert written == 4
    assert path.read_text(encoding="utf-8").splitlines() == [
        "TITRE;Shop 12345678;26/03/20_06:00:00;POINTAGE_JRB_V1",
        "ENTETE;SHOP_ID;CONTRACT;PAYMENT_DATE;TRANSACTION_UUID;TRANSACTION_ID;ORDER_ID;"
        "OPERATION_TYPE;REMITTANCE_DATE;REMITTANCE_NUMBER;GROSS_AMOUNT;CURRENCY;MATCH_STATUS;"
        "NET_AMOUNT;COMMISSION;CREDIT_DATE;BANK_REFERENCE;BANK_LABEL;MATCH_RULE;MATCH_ID;"
        "DIFFERENCE;DIFFERENCE_CURRENCY",
        f"MATCHING;12345678;C12345678;20260302;{payment.uuid};{payment.transaction_id};A-0;DT;"
        f"20260302;1;10000;978;reconciled;9915;85;{bank};{credit_match.id};0;978",
        f"MATCHING;12345678;C12345678;20260302;{other.uuid};{other.transaction_id};A-1;DT;"
        f"20260302;1;5000;978;reconciled;4955;45;{bank};{credit_match.id};0;978",
        f"MATCHING;12345678;C12345678;20260302;{refund.uuid};{refund.transaction_id};A-0;CT;"
        f"20260302;1;2000;978;reconciled;-2000;0;{bank};{credit_match.id};0;978",
        f"MATCHING;12345678;C12345678;20260303;{late.uuid};{late.transaction_id};B-0;DT;"
        f"20260303;2;7000;978;anomaly;6939;61;20260305;VIR{short.remittance.id:06d};"
        f"REMISE CB 000002 C12345678;remittance_credit;{short_match.id};-100;978",
        "FIN;4",
    ]


def test_the_journal_as_a_workbook(session, week, tmp_path) -> None:
    setup, first, short, _waiting = week
    path = tmp_path / "JRB.xlsx"

    written = write_xlsx(journal(session, JournalKind.JRB, setup.shop, FRIDAY), path)

    sheet = openpyxl.load_workbook(path, data_only=True).active
    titles = [cell.value for cell in sheet[2]]
    first_line = dict(zip(titles, (cell.value for cell in sheet[3]), strict=True))
    totals = dict(zip(titles, (cell.value for cell in sheet[7]), strict=True))
    assert written == 4 and sheet.max_row == 7
    # Excel dates come back as midnight datetimes.
    assert first_line["Payment day"].date() == MONDAY
    assert first_line["Credit value date"].date() == date(2026, 3, 4)
    assert (first_line["Gross amount"], first_line["Net amount"]) == (100, 99.15)
    assert (first_line["Commission"], first_line["Remittance number"]) == (0.85, 1)
    assert totals["Shop id"] == "Total EUR (4 lines)"
    # The net of the two remittances, and their fees.
    net = first.remittance.net_minor + short.remittance.net_minor
    assert totals["Net amount"] == pytest.approx(net / 100)
    assert totals["Commission"] == pytest.approx(
        (first.remittance.fee_minor + short.remittance.fee_minor) / 100
    )


def test_a_difference_is_in_the_currency_of_the_bank_line(session, monkeypatch) -> None:
    setup, _captured = credited_converted(session, monkeypatch)
    (match,) = matches(session)

    (line,) = rows(journal(session, JournalKind.JRB, setup.shop, FRIDAY))

    assert (line["GROSS_AMOUNT"], line["CURRENCY"], line["COMMISSION"]) == (10_000, "USD", 85)
    assert (line["MATCH_RULE"], line["MATCH_STATUS"]) == ("foreign_currency_credit", "anomaly")
    assert (line["DIFFERENCE"], line["DIFFERENCE_CURRENCY"]) == (match.difference_minor, "EUR")
    assert match.difference_minor == -14


def test_every_column_is_documented_in_order_with_its_workbook_title() -> None:
    assert documented_columns("reconciliation-journal.md") == [
        (column.name, column.title) for column in JRB_LAYOUT.columns
    ]
