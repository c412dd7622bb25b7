"""Writing CFONB 120: exact record layout, refusals, and parse(write(s)) == s."""

from __future__ import annotations

import string
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointage.core.errors import InvalidInput
from pointage.formats.statements import cfonb120
from pointage.formats.statements.model import (
    AccountId,
    Balance,
    Entry,
    EntryDetail,
    ParseOptions,
    Statement,
)
from tests.formats.samples import SAMPLES_DIR

ACCOUNT = AccountId(None, "10278", "02204", "00012345603", "EUR")
DAY = date(2020, 4, 7)


def entry(**changes: object) -> Entry:
    values: dict[str, object] = {
        "record": 0,
        "amount_minor": -2279,
        "currency": "EUR",
        "booking_date": DAY,
        "value_date": date(2020, 4, 8),
        "label": "PRLV SEPA ONLINE SAS",
        "bank_operation_code": "B1",
        "references": {
            "internal_code": "6772",
            "rejection_code": "07",
            "entry_number": "0001692",
            "commission_exemption": "1",
            "unavailability": "0",
            "reference": "RUM FR12ZZZ00001",
        },
        "details": [EntryDetail(0, "LIB", "DEDIBOX 3706114")],
    }
    values.update(changes)
    return Entry(**values)  # type: ignore[arg-type]


def statement(*entries: Entry, **changes: object) -> Statement:
    opening = Balance(1669565, date(2020, 4, 6))
    closing = Balance(opening.amount_minor + sum(e.amount_minor for e in entries), DAY)
    values: dict[str, object] = {
        "record": 0,
        "account": ACCOUNT,
        "opening_balance": opening,
        "closing_balance": closing,
        "entries": list(entries),
    }
    values.update(changes)
    return Statement(**values)  # type: ignore[arg-type]


def records(data: bytes) -> list[str]:
    assert data.endswith(b"\r\n")
    lines = data.decode("latin-1").split("\r\n")[:-1]
    assert all(len(line) == 120 for line in lines)
    return lines


# Layout --------------------------------------------------------------------------------


def test_a_movement_record_byte_by_byte():
    opening, movement, detail, closing = records(cfonb120.write([statement(entry())]))
    zones = [  # 1-based positions of the layout, inclusive
        (1, 2, "04"),
        (3, 7, "10278"),
        (8, 11, "6772"),
        (12, 16, "02204"),
        (17, 19, "EUR"),
        (20, 20, "2"),
        (21, 21, " "),
        (22, 32, "00012345603"),
        (33, 34, "B1"),
        (35, 40, "070420"),
        (41, 42, "07"),
        (43, 48, "080420"),
        (49, 79, "PRLV SEPA ONLINE SAS" + " " * 11),
        (80, 81, "  "),
        (82, 88, "0001692"),
        (89, 89, "1"),
        (90, 90, "0"),
        (91, 104, "0000000000227R"),
        (105, 120, "RUM FR12ZZZ00001"),
    ]
    assert [movement[start - 1 : end] for start, end, _ in zones] == [v for _, _, v in zones]
    assert movement == (
        "0410278677202204EUR2 00012345603B107042007080420PRLV SEPA ONLINE SAS"
        "             000169210"
        "0000000000227RRUM FR12ZZZ00001"
    )
    assert detail == "05" + movement[2:40] + "     LIBDEDIBOX 3706114" + " " * 55 + "  "
    assert opening == (
        "0110278    02204EUR2 00012345603  060420" + " " * 50 + "0000000166956E" + " " * 16
    )
    assert closing[:40] == "0710278    02204EUR2 00012345603  070420"
    assert closing[90:104] == "0000000166728F"


@pytest.mark.parametrize(
    ("currency", "minor", "zone"),
    [
        ("EUR", 0, "20000000000000{"),
        ("EUR", -1, "20000000000000J"),
        ("EUR", 123456, "20000000012345F"),
        ("JPY", -1234, "00000000000123M"),
        ("TND", 1234567, "30000000123456G"),
    ],
)
def test_amounts_carry_the_currencys_decimals(currency, minor, zone):
    account = replace(ACCOUNT, currency=currency)
    moved = entry(amount_minor=minor, currency=currency, details=[])
    line = records(cfonb120.write([statement(moved, account=account)]))[1]
    assert line[16:19] == currency
    assert line[19] + line[90:104] == zone


def test_the_account_comes_from_a_french_iban_when_its_codes_are_missing():
    account = AccountId("FR76 3000 4008 2800 0101 2345 620", currency="EUR")
    line = records(cfonb120.write([statement(account=account)]))[0]
    assert (line[2:7], line[11:16], line[21:32]) == ("30004", "00828", "00010123456")


def test_label_is_cut_to_31_characters_and_text_is_made_writable():
    long_label = "VIR SEPA RECU DE MONSIEUR JEAN-BAPTISTE DUPONT"
    moved = entry(label=long_label, details=[EntryDetail(0, "LIB", "ligne\tavec € et œ")])
    data = cfonb120.write([statement(moved)])
    movement, detail = records(data)[1:3]
    assert movement[48:79] == long_label[:31]
    assert detail[48:65] == "ligne avec ? et ?"
    read = cfonb120.parse(data, ParseOptions()).statements[0].entries[0]
    assert read.label == long_label[:31]


def test_several_statements_follow_each_other():
    data = cfonb120.write([statement(entry()), statement(), statement(entry(details=[]))])
    assert [line[:2] for line in records(data)] == [
        *["01", "04", "05", "07"],
        *["01", "07"],
        *["01", "04", "07"],
    ]


