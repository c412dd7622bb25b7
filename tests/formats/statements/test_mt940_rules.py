"""MT940/MT942: each reading rule on a small text written for it."""

from __future__ import annotations

import gc
from datetime import date
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointage.formats.statements.model import (
    ParseOptions,
    ParseResult,
    StatementFileError,
    StatementFormat,
    StatementKind,
)
from pointage.formats.statements.mt940 import parse
from tests.formats.samples import SAMPLES_DIR

HEAD = ":20:REF\n:25:NL91ABNA0417164300\n:28C:7/1\n:60F:C240102EUR100,00\n"
TAIL = ":62F:C240102EUR100,00\n-\n"
REPORT_HEAD = ":20:REF\n:25:NL91ABNA0417164300\n:28C:7/1\n:34F:EUR0,\n:13D:2401021730+0100\n"


def read(text: str | bytes) -> ParseResult:
    return parse(text.encode() if isinstance(text, str) else text, ParseOptions())


def statement(*fields: str) -> str:
    return HEAD + "".join(f"{field}\n" for field in fields) + TAIL


def messages(result: ParseResult) -> list[tuple[int | None, str]]:
    return [(issue.record, issue.message) for issue in result.issues]


def only_entry(text: str):
    (entry,) = read(text).statements[0].entries
    return entry


@pytest.mark.parametrize(
    ("mark", "amount", "reversal", "status"),
    [
        ("C", 1234, False, None),
        ("D", -1234, False, None),
        ("RC", -1234, True, None),  # reversal of a credit: a debit entry
        ("RD", 1234, True, None),  # reversal of a debit: a credit entry
        ("EC", 1234, False, "PDNG"),  # expected credit (MT942)
        ("ED", -1234, False, "PDNG"),
        ("CR", 1234, False, None),  # C with the funds code R (3rd letter of EUR)
        ("RDR", 1234, True, None),
    ],
)
def test_debit_credit_marks(mark, amount, reversal, status):
    entry = only_entry(statement(f":61:2401020102{mark}12,34NTRFNONREF"))
    assert (entry.amount_minor, entry.reversal, entry.status) == (amount, reversal, status)


@pytest.mark.parametrize(
    ("value", "entry_date", "booked"),
    [
        ("231231", "0102", date(2024, 1, 2)),  # booked in the next year
        ("240102", "1231", date(2023, 12, 31)),  # booked in the year before
        ("240615", "0614", date(2024, 6, 14)),
        ("240615", "", None),  # no entry date: the file does not say
    ],
)
def test_the_entry_date_takes_the_year_nearest_to_the_value_date(value, entry_date, booked):
    entry = only_entry(statement(f":61:{value}{entry_date}D1,00NTRFNONREF"))
    assert entry.booking_date == booked


def test_the_statement_line_subfields():
    entry = only_entry(
        statement(
            ":61:2401020102D1,5NTRFINV 42 2024//B-778 9",
            "SUPPLEMENTARY DETAILS",
            ":86:Free text",
        )
    )
    assert entry.bank_operation_code == "NTRF"
    assert entry.references == {"customer_reference": "INV 42 2024", "bank_reference": "B-778 9"}
    assert [(d.qualifier, d.text) for d in entry.details] == [
        ("supplementary_details", "SUPPLEMENTARY DETAILS")
    ]
    assert (entry.amount_minor, entry.label, entry.record) == (-150, "Free text", 5)


def test_what_follows_a_reference_after_two_spaces_is_supplementary():
    entry = only_entry(statement(":61:240102D1,00N0440121470966      W.P. Jansen        "))
    assert entry.references == {"customer_reference": "0121470966"}
    assert entry.label == "W.P. Jansen"  # no :86:: the supplementary details say it


