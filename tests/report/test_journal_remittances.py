"""The remittance journal (suivi des remises) on a real database: remittances captured by
the batch, credits imported and matched by runs of the real engine at chosen instants, and
the journal's lines — every column, the status of each remittance, which remittances a
period lists, and one shop never seeing another's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import openpyxl
import pytest

from pointage.formats.journals.csv_writer import write_csv
from pointage.formats.journals.layouts_bank import REMITTANCES_LAYOUT
from pointage.formats.journals.model import JournalKind
from pointage.formats.journals.xlsx_writer import write_xlsx
from tests.factories import make_shop
from tests.reconciliation.run_builders import MONDAY, import_lines, shop_with_contract
from tests.report.journal_bank_data import (
    capture,
    credit,
    credited_converted,
    documented_columns,
    journal,
    matches,
    rows,
    run_at,
    shared_line,
)

FRIDAY = date(2026, 3, 6)


def _at(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=UTC)


@pytest.fixture
def remittances(session, monkeypatch):
    """Three remittances of the week before (one never credited, one credited and matched
    that week, one matched on Tuesday 3 March) and three of the week of 2 March (credited,
    credited one euro short, not credited)."""
    setup = shop_with_contract(session)
    contract = setup.contract.number
    made = {
        tag: capture(session, setup, day, payments, tag=tag, refunds=refunds).remittance
        for tag, day, payments, refunds in (
            ("O", date(2026, 2, 25), [4_000], []),
            ("D", date(2026, 2, 26), [2_500], []),
            ("L", date(2026, 2, 27), [1_500], []),
            ("A", MONDAY, [10_000, 5_000], [(0, 2_000)]),
            ("B", date(2026, 3, 3), [7_000], []),
            ("C", date(2026, 3, 4), [3_000], []),
        )
    }
    import_lines(session, setup.merchant.id, [credit(made["D"], contract)], name="1.txt")
    run_at(session, monkeypatch, setup, _at(28, 2))
    import_lines(session, setup.merchant.id, [credit(made["L"], contract)], name="2.txt")
    run_at(session, monkeypatch, setup, _at(3))
    short = credit(made["B"], contract, amount=made["B"].expected_credit_minor - 100)
    import_lines(session, setup.merchant.id, [credit(made["A"], contract), short], name="3.txt")
    run_at(session, monkeypatch, setup, _at(6))
    return setup, made


def test_each_remittance_is_a_line_with_every_column(session, remittances) -> None:
    setup, made = remittances
    by_remittance = {m.id: m for m in matches(session)}
    assert len(by_remittance) == 4

    lines = rows(journal(session, JournalKind.REMITTANCES, setup.shop, MONDAY, FRIDAY))

    common = {"SHOP_ID": "12345678", "CONTRACT": "C12345678", "CURRENCY": "EUR"}
    _done, late, first, short = sorted(by_remittance.values(), key=lambda m: m.id)
    assert lines == [
        common
        | {
            "REMITTANCE_NUMBER": number,
            "REMITTANCE_DATE": made[tag].remittance_date,
            "PAYMENT_COUNT": payments,
            "REFUND_COUNT": refunds,
            "GROSS_AMOUNT": gross,
            "REFUND_AMOUNT": refunded,
            "COMMISSION": fee,
            "NET_AMOUNT": net,
            "EXPECTED_CREDIT_AMOUNT": net,
            "EXPECTED_CREDIT_DATE": expected,
            "CREDIT_DATE": credited,
            "BANK_REFERENCE": f"VIR{made[tag].id:06d}" if match else None,
            "BANK_LABEL": f"REMISE CB {number:06d} C12345678" if match else None,
            "STATUS": status,
            "MATCH_ID": match.id if match else None,
            "DIFFERENCE": match.difference_minor if match else None,
            "DIFFERENCE_CURRENCY": "EUR" if match else None,
        }
        for tag, number, payments, refunds, gross, refunded, fee, net, expected, credited,
            status, match in (
            ("O", 1, 1, 0, 4_000, 0, 37, 3_963, date(2026, 2, 27), None, "to_review", None),
            ("L", 3, 1, 0, 1_500, 0, 17, 1_483, date(2026, 3, 3), date(2026, 3, 3),
             "reconciled", late),
            ("A", 4, 2, 1, 15_000, 2_000, 130, 12_870, date(2026, 3, 4), date(2026, 3, 4),
             "reconciled", first),
            ("B", 5, 1, 0, 7_000, 0, 61, 6_939, date(2026, 3, 5), date(2026, 3, 5),
             "anomaly", short),
            ("C", 6, 1, 0, 3_000, 0, 29, 2_971, date(2026, 3, 6), None, "to_review", None),
        )
    ]  # fmt: skip
    assert short.difference_minor == -100


def test_an_earlier_remittance_is_listed_until_the_period_its_credit_is_matched_in(
    session, remittances
) -> None:
    setup, _made = remittances

    def listed(first: date, last: date) -> list[str]:
        document = journal(session, JournalKind.REMITTANCES, setup.shop, first, last)
        return [f"{line['REMITTANCE_NUMBER']}:{line['STATUS']}" for line in rows(document)]

    # Matched on 28 February, before the week began: remittance 2 is not listed in it.
    assert listed(date(2026, 2, 26), date(2026, 2, 26)) == ["1:to_review", "2:reconciled"]
    assert listed(MONDAY, MONDAY) == ["1:to_review", "3:reconciled", "4:reconciled"]
    # Remittances 4 and 5, matched on Friday, were still awaiting their credit on Wednesday.
    assert listed(date(2026, 3, 4), date(2026, 3, 4)) == [
        "1:to_review",
        "4:reconciled",
        "5:anomaly",
        "6:to_review",
    ]
    assert listed(date(2026, 3, 9), date(2026, 3, 13)) == ["1:to_review", "6:to_review"]


@pytest.mark.parametrize(
    ("generated_at", "status"),
    [
        # 23:30 in Paris on Tuesday 10 March: still within the grace period.
        (datetime(2026, 3, 10, 22, 30, tzinfo=UTC), "pending"),
        # 00:30 in Paris on Wednesday 11 March: overdue.
        (datetime(2026, 3, 10, 23, 30, tzinfo=UTC), "to_review"),
    ],
)
def test_a_remittance_without_credit_is_overdue_by_the_shops_day_the_journal_is_made(
    session, remittances, generated_at, status
) -> None:
    setup, _made = remittances
    # Wednesday 4 March's remittance, expected on Friday 6, is overdue from Wednesday 11
    # (two business days of grace); the one of 25 February has been since 4 March.
    document = journal(
        session,
        JournalKind.REMITTANCES,
        setup.shop,
        date(2026, 3, 9),
        date(2026, 3, 10),
        generated_at=generated_at,
    )
    assert [(line["REMITTANCE_NUMBER"], line["STATUS"]) for line in rows(document)] == [
        (1, "to_review"),
        (6, status),
    ]


def test_a_remittance_with_nothing_to_credit_is_listed_on_its_own_date_only(session) -> None:
    setup = make_shop(session, shop_id="11112222", fee_rate_bp=0, fee_fixed_minor=0)
    capture(session, setup, date(2026, 2, 27), [5_000], tag="R", refunds=[(0, 5_000)])

    on_its_day = rows(journal(session, JournalKind.REMITTANCES, setup.shop, date(2026, 2, 27)))
    after = rows(journal(session, JournalKind.REMITTANCES, setup.shop, MONDAY))

    assert [
        (line["NET_AMOUNT"], line["EXPECTED_CREDIT_AMOUNT"], line["STATUS"]) for line in on_its_day
    ] == [(0, 0, "not_applicable")]
    assert after == []


def test_a_shop_never_sees_the_remittances_of_another_shop_on_the_same_line(
    session, monkeypatch
) -> None:
    shared = shared_line(session, monkeypatch, _at(6))

    mine = rows(journal(session, JournalKind.REMITTANCES, shared.setup.shop, MONDAY))
    theirs = rows(journal(session, JournalKind.REMITTANCES, shared.other, MONDAY))

    assert [(line["SHOP_ID"], line["CONTRACT"], line["GROSS_AMOUNT"]) for line in mine] == [
        ("12345678", "C12345678", 10_000)
    ]
    assert [(line["SHOP_ID"], line["CONTRACT"], line["GROSS_AMOUNT"]) for line in theirs] == [
        ("87654321", "C87654321", 10_000)
    ]
    for line in mine + theirs:
        assert (line["STATUS"], line["MATCH_ID"]) == ("reconciled_manual", shared.match.id)
        assert line["BANK_LABEL"] == "REMISE CB C12345678 C87654321"


def test_the_journal_as_the_gateways_csv_and_as_a_workbook(session, remittances, tmp_path) -> None:
    setup, made = remittances
    (_done, late, first, _short) = matches(session)

    def document():
        return journal(session, JournalKind.REMITTANCES, setup.shop, MONDAY)

    assert write_csv(document(), tmp_path / "R.csv") == 3
    assert write_xlsx(document(), tmp_path / "R.xlsx") == 3

    lines = (tmp_path / "R.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "TITRE;Shop 12345678;26/03/20_06:00:00;POINTAGE_REMITTANCES_V1"
    assert lines[1] == (
        "ENTETE;SHOP_ID;CONTRACT;REMITTANCE_NUMBER;REMITTANCE_DATE;PAYMENT_COUNT;REFUND_COUNT;"
        "GROSS_AMOUNT;REFUND_AMOUNT;COMMISSION;NET_AMOUNT;EXPECTED_CREDIT_AMOUNT;CURRENCY;"
        "EXPECTED_CREDIT_DATE;CREDIT_DATE;BANK_REFERENCE;BANK_LABEL;STATUS;MATCH_ID;DIFFERENCE;"
        "DIFFERENCE_CURRENCY"
    )
    assert lines[2:] == [
        "REMITTANCE;12345678;C12345678;1;20260225;1;0;4000;0;37;3963;3963;978;20260227;;;;"
        "to_review;;;",
        "REMITTANCE;12345678;C12345678;3;20260227;1;0;1500;0;17;1483;1483;978;20260303;"
        f"20260303;VIR{made['L'].id:06d};REMISE CB 000003 C12345678;reconciled;"
        f"{late.id};0;978",
        "REMITTANCE;12345678;C12345678;4;20260302;2;1;15000;2000;130;12870;12870;978;20260304;"
        f"20260304;VIR{made['A'].id:06d};REMISE CB 000004 C12345678;reconciled;{first.id};0;978",
        "FIN;3",
    ]
    sheet = openpyxl.load_workbook(tmp_path / "R.xlsx", data_only=True).active
    titles = [cell.value for cell in sheet[2]]
    totals = dict(zip(titles, (cell.value for cell in sheet[6]), strict=True))
    assert (totals["Payments"], totals["Refunds"]) == (4, 1)
    assert totals["Gross amount"] == pytest.approx(205)
    assert totals["Net amount"] == pytest.approx(183.16)
    assert totals["Expected credit"] == pytest.approx(183.16)


def test_a_difference_is_in_the_currency_of_the_bank_line(session, monkeypatch) -> None:
    setup, captured = credited_converted(session, monkeypatch)

    (line,) = rows(journal(session, JournalKind.REMITTANCES, setup.shop, MONDAY))

    assert (line["NET_AMOUNT"], line["CURRENCY"]) == (captured.remittance.net_minor, "USD")
    assert (line["STATUS"], line["DIFFERENCE"], line["DIFFERENCE_CURRENCY"]) == (
        "anomaly",
        -14,
        "EUR",
    )


def test_every_column_is_documented_in_order_with_its_workbook_title() -> None:
    assert documented_columns("remittance-journal.md") == [
        (column.name, column.title) for column in REMITTANCES_LAYOUT.columns
    ]
