"""The transaction journal parser: the golden file, then one bad input per row of a table."""

# The bad-input table reads best as one case per line, however long.
# ruff: noqa: E501

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pointage.core.statuses import DetailedStatus, OperationType
from pointage.formats.transaction_journal import (
    JournalError,
    JournalRow,
    JournalTitle,
    parse,
)

GOLDEN = Path(__file__).parent.parent / "data" / "journal" / "JT_BOUTIQUE_DEMO_12345678_260302.csv"
TITLE = "TITRE;BOUTIQUE DEMO;26/03/03_01:55:00;TABLE_V_CUSTOM"
HEADER = (
    "ENTETE;SHOP_ID;TRANSACTION_UUID;TRANSACTION_ID;TRANSACTION_DATE;TRANSACTION_TYPE;"
    "AMOUNT;CURRENCY;TRANSACTION_STATUS;CARD_NUMBER;PARENT_TRANSACTION_UUID"
)
UUID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
GOOD = (
    f"TRANSACTION;12345678;{UUID};000001;20260302091504;DEBIT;4990;978;CAPTURED;497010XXXXXX0044;"
)


def items(text: str) -> list[object]:
    return list(parse(text.encode("utf-8"), filename="jt.csv"))


def errors(text: str) -> list[JournalError]:
    return [item for item in items(text) if isinstance(item, JournalError)]