@pytest.mark.parametrize(
    ("line", "record", "message"),
    [
        (":61:not a line", 5, "statement line 'not a line' cannot be read; ignored"),
        (":61:241302D1,00NTRF", 5, "statement line whose value date 241302 is not a date"),
        (":61:240102D1,234NTRF", 5, "statement line whose amount 1,234 is not an amount in EUR"),
        (":61:240102D1,2,3NTRF", 5, "whose amount 1,2,3 is not an amount in EUR"),
    ],
)
def test_a_statement_line_that_cannot_be_read_is_an_issue(line, record, message):
    result = read(statement(line))
    assert result.statements[0].entries == []
    assert any(at == record and message in text for at, text in messages(result))


def test_an_impossible_entry_date_leaves_the_booking_date_empty():
    result = read(statement(":61:2401021399D1,00NTRF"))
    assert result.statements[0].entries[0].booking_date is None
    assert (5, "the entry date 1399 is not a date; left empty") in messages(result)


@pytest.mark.parametrize(
    ("field", "iban", "bank", "number", "currency"),
    [
        ("NL91ABNA0417164300", "NL91ABNA0417164300", None, None, None),
        ("NL91ABNA0417164300EUR", "NL91ABNA0417164300", None, None, "EUR"),
        ("NL91ABNA0417164300 EUR", "NL91ABNA0417164300", None, None, "EUR"),
        ("/NL91ABNA0417164300", "NL91ABNA0417164300", None, None, None),
        ("ABNANL2A/NL91ABNA0417164300", "NL91ABNA0417164300", "ABNANL2A", None, None),
        ("51210600/9223382012EUR", None, "51210600", "9223382012", "EUR"),
        ("UBRTHUHB/123456789150ABCDEF002/HUF", None, "UBRTHUHB", "123456789150ABCDEF002", "HUF"),
        ("1291.99.348EUR", None, None, "1291.99.348", "EUR"),
        ("0001234567", None, None, "0001234567", None),
        ("GJB0291077111", None, None, "GJB0291077111", None),
    ],
)
def test_account_identification(field, iban, bank, number, currency):
    account = read(f":20:X\n:25:{field}\n").statements[0].account
    assert (account.iban, account.bank_code, account.account_number) == (iban, bank, number)
    assert account.currency == currency


def test_an_iban_with_wrong_check_digits_is_kept_as_an_account_number_with_an_issue():
    result = read(":20:X\n:25:NL00ABNA0417164300\n")
    assert result.statements[0].account.account_number == "NL00ABNA0417164300"
    assert (2, "account NL00ABNA0417164300 looks like an IBAN but its check digits are wrong") in (
        messages(result)
    )


BASE = statement(":61:2401020102C5,00NTRFNONREF", ":86:Line one")


@pytest.mark.parametrize(
    "variant",
    [
        BASE.replace("\n", "\r\n"),
        BASE.replace("\n", "\r"),
        BASE.rstrip("\n"),
        "\ufeff" + BASE,
        "\x01" + BASE.replace("\n-\n", "\n-\x03\n"),
        BASE.replace("\n", " \n"),
    ],
    ids=["crlf", "cr", "no-final-break", "bom", "soh-etx", "trailing-spaces"],
)
def test_line_breaks_marks_and_trailing_spaces_change_nothing(variant):
    expected, found = read(BASE), read(variant)
    assert found.issues == expected.issues == []
    assert found.statements == expected.statements


def test_blank_and_whitespace_lines_are_read_over():
    found = read(BASE.replace(":86:", "\n   \n:86:"))
    assert found.statements[0].entries[0].label == "Line one"
    assert found.issues == []


def test_the_swift_envelope_is_stripped_and_lines_keep_their_numbers():
    message = statement(":61:2401020102C5,00NTRFNONREF").replace("-\n", "")
    text = (
        "{1:F01ABNANL2AXXX0000000000}{2:O9400000240102ABNANL2AXXXX}{4:\n" + message + "-}\n"
        "{1:F01ABNANL2AXXX0000000000}{2:O9400000240102ABNANL2AXXXX}{4:\n" + message + "-}{5:}\n"
    )
    result = read(text)
    assert [s.record for s in result.statements] == [2, 10]
    assert [s.entries[0].record for s in result.statements] == [6, 14]
    assert result.issues == []


