"""A shop's reconciliation journal never shows another shop's transactions, even when one
bank line credits the remittances of both."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pointage.formats.journals.model import JournalKind
from tests.report.journal_bank_data import journal, rows, shared_line

CONFIRMED_AT = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
FRIDAY = date(2026, 3, 6)


def test_each_shop_sees_only_its_own_transactions_of_a_shared_credit(session, monkeypatch) -> None:
    shared = shared_line(session, monkeypatch, CONFIRMED_AT)

    mine = rows(journal(session, JournalKind.JRB, shared.setup.shop, FRIDAY))
    theirs = rows(journal(session, JournalKind.JRB, shared.other, FRIDAY))

    assert [line["TRANSACTION_UUID"] for line in mine] == [
        tx.uuid for tx in shared.mine.transactions
    ]
    assert [line["TRANSACTION_UUID"] for line in theirs] == [
        tx.uuid for tx in shared.theirs.transactions
    ]
    assert {line["SHOP_ID"] for line in mine} == {"12345678"}
    assert {(line["SHOP_ID"], line["CONTRACT"]) for line in theirs} == {("87654321", "C87654321")}
    for line in mine + theirs:
        assert line["MATCH_ID"] == shared.match.id
        assert line["MATCH_RULE"] == "grouped_credit"
        assert line["MATCH_STATUS"] == "reconciled_manual"
        assert line["BANK_LABEL"] == "REMISE CB C12345678 C87654321"
        assert line["CREDIT_DATE"] == date(2026, 3, 4)
    # Each shop's commissions add up to its own remittance's fee.
    assert sum(line["COMMISSION"] for line in mine) == shared.mine.remittance.fee_minor
    assert sum(line["COMMISSION"] for line in theirs) == shared.theirs.remittance.fee_minor