def journal(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_golden_file_gives_its_title_and_every_transaction() -> None:
    parsed = list(parse(GOLDEN.read_bytes(), filename=GOLDEN.name))

    assert parsed[0] == JournalTitle(
        1, "BOUTIQUE DEMO", datetime(2026, 3, 3, 1, 55, tzinfo=UTC), "TABLE_V_CUSTOM"
    )
    rows = parsed[1:]
    assert all(isinstance(row, JournalRow) for row in rows)
    assert [row.line for row in rows] == [3, 4, 5, 6, 7]  # type: ignore[union-attr]
    first, second, _, refund, verification = rows
    assert first == JournalRow(
        line=3,
        shop_id="12345678",
        uuid="0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        transaction_id="000001",
        created_at=datetime(2026, 3, 2, 9, 15, 4, tzinfo=UTC),
        operation_type=OperationType.DEBIT,
        amount_minor=4990,
        original_amount_minor=4990,
        currency="EUR",
        detailed_status=DetailedStatus.CAPTURED,
        order_id="CMD-1001",
        customer_reference="cust-17",
        card_brand="CB",
        card_masked="497010XXXXXX0044",
        authorisation_number="3fc3db",
        expected_capture_date=date(2026, 3, 2),
        contract_number="C12345678",
        parent_uuid=None,
    )
    assert second.original_amount_minor == 15000  # type: ignore[union-attr]
    assert second.contract_number is None  # type: ignore[union-attr]
    assert refund.parent_uuid == first.uuid  # type: ignore[union-attr]
    assert verification.amount_minor == 0  # type: ignore[union-attr]
    assert verification.expected_capture_date is None  # type: ignore[union-attr]


def test_columns_are_found_by_name_in_any_order_and_unknown_ones_ignored() -> None:
    header = "ENTETE;EXTRA;CURRENCY;AMOUNT;TRANSACTION_STATUS;TRANSACTION_TYPE;TRANSACTION_DATE;TRANSACTION_ID;TRANSACTION_UUID;SHOP_ID"
    row = f"TRANSACTION;whatever;EUR;1234;AUTHORISED;DEBIT;20260302120000;abc123;{UUID};12345678"

    (_, parsed) = items(journal(TITLE, header, row))

    assert isinstance(parsed, JournalRow)
    assert (parsed.amount_minor, parsed.currency, parsed.transaction_id) == (1234, "EUR", "abc123")
    assert parsed.card_masked is None and parsed.order_id is None


def test_latin1_file_is_read_as_latin1() -> None:
    header = HEADER + ";ORDER_ID"
    text = journal(TITLE, header, GOOD + ";Commande été")

    (_, row) = list(parse(text.encode("latin-1"), filename="jt.csv"))

    assert isinstance(row, JournalRow)
    assert row.order_id == "Commande été"


def test_crlf_line_endings_and_trailing_blank_lines_are_accepted() -> None:
    text = "\r\n".join([TITLE, HEADER, GOOD, "FIN;1", "", ""])

    parsed = list(parse(text.encode(), filename="jt.csv"))

    assert [type(item) for item in parsed] == [JournalTitle, JournalRow]
    assert parsed[1].card_masked == "497010XXXXXX0044"  # type: ignore[union-attr]


def test_decoded_lines_can_be_given_instead_of_bytes() -> None:
    parsed = list(parse([TITLE + "\n", HEADER + "\n", GOOD + "\n"], filename="jt.csv"))

    assert [type(item) for item in parsed] == [JournalTitle, JournalRow]


def test_a_journal_without_transactions_is_valid() -> None:
    assert errors(journal(TITLE, HEADER, "FIN;0")) == []


def test_every_bad_field_of_a_row_is_reported_with_its_column() -> None:
    row = f"TRANSACTION;1234;{UUID};000001;20260302091504;DEBIT;12a;XXX;CAPTURED;497010XXXXXX0044;"

    found = [str(error) for error in errors(journal(TITLE, HEADER, row))]

    assert found == [
        "jt.csv:3: SHOP_ID (column 2): shop id must be 8 digits, got '1234'",
        "jt.csv:3: AMOUNT (column 7): amount must be digits (minor units of the currency), got '12a'",
        "jt.csv:3: CURRENCY (column 8): unknown ISO 4217 currency 'XXX'",
    ]


def replace_field(position: int, value: str) -> str:
    fields = GOOD.split(";")
    fields[position] = value
    return ";".join(fields)


# (what, file text, expected line, expected column label or None, words in the message)
BAD_INPUTS = [
    ("wrong field count", journal(TITLE, HEADER, GOOD + ";extra"), 3, None, "expected 11 fields"),
    ("unknown record type", journal(TITLE, HEADER, "DETAIL;x"), 3, "record type", "unknown record type 'DETAIL'"),
    ("transaction before header", journal(TITLE, GOOD, HEADER), 2, None, "before the ENTETE"),
    ("missing required column", journal(TITLE, HEADER.replace(";AMOUNT", ""), GOOD), 2, None, "required column AMOUNT is missing"),
    ("amount with letters", journal(TITLE, HEADER, replace_field(6, "49x0")), 3, "AMOUNT", "must be digits"),
    ("amount with decimals", journal(TITLE, HEADER, replace_field(6, "49.905")), 3, "AMOUNT", "whole minor units"),
    ("zero amount payment", journal(TITLE, HEADER, replace_field(6, "0")), 3, None, "above zero"),
    ("unknown currency", journal(TITLE, HEADER, replace_field(7, "999")), 3, "CURRENCY", "unknown ISO 4217 currency '999'"),
    ("impossible date", journal(TITLE, HEADER, replace_field(4, "20260230091504")), 3, "TRANSACTION_DATE", "YYYYMMDDhhmmss"),
    ("short date", journal(TITLE, HEADER, replace_field(4, "2026-03-02")), 3, "TRANSACTION_DATE", "YYYYMMDDhhmmss"),
    ("unknown status", journal(TITLE, HEADER, replace_field(8, "PAID")), 3, "TRANSACTION_STATUS", "unknown transaction status 'PAID'"),
    ("unknown type", journal(TITLE, HEADER, replace_field(5, "REFUND")), 3, "TRANSACTION_TYPE", "DEBIT, CREDIT or VERIFICATION"),
    ("uppercase uuid", journal(TITLE, HEADER, replace_field(2, UUID.upper())), 3, "TRANSACTION_UUID", "32 lowercase hexadecimal"),
    ("short uuid", journal(TITLE, HEADER, replace_field(2, UUID[:30])), 3, "TRANSACTION_UUID", "32 lowercase hexadecimal"),
    ("refund without payment", journal(TITLE, HEADER, replace_field(5, "CREDIT")), 3, None, "must name its payment"),
    ("badly masked card", journal(TITLE, HEADER, replace_field(9, "4970XXXX0044")), 3, "CARD_NUMBER", "masked card number"),
    ("empty file", "", 1, None, "the file is empty"),
    ("blank file", "\n\n", 1, None, "the file is empty"),
    ("no title", journal(HEADER, GOOD), 1, None, "must begin with a TITRE"),
    ("bad title date", journal("TITRE;X;2026-03-03;V1", HEADER, GOOD), 1, "sent at", "YY/MM/DD_hh:mm:ss"),
    ("no header", journal(TITLE), 1, None, "no ENTETE record"),
    ("column named twice", journal(TITLE, HEADER + ";AMOUNT", GOOD + ";1"), 2, "AMOUNT", "named twice"),
    ("fin count wrong", journal(TITLE, HEADER, GOOD, "FIN;2"), 4, None, "FIN announces 2"),
    ("record after fin", journal(TITLE, HEADER, "FIN;0", GOOD), 4, None, "nothing may follow the FIN"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_is_an_error_naming_line_and_column(
    text: str, line: int, column: str | None, words: str
) -> None:
    found = errors(text)

    assert found, "expected an error"
    assert (found[0].line, found[0].column) == (line, column)
    assert words in found[0].message
    assert str(found[0]).startswith(f"jt.csv:{line}: ")


@pytest.mark.parametrize("pan", ["4970101234560044", "4970 1012 3456 0044"])
def test_a_full_card_number_is_refused_without_being_echoed(pan: str) -> None:
    found = errors(journal(TITLE, HEADER, replace_field(9, pan)))

    assert [error.column for error in found] == ["CARD_NUMBER"]
    assert "full card number" in found[0].message
    assert "1234560044" not in str(found[0]) and "3456" not in str(found[0])


def test_errors_are_values_and_good_rows_around_them_still_come() -> None:
    text = journal(TITLE, HEADER, GOOD, replace_field(6, "x"), replace_field(2, "f" * 32))

    kinds = [type(item).__name__ for item in items(text)]

    assert kinds == ["JournalTitle", "JournalRow", "JournalError", "JournalRow"]
