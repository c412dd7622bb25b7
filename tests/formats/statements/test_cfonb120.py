"""Reading CFONB 120 statements: the shared real files, the layout's corners, bad structure."""

from __future__ import annotations

import gc
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointage.formats.statements import cfonb120, cfonb120_lines
from pointage.formats.statements import parse as parse_any
from pointage.formats.statements.cfonb120_fields import complement_fields
from pointage.formats.statements.checks import balance_difference, balance_issues
from pointage.formats.statements.model import (
    ParseOptions,
    ParseResult,
    StatementFileError,
    StatementFormat,
)
from tests.formats.samples import SAMPLES_DIR

CFONB = SAMPLES_DIR / "cfonb120"
STRICT = ParseOptions()
LENIENT = ParseOptions(lenient=True)


def read(name: str, options: ParseOptions = STRICT) -> ParseResult:
    return cfonb120.parse((CFONB / name).read_bytes(), options)


def balance(amount: str, *, code: str = "01", day: str = "060420", currency: str = "EUR",
            decimals: str = "2", account: str = "00012345603") -> str:  # fmt: skip
    line = f"{code}10278    02204{currency:<3}{decimals} {account:<11}  {day}{'':50}{amount}{'':16}"
    assert len(line) == 120
    return line


def movement(amount: str, *, label: str = "PRLV SEPA ONLINE SAS", booked: str = "070420",
             valued: str = "070420", currency: str = "EUR", decimals: str = "2",
             account: str = "00012345603", code: str = "B1", entry_number: str = "",
             reference: str = "", internal: str = "6772", rejection: str = "",
             marks: str = "  ") -> str:  # fmt: skip
    line = (
        f"0410556{internal:<4}02204{currency:<3}{decimals} {account:<11}{code:<2}{booked}"
        f"{rejection:<2}{valued}{label:<31}  {entry_number:<7}{marks}{amount}{reference:<16}"
    )
    assert len(line) == 120
    return line


def complement(zone: str, *, account: str = "00012345603") -> str:
    """A 05 record whose positions 41–118 are `zone`."""
    return f"0510556677202204EUR2 {account:<11}B1070420{zone:<78}  "


def file(*records: str, end: str = "\r\n") -> bytes:
    return (end.join(records) + end).encode("latin-1")


OPENING = balance("0000000166956E")  # 16,695.65
CLOSING = balance("0000000166728F", code="07", day="070420")  # 16,672.86
DEBIT = movement("0000000000227R")  # -22.79


# The shared real files ------------------------------------------------------------------


def test_silarhi_complex_reads_eight_daily_statements_that_add_up():
    result = read("silarhi-complex-test.txt")
    assert result.format is StatementFormat.CFONB120
    assert result.issues == []
    assert [s.record for s in result.statements] == [1, 5, 9, 11, 15, 17, 23, 25]
    assert [len(s.entries) for s in result.statements] == [1, 2, 0, 1, 0, 1, 0, 0]
    assert all(balance_difference(s) == 0 for s in result.statements)
    first, second = result.statements[:2]
    assert (first.account.bank_code, first.account.branch_code) == ("10278", "02204")
    assert (first.account.account_number, first.account.currency) == ("00012345603", "EUR")
    assert first.account.iban is None
    assert first.opening_balance is not None and first.closing_balance is not None
    assert (first.opening_balance.amount_minor, first.opening_balance.date) == (
        1669565,
        date(2020, 4, 6),
    )
    assert first.closing_balance.amount_minor == 1667286
    [debit] = first.entries
    assert (debit.record, debit.amount_minor, debit.currency) == (2, -2279, "EUR")
    assert (debit.booking_date, debit.value_date) == (date(2020, 4, 7), date(2020, 4, 7))
    assert (debit.label, debit.bank_operation_code) == ("PRLV SEPA ONLINE SAS", "B1")
    assert debit.references == {
        "internal_code": "6772",
        "entry_number": "0000000",
        "commission_exemption": "0",
        "unavailability": "0",
    }
    [detail] = debit.details
    assert (detail.record, detail.qualifier, detail.text) == (3, "LIB", "DEDIBOX 3706114")
    assert [e.amount_minor for e in second.entries] == [-2011, -500000]
    invoice = result.statements[3].entries[0]
    assert (invoice.amount_minor, invoice.bank_operation_code) == (-11775, "62")
    assert (invoice.booking_date, invoice.value_date) == (date(2020, 4, 10), date(2020, 4, 1))
    assert invoice.references["entry_number"] == "0001692"
    assert invoice.references["commission_exemption"] == "1"
    # A day without movement whose 01 carries text in its reserved zones.
    last = result.statements[-1]
    assert last.opening_balance is not None and last.opening_balance.amount_minor == 58435302