def test_nothing_to_write_is_an_empty_file():
    assert cfonb120.write([]) == b""


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (statement(opening_balance=None), "opening balance is missing"),
        (statement(closing_balance=Balance(0, None)), "closing balance is missing or has no date"),
        (statement(account=AccountId("DE89370400440532013000", currency="EUR")), "French IBAN"),
        (statement(account=replace(ACCOUNT, bank_code="1027")), "5 digits"),
        (statement(account=replace(ACCOUNT, account_number="000123456789")), "1 to 11"),
        (statement(account=replace(ACCOUNT, currency="XXY")), "'XXY' is not an ISO 4217"),
        (statement(entry(amount_minor=10**14)), "more than 14 digits"),
        (statement(opening_balance=Balance(-(10**14), DAY)), "more than 14 digits"),
        (statement(entry(booking_date=date(2070, 1, 1))), "1969–2068"),
        (statement(entry(value_date=None)), "needs a booking date and a value date"),
        (statement(entry(references={"entry_number": "12345678"})), "'entry_number'"),
        (statement(entry(references={"reference": "X" * 17})), "'reference'"),
        (statement(entry(bank_operation_code="ABC")), "operation code"),
        (statement(entry(details=[EntryDetail(0, "LIB", "X" * 71)])), "longer than its 70"),
        (statement(entry(details=[EntryDetail(0, "lib", "X")])), "qualifier 'lib'"),
    ],
)
def test_what_cfonb_120_cannot_hold_is_refused(bad, words):
    with pytest.raises(InvalidInput) as refused:
        cfonb120.write([statement(), bad])
    assert "statement 2" in refused.value.message
    assert words in refused.value.message


def test_references_without_a_zone_are_left_out():
    moved = entry(references={"AcctSvcrRef": "BANK-1", "entry_number": "42"}, details=[])
    data = cfonb120.write([statement(moved)])
    read = cfonb120.parse(data, ParseOptions()).statements[0].entries[0]
    assert read.references == {"entry_number": "42"}


# parse(write(s)) == s ----------------------------------------------------------------------


def comparable(statements: list[Statement]) -> list[object]:
    """What CFONB 120 carries, without record numbers."""
    return [
        (
            s.account,
            s.opening_balance,
            s.closing_balance,
            [
                (
                    e.amount_minor,
                    e.currency,
                    e.booking_date,
                    e.value_date,
                    e.label,
                    e.bank_operation_code,
                    e.references,
                    [(d.qualifier, d.text) for d in e.details],
                )
                for e in s.entries
            ],
        )
        for s in statements
    ]


# Printable latin-1, as a bank's file holds it.
TEXT = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_categories=["Cc"])
CODE = st.sampled_from(string.ascii_uppercase + string.digits)
DIGIT = st.sampled_from(string.digits)
DAYS = st.dates(date(1969, 1, 1), date(2068, 12, 31))
AMOUNTS = st.integers(-(10**14) + 1, 10**14 - 1)


def zone(width: int) -> st.SearchStrategy[str]:
    """What a zone of this width gives back: no blank at either end, not empty."""
    return st.text(TEXT, min_size=1, max_size=width).map(str.strip).filter(bool)


REFERENCES = st.fixed_dictionaries(
    {},
    optional={
        "internal_code": zone(4),
        "rejection_code": zone(2),
        "entry_number": zone(7),
        "commission_exemption": zone(1),
        "unavailability": zone(1),
        "reference": zone(16),
    },
)
DETAILS = st.lists(
    st.builds(
        EntryDetail,
        record=st.just(0),
        qualifier=st.none() | st.sampled_from(["LIB", "NPY", "REF", "RCN", "MMO", "AAA", "Z9Z"]),
        text=st.none() | st.text(TEXT, min_size=1, max_size=70).map(str.rstrip).filter(bool),
    ),
    max_size=3,
)


@st.composite
def statements(draw: st.DrawFn) -> list[Statement]:
    result = []
    for _ in range(draw(st.integers(1, 3))):
        currency = draw(st.sampled_from(["EUR", "JPY", "TND", "USD"]))
        account = AccountId(
            None,
            draw(st.text(DIGIT, min_size=5, max_size=5)),
            draw(st.text(DIGIT, min_size=5, max_size=5)),
            draw(st.text(CODE, min_size=1, max_size=11)),
            currency,
        )
        entries = draw(
            st.lists(
                st.builds(
                    Entry,
                    record=st.just(0),
                    amount_minor=AMOUNTS,
                    currency=st.just(currency),
                    booking_date=DAYS,
                    value_date=DAYS,
                    label=st.text(TEXT, max_size=31).map(str.strip),
                    bank_operation_code=st.none() | st.text(CODE, min_size=1, max_size=2),
                    references=REFERENCES,
                    details=DETAILS,
                ),
                max_size=5,
            )
        )
        opening, closing = Balance(draw(AMOUNTS), draw(DAYS)), Balance(draw(AMOUNTS), draw(DAYS))
        result.append(Statement(0, account, opening, closing, entries))
    return result


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(written=statements())
def test_parsing_what_was_written_gives_the_statements_back(written):
    for lenient in (False, True):
        result = cfonb120.parse(cfonb120.write(written), ParseOptions(lenient=lenient))
        assert result.issues == []
        assert comparable(result.statements) == comparable(written)


@pytest.mark.parametrize(
    "name",
    [
        "pennylane-example.txt",
        "silarhi-complex-test.txt",
        "silarhi-simple-test.txt",
        "silarhi-test-unused-parts.txt",
    ],
)
def test_real_files_survive_a_round_trip(name):
    read = cfonb120.parse((SAMPLES_DIR / "cfonb120" / name).read_bytes(), ParseOptions())
    again = cfonb120.parse(cfonb120.write(read.statements), ParseOptions())
    assert again.issues == []
    assert comparable(again.statements) == comparable(read.statements)
