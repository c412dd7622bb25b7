"""The reconciliation export end to end: the books of a real batch, statement import and
reconciliation run, written as a workbook and read back cell by cell with openpyxl —
every line against the database, the cells' types and formats, the evidence, the summary
against what the database says, the ageing on a controlled clock, and an empty export."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import select

from pointage.payment.models import Transaction
from pointage.remittance.models import Remittance
from pointage.report.export import ExportFilters, export_reconciliation
from pointage.report.export import service as export_service
from pointage.shop.models import Contract, Shop
from pointage.statement.models import StatementEntry
from tests.report.export.books import RUN_DAY, STATEMENT
from tests.report.export.reading import lines, summary_tables, summary_value

EUR_FORMAT = '#,##0.00\\ "EUR";\\-#,##0.00\\ "EUR"'
USD_FORMAT = '#,##0.00\\ "USD";\\-#,##0.00\\ "USD"'


def export(session_factory, tmp_path, filters=None, *, today=RUN_DAY, **options):
    path = tmp_path / "reconciliation.xlsx"
    return export_reconciliation(
        session_factory, filters or ExportFilters(), path, today=today, **options
    )


def midnight(day: date) -> datetime:
    """A date as openpyxl reads a date cell back."""
    return datetime(day.year, day.month, day.day)  # noqa: DTZ001 - spreadsheets hold no zone


def database_lines(session):
    rows = session.execute(
        select(Transaction, Shop.shop_id, Contract.number, Remittance)
        .join(Shop, Shop.id == Transaction.shop_id)
        .outerjoin(Contract, Contract.id == Transaction.contract_id)
        .outerjoin(Remittance, Remittance.id == Transaction.remittance_id)
    ).all()
    return {
        tx.uuid: (tx, shop_id, contract, remittance) for tx, shop_id, contract, remittance in rows
    }


def test_every_transaction_is_one_line_as_the_database_has_it(data, session, session_factory,
                                                               tmp_path):  # fmt: skip
    result = export(session_factory, tmp_path)
    written = lines(result.path)
    expected = database_lines(session)
    assert result.rows == len(written) == len(expected) == 9
    assert sorted(line["Transaction UUID"] for line in written) == sorted(expected)
    for line in written:
        tx, shop_id, contract, remittance = expected[line["Transaction UUID"]]
        assert line["Shop"] == shop_id
        assert line["Order"] == tx.order_id
        assert line["Transaction id"] == tx.transaction_id
        assert line["Payment date"] == midnight(tx.transaction_date)
        assert line["Amount"] == pytest.approx(tx.amount_minor / 100)
        assert line["Currency"] == tx.currency
        assert line["Operation"] == tx.operation_type
        assert line["Status"] == tx.status
        assert line["Contract"] == contract
        assert line["Reconciliation status"] == tx.reconciliation_status
        assert line["Dispute"] == tx.dispute_flag
        if remittance is None:
            assert line["Remittance"] is line["Expected credit"] is None
        else:
            assert line["Remittance"] == remittance.number
            assert line["Remittance date"] == midnight(remittance.remittance_date)
            assert line["Expected credit"] == midnight(remittance.expected_credit_date)


def test_a_reconciled_line_shows_its_bank_entry_and_evidence(data, session, session_factory,
                                                             tmp_path):  # fmt: skip
    entry = session.scalars(
        select(StatementEntry).where(StatementEntry.amount_minor == data.paid.expected_credit_minor)
    ).one()
    session.commit()  # ends the read: on SQLite it holds the lock the export's reads take
    written = lines(export(session_factory, tmp_path).path)
    paid = [line for line in written if line["Remittance"] == data.paid.number
            and line["Shop"] == data.a.shop.shop_id and line["Currency"] == "EUR"]  # fmt: skip
    assert len(paid) == 2
    for line in paid:
        assert line["Reconciliation status"] == "reconciled"
        assert line["Bank entry"] == f"{STATEMENT} #{entry.record}"
        assert line["Bank label"] == entry.label
        assert line["Credited on"] == midnight(entry.value_date)
        assert line["Difference"] == 0 and line["Difference currency"] == "EUR"
        assert line["Evidence"].startswith("remittance_credit, score ")
        assert "reference " in line["Evidence"]
        assert "amount expected credit pass" in line["Evidence"]
        assert "value date pass" in line["Evidence"]
    assert sorted(line["Dispute"] for line in paid) == ["no", "yes"]  # the one taken back


def test_an_anomaly_shows_the_difference_and_why(data, session_factory, tmp_path):
    [line] = [x for x in lines(export(session_factory, tmp_path).path)
              if x["Reconciliation status"] == "anomaly"]  # fmt: skip
    assert line["Remittance"] == data.short.number
    assert line["Difference"] == pytest.approx(-1.00)
    assert "amount fail" in line["Evidence"]
    assert line["Evidence"].endswith("anomaly: credited 1.00 EUR less than expected")


def test_a_line_marked_by_hand_shows_who_decided_and_why(data, session_factory, tmp_path):
    [line] = [x for x in lines(export(session_factory, tmp_path).path)
              if x["Reconciliation status"] == "reconciled_manual"]  # fmt: skip
    assert line["Remittance"] == data.by_hand.number
    assert line["Evidence"].startswith("manual (without entry), score 0:")
    assert line["Evidence"].endswith("comment: paid by cheque")
    assert line["Bank entry"] is line["Credited on"] is None
    assert line["Difference"] == 0


def test_lines_awaiting_credit_have_no_bank_side(data, session_factory, tmp_path):
    awaiting = [x for x in lines(export(session_factory, tmp_path).path)
                if x["Reconciliation status"] in ("pending", "to_review")]  # fmt: skip
    assert len(awaiting) == 4
    for line in awaiting:
        assert line["Credited on"] is line["Bank entry"] is line["Evidence"] is None
        assert line["Difference"] is None


def test_cells_are_typed_with_their_currency_format(data, session_factory, tmp_path):
    path = export(session_factory, tmp_path).path
    sheet = openpyxl.load_workbook(path)["Transactions"]
    header = [cell.value for cell in sheet[1]]
    column = {title: index for index, title in enumerate(header)}
    formats = {}
    for row in sheet.iter_rows(min_row=2):
        amount = row[column["Amount"]]
        assert isinstance(amount.value, float | int)
        formats[row[column["Currency"]].value] = amount.number_format
        assert row[column["Payment date"]].number_format == "yyyy-mm-dd"
        assert isinstance(row[column["Payment date"]].value, datetime)
        remittance = row[column["Remittance"]].value
        assert remittance is None or isinstance(remittance, int)
    assert formats == {"EUR": EUR_FORMAT, "USD": USD_FORMAT}
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:U{sheet.max_row}"
    assert sheet.column_dimensions["U"].width == 90  # the evidence


def _database_totals(session):
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for status, currency, kind, amount in session.execute(
        select(
            Transaction.reconciliation_status,
            Transaction.currency,
            Transaction.operation_type,
            Transaction.amount_minor,
        )
    ):
        totals[(status, currency)][0] += 1
        totals[(status, currency)][1] += {"DEBIT": amount, "CREDIT": -amount}.get(kind, 0)
    return totals


def test_summary_totals_are_what_the_database_says(data, session, session_factory, tmp_path):
    path = export(session_factory, tmp_path).path
    status_table = summary_tables(path)["status"]
    totals = _database_totals(session)
    currencies = {currency for _, currency in totals}
    assert currencies == {"EUR", "USD"}
    statuses = ("not_applicable", "pending", "to_review", "reconciled", "reconciled_manual",
                "anomaly")  # fmt: skip
    assert set(status_table) == {(s, c) for s in statuses for c in currencies}
    for key, (count, amount) in status_table.items():
        expected_count, expected_minor = totals.get(key, (0, 0))
        assert (count, amount) == (expected_count, pytest.approx(expected_minor / 100))
    assert summary_value(path, "Transactions") == 9
    assert summary_value(path, "Ageing as of") == midnight(RUN_DAY)
    assert summary_value(path, "Filters") == "none: every transaction"


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        # Expected credits: USD and shop B's on Wed 4 March, C on Fri 6, D on Mon 9.
        (date(2026, 3, 5), {("0–1", "EUR"): (1, 40.0), ("not yet due", "EUR"): (2, 50.0),
                            ("0–1", "USD"): (1, 12.0)}),
        (date(2026, 3, 11), {("2–3", "EUR"): (2, 50.0), ("4–7", "EUR"): (1, 40.0),
                             ("4–7", "USD"): (1, 12.0)}),
        (date(2026, 3, 16), {("4–7", "EUR"): (2, 50.0), ("8+", "EUR"): (1, 40.0),
                             ("8+", "USD"): (1, 12.0)}),
    ],
)  # fmt: skip
def test_ageing_counts_business_days_since_the_expected_credit(
    data, session_factory, tmp_path, today, expected
):
    ageing = summary_tables(export(session_factory, tmp_path, today=today).path)["ageing"]
    buckets = ("not yet due", "0–1", "2–3", "4–7", "8+")
    assert set(ageing) == {(bucket, c) for bucket in buckets for c in ("EUR", "USD")}
    assert {key: value for key, value in ageing.items() if value[0]} == expected


def test_an_empty_export_is_a_header_and_a_zero_summary(data, session_factory, tmp_path):
    result = export(session_factory, tmp_path, ExportFilters(order_id="NO-SUCH-ORDER"))
    book = openpyxl.load_workbook(result.path)
    assert result.rows == 0
    assert book.sheetnames == ["Transactions", "Summary"]
    assert book["Transactions"].max_row == 1
    assert book["Transactions"]["A1"].value == "Shop"
    tables = summary_tables(result.path)
    assert len(tables["status"]) == 6
    assert all(value == (0, 0) and currency is None
               for (_, currency), value in tables["status"].items())  # fmt: skip
    assert all(value == (0, 0) for value in tables["ageing"].values())
    assert summary_value(result.path, "Transactions") == 0


def test_small_chunks_give_the_same_workbook(data, session_factory, tmp_path, monkeypatch):
    reads = []
    chunk = export_service.repository.transaction_chunk

    def counted(*args, **kwargs):
        rows = chunk(*args, **kwargs)
        reads.append(len(rows))
        return rows

    whole = lines(export(session_factory, tmp_path).path)
    monkeypatch.setattr(export_service.repository, "transaction_chunk", counted)
    path = export_reconciliation(
        session_factory, ExportFilters(), tmp_path / "small.xlsx", today=RUN_DAY, chunk_rows=2
    ).path
    assert reads == [2, 2, 2, 2, 1]  # 9 lines read two at a time, never all at once
    assert lines(path) == whole


def test_more_lines_than_a_sheet_holds_go_on_in_the_next(data, session_factory, tmp_path):
    result = export(session_factory, tmp_path, max_sheet_rows=4)
    book = openpyxl.load_workbook(result.path)
    assert book.sheetnames == ["Transactions", "Transactions 2", "Transactions 3", "Summary"]
    assert len(lines(result.path)) == 9
    assert summary_value(result.path, "Transactions") == 9


def test_a_failed_export_leaves_the_previous_file_and_nothing_else(
    data, session_factory, tmp_path, monkeypatch
):
    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / "reconciliation.xlsx"
    path.write_bytes(b"last month's export")

    def broken(*_args, **_kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr(export_service.repository, "matches", broken)
    with pytest.raises(RuntimeError):
        export_reconciliation(session_factory, ExportFilters(), path, today=RUN_DAY)
    assert path.read_bytes() == b"last month's export"
    assert [p.name for p in folder.iterdir()] == ["reconciliation.xlsx"]