def test_silarhi_non_strict_blank_entry_numbers_read_the_same_in_both_modes():
    # The "non-strict" file differs from the complex one only by blank entry-number zones,
    # which the layout allows ("numéro d'écriture … ou vide"): nothing is misplaced.
    strict, lenient = (
        read("silarhi-non-strict-test.txt"),
        read("silarhi-non-strict-test.txt", LENIENT),
    )
    assert strict == lenient
    assert strict.issues == []
    free, transfer = strict.statements[1].entries
    assert (free.amount_minor, free.references) == (-2011, {"internal_code": "6772"})
    assert (transfer.amount_minor, transfer.label) == (-500000, "VIR JOHNDOE / FOOBAR")


def test_silarhi_simple_and_unused_parts():
    simple = read("silarhi-simple-test.txt")
    assert simple.issues == []
    [statement] = simple.statements
    assert statement.opening_balance is not None and statement.closing_balance is not None
    assert statement.opening_balance.amount_minor == statement.closing_balance.amount_minor
    assert statement.closing_balance.date == date(2020, 4, 6)
    # Reserved zones filled with zeros and dates: tolerated, no issue.
    unused = read("silarhi-test-unused-parts.txt")
    assert unused.issues == []
    assert len(unused.statements) == 8
    assert [s.account.account_number for s in unused.statements[:3]] == [
        "00012345601",
        "00012345701",
        "00012345701",
    ]
    assert unused.statements[0].opening_balance is not None
    assert unused.statements[0].opening_balance.amount_minor == 1862
    assert unused.statements[-1].account.branch_code == "33600"
    assert all(balance_difference(s) == 0 for s in unused.statements)


def test_pennylane_example_two_accounts_with_complements():
    result = read("pennylane-example.txt")
    assert result.issues == []
    first, second = result.statements
    assert (first.record, second.record) == (1, 24)
    assert [e.record for e in first.entries] == [3, 16, 19]
    assert [e.amount_minor for e in first.entries] == [-3221, -1070, -790]
    assert [e.amount_minor for e in second.entries] == [9749, -1210, -790]
    assert balance_difference(first) == balance_difference(second) == 0
    assert first.closing_balance is not None and first.closing_balance.amount_minor == -24121
    assert second.closing_balance is not None and second.closing_balance.amount_minor == -16372
    direct_debit = first.entries[0]
    assert [(d.record, d.qualifier, d.text) for d in direct_debit.details] == [
        (4, "LIB", "MENSUEAUHTR13133"),
        (5, "LIB", "MENSUEAUHTR13DUP"),
        (6, "REF", "REFERENCE"),
        (7, "RCN", "OTHER REFERENCE                    PURPOSE"),
        (8, "NPY", "INTERNET SFR"),
        (9, "AAA", "INTERNETA AAA"),  # unknown qualifiers are kept as they are
        (10, "AAA", "INTERNETA ABB"),
        (11, "BBB", "INTERNETE BBB"),
        (12, "CCC", "INTERNETI CCC"),
        (13, None, None),
        (14, None, "N YEXAMPLE WITH EMPTY SPACE"),  # not a qualifier: raw text
        (15, None, "2'CEXAMPLE WITH OTHER COMBINATIONS"),
    ]
    assert direct_debit.details[2].references == {"PmtInfId": "REFERENCE"}
    assert direct_debit.details[3].references == {
        "EndToEndId": "OTHER REFERENCE",
        "Purpose": "PURPOSE",
    }
    assert first.entries[1].references["reference"] == "REFERENCE"
    commission = first.entries[2]
    assert (commission.label, commission.bank_operation_code) == (
        "F COMMISSION D INTERVENTION",
        "62",
    )