def test_bank_header_lines_before_a_message_are_read_over():
    result = read("ABNANL2A\n940\nABNANL2A\n" + BASE)
    assert (result.statements[0].record, result.issues) == (4, [])


def test_latin_1_text_is_read_when_the_file_is_not_utf_8():
    entry = read(BASE.replace("Line one", "Caf\xe9").encode("latin-1")).statements[0].entries[0]
    assert entry.label == "Café"


def test_structured_details_are_put_back_together_as_they_are():
    # A full purpose subfield (27 characters) goes on in the next one; a value ends with
    # the first subfield that is not full.
    entry = only_entry(
        statement(
            ":61:2401020102C5,00NTRFNONREF",
            ":86:166?00GUTSCHRIFT?20EREF+E2E-2024-0000000000001?21",  # ?20 full: 27
            "23 SVWZ+Invoice 42?32ACME",
            " GMBH",
        )
    )
    details = [(d.qualifier, d.text) for d in entry.details]
    assert details == [
        ("transaction_code", "166"),
        ("00", "GUTSCHRIFT"),
        ("20", "EREF+E2E-2024-0000000000001"),
        ("21", "23 SVWZ+Invoice 42"),
        ("32", "ACME GMBH"),
    ]
    assert entry.references == {"EndToEndId": "E2E-2024-000000000000123"}
    assert entry.label == "GUTSCHRIFT ACME GMBH EREF+E2E-2024-000000000000123 SVWZ+Invoice 42"


def test_slash_coded_details():
    entry = only_entry(
        statement(
            ":61:2401020102C5,00N541NONREF",
            ":86:/TRTP/SEPA OVERBOEKING/IBAN/NL44RABO0123456789/BIC/RABONL2U/NAME/ACME B",
            "V/REMI/INVOICE 12/2024/EREF/E2E-1/MARF/M-7/CSID/NL00ZZZ123/BENM//ISDT/2024-01-02",
        )
    )
    assert [d.qualifier for d in entry.details] == [
        "TRTP", "IBAN", "BIC", "NAME", "REMI", "EREF", "MARF", "CSID", "BENM", "ISDT",
    ]  # fmt: skip
    assert {d.qualifier: d.text for d in entry.details}["BENM"] is None
    assert entry.references == {"EndToEndId": "E2E-1", "MndtId": "M-7", "CdtrSchmeId": "NL00ZZZ123"}
    assert entry.label == "ACME BV INVOICE 12/2024"


def test_free_text_joins_full_lines_as_they_are_and_short_lines_with_a_space():
    full = "A" * 60 + "SPLIT"  # 65 characters: the bank cut the line
    entry = only_entry(
        statement(":61:2401020102C5,00NTRFNONREF", f":86:{full}", "TED WORD", "Next phrase   ")
    )
    assert entry.label == "A" * 60 + "SPLITTED WORD Next phrase"


def test_several_86_fields_describe_the_same_line():
    entry = only_entry(statement(":61:2401020102C5,00NTRFNONREF", ":86:ONE", ":86:TWO"))
    assert entry.label == "ONE TWO"


@pytest.mark.parametrize(
    ("fields", "record", "message"),
    [
        ((":60F:C240102EUR1,00",), 5, ":60F: (opening balance) comes a second time"),
        ((":61:2401020102C5,00NTRF", ":25:DE89370400440532013000"), 6, ":25: (account identi"),
        ((":61:2401020102C5,00NTRF", ":60M:C240102EUR1,00"), 6, ":60M: (intermediate opening"),
    ],
)
def test_a_field_out_of_place_is_an_issue_and_ignored(fields, record, message):
    result = read(statement(*fields))
    assert result.statements[0].opening_balance.amount_minor == 10000
    assert result.statements[0].account.iban == "NL91ABNA0417164300"
    assert any(at == record and message in text for at, text in messages(result))


