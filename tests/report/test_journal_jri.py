"""The chargeback journal (JRI) on a real database: payments captured by the batch, the
bank's chargeback lines imported, runs of the real engine at chosen instants, and the
journal's lines — every column, the bank's reason, the day a match belongs to, matches
undone, chargeback lines no payment is matched to, and one shop never seeing another's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import openpyxl
import pytest

from pointage.formats.journals.csv_writer import write_csv
from pointage.formats.journals.layouts_bank import JRI_LAYOUT
from pointage.formats.journals.model import JournalKind
from pointage.formats.journals.xlsx_writer import write_xlsx
from pointage.reconciliation.service.manual import unmatch
from pointage.report.journals.bank_lines import reason_of
from tests.reconciliation.run_builders import MONDAY, import_lines, other_line, shop_with_contract
from tests.report.journal_bank_data import (
    capture,
    chargeback,
    documented_columns,
    journal,
    matches,
    rows,
    run_at,
    shared_line,
)

TUESDAY = date(2026, 3, 10)
RUN_AT = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def disputed(session, monkeypatch):
    """Monday's payment A-0 taken back on Monday 9 March with the bank's reason, and a
    chargeback line naming no payment of the merchant; one run on Tuesday morning."""
    setup = shop_with_contract(session)
    captured = capture(session, setup, MONDAY, [10_000, 5_000], tag="A")
    payment = captured.transactions[0]
    stranger = other_line(-999, "IMPAYE CARTE XXXX9999", date(2026, 3, 9), code="38")
    import_lines(
        session,
        setup.merchant.id,
        [chargeback(payment, date(2026, 3, 9), reason="4853 LITIGE COMMERCIAL"), stranger],
    )
    run_at(session, monkeypatch, setup, RUN_AT)
    return setup, captured


def test_each_payment_taken_back_is_a_line_with_every_column(session, disputed) -> None:
    setup, captured = disputed
    payment = captured.transactions[0]
    (match,) = matches(session)

    lines = rows(journal(session, JournalKind.JRI, setup.shop, TUESDAY))

    assert lines == [
        {
            "SHOP_ID": "12345678",
            "CONTRACT": "C12345678",
            "PAYMENT_DATE": MONDAY,
            "TRANSACTION_UUID": payment.uuid,
            "TRANSACTION_ID": payment.transaction_id,
            "ORDER_ID": "A-0",
            "CARD_NUMBER": "497010XXXXXX0044",
            "AMOUNT": 10_000,
            "CURRENCY": "EUR",
            "CHARGEBACK_DATE": date(2026, 3, 9),
            "BANK_LABEL": "IMPAYE CARTE XXXX0044",
            "BANK_REFERENCE": f"IMP{payment.transaction_id}",
            "REASON": "4853 LITIGE COMMERCIAL",
            "MATCH_ORIGIN": "engine",
            "MATCH_ID": match.id,
        }
    ]
    assert match.rule == "chargeback"


def test_a_line_belongs_to_the_shops_local_day_its_match_was_made(
    session, monkeypatch, disputed
) -> None:
    setup, captured = disputed
    other = captured.transactions[1]
    import_lines(
        session, setup.merchant.id, [chargeback(other, TUESDAY, reason=None)], name="2.txt"
    )
    # 23:30 UTC on Tuesday is Wednesday 00:30 in Paris.
    run_at(session, monkeypatch, setup, datetime(2026, 3, 10, 23, 30, tzinfo=UTC))

    tuesday = rows(journal(session, JournalKind.JRI, setup.shop, TUESDAY))
    wednesday = rows(journal(session, JournalKind.JRI, setup.shop, date(2026, 3, 11)))

    assert [line["ORDER_ID"] for line in tuesday] == ["A-0"]
    assert [(line["ORDER_ID"], line["REASON"]) for line in wednesday] == [("A-1", None)]
    assert rows(journal(session, JournalKind.JRI, setup.shop, MONDAY, date(2026, 3, 9))) == []


def test_an_undone_chargeback_match_leaves_the_journal(session, disputed) -> None:
    setup, _captured = disputed
    (match,) = matches(session)

    unmatch(session, setup.merchant.id, match.id, "test", "not this payment")

    assert rows(journal(session, JournalKind.JRI, setup.shop, TUESDAY)) == []


def test_a_shop_never_sees_the_chargebacks_of_another_shop_on_the_same_account(
    session, monkeypatch
) -> None:
    shared = shared_line(session, monkeypatch, datetime(2026, 3, 6, 10, 0, tzinfo=UTC))
    mine, theirs = shared.mine.transactions[0], shared.theirs.transactions[1]
    import_lines(
        session,
        shared.setup.merchant.id,
        [
            chargeback(mine, date(2026, 3, 9), reason="4837"),
            chargeback(theirs, TUESDAY, reason=None),
        ],
        name="impayes.txt",
    )
    run_at(session, monkeypatch, shared.setup, RUN_AT)

    assert [
        (line["SHOP_ID"], line["TRANSACTION_UUID"])
        for line in rows(journal(session, JournalKind.JRI, shared.setup.shop, TUESDAY))
    ] == [("12345678", mine.uuid)]
    assert [
        (line["SHOP_ID"], line["CONTRACT"], line["TRANSACTION_UUID"])
        for line in rows(journal(session, JournalKind.JRI, shared.other, TUESDAY))
    ] == [("87654321", "C87654321", theirs.uuid)]


@pytest.mark.parametrize(
    ("label", "details", "reason"),
    [
        ("IMPAYE CARTE XXXX0044", ["CDE A-1", "MOTIF 4837 FRAUDE"], "4837 FRAUDE"),
        ("IMPAYE MOTIF: 4808 AUTORISATION", [], "4808 AUTORISATION"),
        ("IMPAYE CARTE XXXX0044", ["motif 4853"], "4853"),
        ("IMPAYE CARTE XXXX0044", ["CDE A-1", "MOTIFS DIVERS"], None),
        ("IMPAYE CARTE XXXX0044", [], None),
    ],
)
def test_the_reason_is_what_follows_motif_in_a_complement_or_the_label(
    label, details, reason
) -> None:
    assert reason_of(label, [{"qualifier": "LIB", "text": text} for text in details]) == reason


def test_the_journal_as_the_gateways_csv_and_as_a_workbook(session, disputed, tmp_path) -> None:
    setup, captured = disputed
    payment = captured.transactions[0]
    (match,) = matches(session)
    document = journal(session, JournalKind.JRI, setup.shop, TUESDAY)

    assert write_csv(document, tmp_path / "JRI.csv", encoding="iso-8859-15") == 1
    assert (
        write_xlsx(journal(session, JournalKind.JRI, setup.shop, TUESDAY), tmp_path / "JRI.xlsx")
        == 1
    )

    assert (tmp_path / "JRI.csv").read_text(encoding="iso-8859-15").splitlines() == [
        "TITRE;Shop 12345678;26/03/20_06:00:00;POINTAGE_JRI_V1",
        "ENTETE;SHOP_ID;CONTRACT;PAYMENT_DATE;TRANSACTION_UUID;TRANSACTION_ID;ORDER_ID;"
        "CARD_NUMBER;AMOUNT;CURRENCY;CHARGEBACK_DATE;BANK_LABEL;BANK_REFERENCE;REASON;"
        "MATCH_ORIGIN;MATCH_ID",
        f"CHARGEBACK;12345678;C12345678;20260302;{payment.uuid};{payment.transaction_id};A-0;"
        f"497010XXXXXX0044;10000;978;20260309;IMPAYE CARTE XXXX0044;"
        f"IMP{payment.transaction_id};4853 LITIGE COMMERCIAL;engine;{match.id}",
        "FIN;1",
    ]
    sheet = openpyxl.load_workbook(tmp_path / "JRI.xlsx", data_only=True).active
    titles = [cell.value for cell in sheet[2]]
    line = dict(zip(titles, (cell.value for cell in sheet[3]), strict=True))
    totals = dict(zip(titles, (cell.value for cell in sheet[4]), strict=True))
    assert (line["Amount taken back"], line["Currency"], line["Reason"]) == (
        100,
        "EUR",
        "4853 LITIGE COMMERCIAL",
    )
    assert line["Chargeback value date"].date() == date(2026, 3, 9)
    assert (totals["Shop id"], totals["Amount taken back"]) == ("Total EUR (1 line)", 100)


def test_every_column_is_documented_in_order_with_its_workbook_title() -> None:
    assert documented_columns("chargeback-journal.md") == [
        (column.name, column.title) for column in JRI_LAYOUT.columns
    ]