def test_pennylane_operation_alone_is_read_without_balances_and_said_so():
    result = read("pennylane-operation.txt")
    [statement] = result.statements
    assert statement.opening_balance is None and statement.closing_balance is None
    [entry] = statement.entries
    assert (entry.amount_minor, len(entry.details)) == (-3221, 4)
    [issue] = result.issues
    assert issue.record == 1 and "outside any statement" in issue.message


WITHOUT_01 = "has no ancien solde (01)"
ORPHAN_05 = "a complement (05) without"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pennylane-end_of_statement_without_beginning.txt", [(9, WITHOUT_01)]),
        ("pennylane-invalid_date.txt", [(1, "no valid date in 35–40 ('CART'"), (9, WITHOUT_01)]),
        ("pennylane-new_statement_without_previous_ended.txt", [(6, "a new statement (01)")]),
        ("pennylane-operation_already_defined.txt", [(1, "outside any statement")]),
        ("pennylane-operation_detail_without_operation.txt", [(3, ORPHAN_05)]),
        ("pennylane-operation_out_of_statement.txt", [(1, "outside any statement")]),
        ("pennylane-operation_unstarted.txt", [(n, ORPHAN_05) for n in range(1, 5)]),
    ],
)
def test_broken_pennylane_files_name_the_record(name, expected):
    issues = read(name).issues
    assert [issue.record for issue in issues] == [record for record, _ in expected]
    for issue, (_, words) in zip(issues, expected, strict=True):
        assert words in issue.message


def test_new_statement_without_previous_ended_keeps_both():
    first, second = read("pennylane-new_statement_without_previous_ended.txt").statements
    assert first.closing_balance is None and len(first.entries) == 1
    assert second.record == 6 and second.account.account_number == "00123456789"


def test_invalid_balance_date_keeps_the_amount():
    statement = read("pennylane-invalid_date.txt").statements[0]
    assert statement.opening_balance is not None
    assert (statement.opening_balance.amount_minor, statement.opening_balance.date) == (
        -19040,
        None,
    )


def test_movement_out_of_statement_gets_its_own_statement():
    outside, inside = read("pennylane-operation_out_of_statement.txt").statements
    assert (outside.record, outside.opening_balance, len(outside.entries)) == (1, None, 1)
    assert (inside.record, [e.record for e in inside.entries]) == (3, [5])


# Amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "minor"),
    [
        ("0000000000000{", 0),
        ("0000000000000}", 0),
        ("0000000000012{", 120),
        ("0000000000012A", 121),
        ("0000000000012I", 129),
        ("0000000000012}", -120),
        ("0000000000012J", -121),
        ("0000000000012R", -129),
        ("0000000000012a", 121),  # one layout document prints the signs in lower case
        ("0000000000012r", -129),
        ("9999999999999I", 99999999999999),
    ],
)
def test_signed_amounts(zone, minor):
    result = cfonb120.parse(file(OPENING, movement(zone)), STRICT)
    assert result.statements[0].entries[0].amount_minor == minor