def test_a_statement_line_after_the_closing_balance_is_ignored_with_its_details():
    text = statement(":61:2401020102C5,00NTRF", ":86:INSIDE").replace(
        "-\n", ":61:2401020102C7,00NTRF\n:86:OUTSIDE\n-\n"
    )
    result = read(text)
    assert [(e.amount_minor, e.label) for e in result.statements[0].entries] == [(500, "INSIDE")]
    assert (8, "field :61: (statement line) comes after fields that should follow it; ignored") in (
        messages(result)
    )


def test_a_statement_without_its_mandatory_fields_is_read_with_an_issue():
    result = read(":20:ONLY\n:61:240102C1,00NTRF\n")
    assert messages(result)[-1] == (
        1,
        "statement of account (unnamed) (record 1) has no :25: account identification, "
        ":28C: statement number, :60F: opening balance, :62F: closing balance",
    )


def test_statements_follow_one_another_without_end_marks():
    text = statement(":61:2401020102C5,00NTRF").replace("-\n", "")
    assert [s.record for s in read(text + text).statements] == [1, 7]


@pytest.mark.parametrize(
    "data", [b"", b"  \r\n\x00\x01", b"hello\nworld\n", b":NS:22Name\n", b"1\n2\n3\n", b":26:x\n"]
)
def test_a_file_with_no_mt940_field_is_refused(data):
    with pytest.raises(StatementFileError) as raised:
        read(data)
    assert "\n" not in raised.value.message


REPORT_LINES = ":61:2401020102D1,50NTRF\n:61:2401020102RC2,00NTRF\n:61:2401020102C4,00NTRF\n"


@pytest.mark.parametrize(
    ("totals", "issue"),
    [
        (":90D:2EUR3,50\n:90C:1EUR4,00", None),
        (":90D:1EUR3,50\n:90C:1EUR4,00", "debits: the report says 1 for 3.50 EUR, its statement"),
        (":90D:2EUR3,50\n:90C:1EUR4,01", "credits: the report says 1 for 4.01 EUR, its statement"),
    ],
)
def test_mt942_counts_and_sums_are_checked(totals, issue):
    text = REPORT_HEAD + REPORT_LINES + f"{totals}\n-\n"
    result = read(text)
    (report,) = result.statements
    assert result.format is StatementFormat.MT942
    assert (report.kind, report.to_date, report.account.currency) == (
        StatementKind.INTERIM,
        date(2024, 1, 2),
        "EUR",
    )
    found = [text for _, text in messages(result)]
    assert found == [] if issue is None else len(found) == 1 and issue in found[0]


def test_a_file_with_a_statement_and_a_report_is_an_mt940():
    text = statement(":61:2401020102C5,00NTRF") + REPORT_HEAD + "-\n"
    result = read(text)
    assert result.format is StatementFormat.MT940
    assert [s.kind for s in result.statements] == [StatementKind.STATEMENT, StatementKind.INTERIM]


def test_the_cyclic_garbage_collector_is_back_as_it_was():
    read(BASE)
    assert gc.isenabled()
    gc.disable()
    try:
        read(BASE)
        assert not gc.isenabled()
    finally:
        gc.enable()


@cache
def _mt940_samples() -> list[bytes]:
    return [path.read_bytes() for path in sorted((SAMPLES_DIR / "mt940").iterdir())]


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_mt940_samples())))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        data[at:at] = draw(
            st.sampled_from([b":61:", b":86:", b"?2", b"\n", b"\r", b"-", b"{4:", b",", b"//"])
            | st.binary(max_size=12)
        )
        if draw(st.booleans()) and data:
            start = draw(st.integers(0, len(data) - 1))
            del data[start : start + draw(st.integers(1, 50))]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_mutated())
def test_mutated_samples_raise_nothing_but_the_file_error(data):
    try:
        result = read(data)
    except StatementFileError as error:
        assert error.message and "\n" not in error.message
    else:
        assert all(issue.message and issue.record for issue in result.issues)