@pytest.mark.parametrize(
    ("currency", "decimals", "zone", "minor"),
    [
        ("EUR", "2", "0000000012345E", 123455),
        ("EUR", "0", "0000000012345E", 12345500),
        ("EUR", "3", "0000000012345{", 12345),  # 123.450 EUR: exact in cents
        ("EUR", " ", "0000000012345E", 123455),  # blank: the currency's own decimals
        ("JPY", "0", "0000000012345E", 123455),
        ("JPY", "2", "0000000012340{", 1234),
        ("TND", "2", "0000000012345E", 1234550),
        ("TND", "3", "0000000012345E", 123455),
    ],
)
def test_number_of_decimals_is_converted_to_minor_units(currency, decimals, zone, minor):
    records = [
        balance("0000000000000{", currency=currency, decimals=decimals),
        movement(zone, currency=currency, decimals=decimals),
    ]
    statement = cfonb120.parse(file(*records), STRICT).statements[0]
    assert statement.entries[0].amount_minor == minor
    assert statement.entries[0].currency == currency


def test_amount_with_more_decimals_than_the_currency_is_an_issue():
    records = [OPENING, movement("0000000012345E", decimals="3"), CLOSING]
    result = cfonb120.parse(file(*records), STRICT)
    assert result.statements[0].entries == []
    [issue] = result.issues
    assert issue.record == 2
    assert "3 decimals" in issue.message and "left out" in issue.message


@pytest.mark.parametrize(
    "zone", ["0000000000227X", "00000000 0227R", "+000000000227R", "0000000000²27R"]
)
def test_unreadable_amount_leaves_the_movement_and_its_complements_out(zone):
    records = [OPENING, movement(zone), complement("     LIBSOME TEXT"), CLOSING]
    result = cfonb120.parse(file(*records), STRICT)
    assert result.statements[0].entries == []
    assert [(i.record, "no signed amount" in i.message) for i in result.issues] == [(2, True)]


# Layout of the file ----------------------------------------------------------------------

RECORDS = [OPENING, DEBIT, complement("     LIBDEDIBOX 3706114"), CLOSING]


def summary(result: ParseResult) -> list[object]:
    return [
        (s.record, [(e.record, e.amount_minor, [d.record for d in e.details]) for e in s.entries])
        for s in result.statements
    ]


@pytest.mark.parametrize("end", ["\r\n", "\n", "\r"])
def test_line_ends(end):
    result = cfonb120.parse(file(*RECORDS, end=end), STRICT)
    assert result.issues == []
    assert summary(result) == [(1, [(2, -2279, [3])])]


@pytest.mark.parametrize("piece", [1, 100, 250, 1 << 20])
@pytest.mark.parametrize(
    "ends", [("\r\n",), ("\n",), ("\r",), ("\r\n", "\n"), ("\n", "\r\n"), ("\r", "\r\n", "\n")]
)
def test_files_are_read_piece_by_piece_with_any_mix_of_line_ends(monkeypatch, piece, ends):
    monkeypatch.setattr(cfonb120_lines, "_PIECE", piece)
    lines = [OPENING, DEBIT, complement("     LIBX"), "", CLOSING] * 12
    data = "".join(line + ends[n % len(ends)] for n, line in enumerate(lines)).encode()
    result = cfonb120.parse(data, STRICT)
    assert result.issues == []
    assert summary(result) == [(5 * k + 1, [(5 * k + 2, -2279, [5 * k + 3])]) for k in range(12)]


def test_records_back_to_back_are_numbered_one_by_one():
    data = "".join(RECORDS).rstrip().encode("latin-1")  # and the last record's spaces stripped
    result = cfonb120.parse(data, STRICT)
    assert result.issues == []
    assert summary(result) == [(1, [(2, -2279, [3])])]
    assert result.statements[0].closing_balance is not None


def test_blank_lines_count_in_record_numbers():
    data = file("", OPENING, "", "   ", DEBIT, complement("     LIBX"), "", CLOSING, "\x1a")
    result = cfonb120.parse(data, STRICT)
    assert result.issues == []
    assert summary(result) == [(2, [(5, -2279, [6])])]


def test_trailing_spaces_stripped_by_a_tool():
    result = cfonb120.parse(file(*(record.rstrip() for record in RECORDS)), STRICT)
    assert result.issues == []
    assert summary(result) == [(1, [(2, -2279, [3])])]
    assert result.statements[0].entries[0].details[0].text == "DEDIBOX 3706114"


def test_several_records_on_one_line_share_its_number():
    data = file(OPENING, DEBIT + complement("     LIBX"), CLOSING)
    assert summary(cfonb120.parse(data, STRICT)) == [(1, [(2, -2279, [2])])]


def test_latin1_text_and_a_file_resaved_as_utf8():
    label = "PRÉLÈVEMENT ÉCHÉANCE"
    records = [OPENING, movement("0000000000227R", label=label), CLOSING]
    for encoding in ("latin-1", "utf-8"):
        data = "\r\n".join(records).encode(encoding)
        result = cfonb120.parse(data, STRICT)
        assert result.issues == []
        assert result.statements[0].entries[0].label == label


def test_utf8_byte_order_mark_is_skipped():
    result = cfonb120.parse(b"\xef\xbb\xbf" + file(*RECORDS), STRICT)
    assert result.issues == [] and summary(result) == [(1, [(2, -2279, [3])])]


def test_several_accounts_and_days():
    other = "00098765401"
    records = [
        OPENING, DEBIT, CLOSING,
        balance("0000000001000{", account=other), movement("0000000000050{", account=other),
        balance("0000000001050{", code="07", day="070420", account=other),
        balance("0000000166728F", day="070420"), balance("0000000166728F", code="07", day="080420"),
    ]  # fmt: skip
    result = cfonb120.parse(file(*records), STRICT)
    assert result.issues == []
    assert [(s.record, s.account.account_number, len(s.entries)) for s in result.statements] == [
        (1, "00012345603", 1),
        (4, other, 1),
        (7, "00012345603", 0),
    ]
    assert all(balance_difference(s) == 0 for s in result.statements)


def test_blank_currency_on_balances_takes_the_statements_currency():
    records = [
        balance("0000000000001{", currency="", decimals="0"),  # 10 USD, once USD is known
        movement("0000000000050{", currency="USD"),
        balance("0000000000150{", code="07", currency="", decimals="2"),
    ]
    result = cfonb120.parse(file(*records), STRICT)
    assert result.issues == []
    [statement] = result.statements
    assert statement.account.currency == "USD"
    assert statement.opening_balance is not None and statement.opening_balance.amount_minor == 1000
    assert balance_difference(statement) == 0


def test_blank_currency_everywhere_is_euro():
    records = [
        balance("0000000000100{", currency=""),
        balance("0000000000100{", code="07", currency=""),
    ]
    [statement] = cfonb120.parse(file(*records), STRICT).statements
    assert statement.account.currency == "EUR"
    assert statement.opening_balance is not None and statement.opening_balance.amount_minor == 1000


def test_movement_references_keep_only_filled_zones():
    line = movement("0000000000227R", entry_number=" 12345 ", reference="  REF 42 ",
                    internal="", rejection="07", marks="1 ")  # fmt: skip
    entry = cfonb120.parse(file(OPENING, line), STRICT).statements[0].entries[0]
    assert entry.references == {
        "rejection_code": "07",
        "entry_number": "12345",
        "commission_exemption": "1",
        "reference": "REF 42",
    }


def test_the_fast_and_the_careful_reading_agree():
    # The first movement of a date goes the careful way, the next ones the fast way.
    line = movement("0000000012345E", entry_number="0000042", reference="REMISE 7",
                    rejection="01", marks="01")  # fmt: skip
    detail = complement("     LIBREMISE CB 000042   ")
    result = cfonb120.parse(file(OPENING, line, detail, line, detail), STRICT)
    first, second = result.statements[0].entries
    assert first.record == 2 and second.record == 4
    first.record, first.details[0].record = second.record, second.details[0].record
    assert first == second
    assert complement_fields(detail) == ("LIB", "REMISE CB 000042", {})


def test_detail_with_old_layout_text_from_position_41():
    detail = complement("DONT TVA 11,39 EUR")
    entry = cfonb120.parse(file(OPENING, DEBIT, detail), STRICT).statements[0].entries[0]
    assert [(d.qualifier, d.text) for d in entry.details] == [(None, "DONT TVA 11,39 EUR")]


def test_detail_split_qualifiers():
    rum = complement(f"     RUM{'FR12ZZZ123456-MANDATE-1':<35}RCUR")
    entry = cfonb120.parse(file(OPENING, DEBIT, rum), STRICT).statements[0].entries[0]
    assert entry.details[0].references == {"MndtId": "FR12ZZZ123456-MANDATE-1", "SeqTp": "RCUR"}


# Structure problems ----------------------------------------------------------------------


def test_statement_without_closing_balance_at_end_of_file():
    result = cfonb120.parse(file(OPENING, DEBIT), STRICT)
    [issue] = result.issues
    assert issue.record == 1 and "no nouveau solde (07)" in issue.message
    assert result.statements[0].closing_balance is None


def test_closing_balance_of_another_account():
    result = cfonb120.parse(
        file(OPENING, DEBIT, balance("0000000000000{", code="07", account="X")), STRICT
    )
    [issue] = result.issues
    assert issue.record == 3 and "does not close" in issue.message
    assert result.statements[0].closing_balance is None


def test_movement_of_another_account_inside_a_statement():
    result = cfonb120.parse(
        file(OPENING, movement("0000000000227R", account="00099999999")), STRICT
    )
    first = result.issues[0]
    assert first.record == 2 and "is for account '00099999999'" in first.message
    assert len(result.statements[0].entries) == 1


def test_movement_in_another_currency_is_said():
    result = cfonb120.parse(
        file(OPENING, movement("0000000000227R", currency="USD"), CLOSING), STRICT
    )
    assert any(i.record == 2 and "in USD on an account in EUR" in i.message for i in result.issues)
    assert result.statements[0].entries[0].currency == "USD"


def test_unknown_currency_is_read_with_the_records_decimals():
    records = [
        balance("0000000000100{", currency="XXY"),
        balance("0000000000100{", code="07", currency="XXY"),
    ]
    result = cfonb120.parse(file(*records), STRICT)
    assert [i.record for i in result.issues] == [1]
    assert "unknown currency code 'XXY'" in result.issues[0].message
    assert result.statements[0].opening_balance is not None
    assert result.statements[0].opening_balance.amount_minor == 1000


def test_invalid_movement_dates_are_issues_and_the_movement_stays():
    result = cfonb120.parse(
        file(OPENING, movement("0000000000227R", booked="310220", valued="      ")), STRICT
    )
    assert [(i.record, "booking date" in i.message) for i in result.issues[:1]] == [(2, True)]
    assert [(i.record, "value date" in i.message) for i in result.issues[1:2]] == [(2, True)]
    entry = result.statements[0].entries[0]
    assert (entry.booking_date, entry.value_date, entry.amount_minor) == (None, None, -2279)


def test_unknown_record_code_is_ignored_with_an_issue():
    result = cfonb120.parse(file(OPENING, "03" + DEBIT[2:], DEBIT, CLOSING), STRICT)
    [issue] = result.issues
    assert issue.record == 2 and "unknown record code '03'" in issue.message
    assert len(result.statements[0].entries) == 1


@pytest.mark.parametrize(
    ("data", "record"),
    [
        (b"", None),
        (b"\r\n  \r\n", None),
        (b":20:STARTUMS\r\n:25:12345678\r\n", 1),
        (b"\r\n01 not a bank code", 2),
        (b"<?xml version='1.0'?><Document/>", 1),
    ],
)
def test_what_is_not_cfonb_at_all_is_refused(data, record):
    with pytest.raises(StatementFileError) as refused:
        cfonb120.parse(data, STRICT)
    assert refused.value.record == record
    assert "\n" not in refused.value.message


# Lenient mode ----------------------------------------------------------------------------

# The amount moved 10 characters to the left, over the entry number zone.
SHIFTED = DEBIT[:80] + "0000000000227R" + " " * 26


def test_strict_mode_leaves_a_misplaced_amount_out():
    result = cfonb120.parse(file(OPENING, SHIFTED, complement("     LIBX"), CLOSING), STRICT)
    assert result.statements[0].entries == []
    assert any(i.record == 2 and "no signed amount" in i.message for i in result.issues)
    assert balance_issues(result.statements[0])


def test_lenient_mode_reads_a_misplaced_amount_when_the_statement_adds_up():
    result = cfonb120.parse(file(OPENING, SHIFTED, complement("     LIBX"), CLOSING), LENIENT)
    [entry] = result.statements[0].entries
    assert (entry.amount_minor, entry.label, [d.text for d in entry.details]) == (
        -2279,
        "PRLV SEPA ONLINE SAS",
        ["X"],
    )
    assert "entry_number" not in entry.references  # its zone held the amount
    [issue] = result.issues
    assert issue.record == 2 and "positions 81–94" in issue.message and "leniently" in issue.message
    assert balance_issues(result.statements[0]) == []


def test_lenient_mode_refuses_an_amount_that_does_not_add_up():
    wrong_closing = balance("0000000166956E", code="07", day="070420")
    result = cfonb120.parse(file(OPENING, SHIFTED, wrong_closing), LENIENT)
    assert result.statements[0].entries == []
    [issue] = result.issues
    assert issue.record == 2 and "does not add up" in issue.message and "left out" in issue.message


def test_lenient_mode_needs_exactly_one_candidate():
    two = DEBIT[:48] + "X 0000000000227R LABEL    " + DEBIT[74:80] + "0000000000227R" + " " * 26
    result = cfonb120.parse(file(OPENING, two, CLOSING), LENIENT)
    assert result.statements[0].entries == []
    assert any("no signed amount" in i.message for i in result.issues)


# Through the format-independent entry point -----------------------------------------------


def test_detected_and_checked_through_the_statements_parse():
    result = parse_any((CFONB / "pennylane-example.txt").read_bytes())
    assert result.format is StatementFormat.CFONB120
    assert result.issues == []
    assert len(result.statements) == 2


# Whatever comes in ----------------------------------------------------------------------

SEEDS = [path.read_bytes() for path in sorted(CFONB.glob("*.txt"))] + [
    file(OPENING, SHIFTED, complement("     RCNE2E-1" + " " * 32 + "PURPOSE"), CLOSING),
    "".join(RECORDS).encode("latin-1"),
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        action = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "repeat"]))
        if action == "flip" and data:
            data[at] = draw(st.sampled_from(b"0123456789{}ABJR \r\n\x00\xe9\xb2"))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 130))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=130))
        elif action == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 250))]
    return bytes(data)


@settings(max_examples=400, deadline=None)
@given(data=mutated(), lenient=st.booleans())
def test_any_bytes_give_a_result_or_the_parsers_own_error(data, lenient):
    try:
        result = cfonb120.parse(data, ParseOptions(lenient=lenient))
    except StatementFileError as refused:
        assert refused.message and "\n" not in refused.message
        return
    for issue in result.issues:
        assert issue.message and "\n" not in issue.message
    for statement in result.statements:
        balance_issues(statement)  # the checks can describe whatever was read
        assert statement.account.currency
        for entry in statement.entries:
            assert entry.record >= statement.record
            assert all(detail.record >= entry.record for detail in entry.details)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        cfonb120.parse(file(*RECORDS), STRICT)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_objects_frozen_by_the_application_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        cfonb120.parse(file(*RECORDS), STRICT)
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
