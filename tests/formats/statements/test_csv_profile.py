"""CSV statements read through column-mapping profiles, and the profiles as saved data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pointage.core.errors import InvalidInput
from pointage.formats.statements import parse as parse_any
from pointage.formats.statements.csv_profile import (
    check_profile,
    parse,
    profile_from_dict,
    profile_to_dict,
)
from pointage.formats.statements.model import (
    CsvProfile,
    ParseOptions,
    ParseResult,
    StatementFileError,
    StatementFormat,
)

CSV_DIR = Path(__file__).resolve().parents[2] / "data" / "statements" / "csv"

# Three exports as banks write them, each with the profile a user would save for it.
FRENCH = {
    "name": "Banque Exemple",
    "encoding": "latin-1",
    "skip_lines": 4,  # bank name, account, period, an empty line
    "date_column": "Date opération",
    "label_column": "Libellé",
    "debit_column": "Débit euros",
    "credit_column": "Crédit euros",
    "value_date_column": "Date de valeur",
    "account_iban": "FR76 3000 4008 2800 0101 2345 691",
}
ENGLISH = {
    "name": "Example Bank UK",
    "separator": ",",
    "encoding": "utf-8",
    "date_format": "%Y-%m-%d",
    "decimal_comma": False,
    "date_column": "Date",
    "label_column": "Description",
    "amount_column": "Amount",
    "currency_column": "Currency",
    "reference_column": "Reference",
    "currency": "usd",
}
GERMAN = {
    "name": "Sparkasse",
    "date_format": "%d.%m.%Y",
    "thousands_separator": ".",
    "date_column": "Buchungstag",
    "value_date_column": "Valuta",
    "label_column": "Verwendungszweck",
    "amount_column": "Betrag",
    "currency_column": "Währung",
}

# file: (profile, [(record, amount, currency, booking date, value date, label, references)])
EXPORTS = {
    "fr-debit-credit-latin1.csv": (FRENCH, [
        (6, 123456, "EUR", date(2024, 3, 1), date(2024, 3, 4),
         "REMISE CB 000123 CONTRAT 7012345", {}),
        (7, -4510, "EUR", date(2024, 3, 4), date(2024, 3, 4),
         "COMMISSIONS CB ; FÉVRIER 2024", {}),
        # "-52,30" in the debit column: still a debit.
        (8, -5230, "EUR", date(2024, 3, 5), date(2024, 3, 5), "PRLV SEPA EDF ÉCHÉANCE 03", {}),
        (9, 30000, "EUR", date(2024, 3, 6), date(2024, 3, 6), "VIR SEPA CLIENT DUPONT RÉF. 42",
         {}),
        (10, -8990, "EUR", date(2024, 3, 8), date(2024, 3, 8), "IMPAYE CB 000098", {}),
        # An empty line before this one: records stay physical line numbers.
        (12, 204500, "EUR", date(2024, 3, 11), date(2024, 3, 12),
         "REMISE CB 000124 CONTRAT 7012345", {}),
    ]),
    "en-signed-amount.csv": (ENGLISH, [
        (2, 123456, "EUR", date(2024, 3, 1), date(2024, 3, 1),
         "CARD SETTLEMENT 000123, MID 7012345", {"reference": "STL-000123"}),
        (3, -1500, "EUR", date(2024, 3, 2), date(2024, 3, 2), "Monthly account fee",
         {"reference": "FEE-2024-03"}),
        (4, -1200, "EUR", date(2024, 3, 4), date(2024, 3, 4), 'Refund "order 42"', {}),
        (5, 50000, "GBP", date(2024, 3, 5), date(2024, 3, 5), "Transfer from savings",
         {"reference": "TRF-9"}),
        # No currency in the row: the profile's. A label over two lines: one line.
        (6, 99, "USD", date(2024, 3, 6), date(2024, 3, 6),
         "Card settlement 000124 second line of the description", {"reference": "STL-000124"}),
        (8, -50, "EUR", date(2024, 3, 7), date(2024, 3, 7), "Wire fee", {}),
    ]),
    "de-thousands-bom.csv": (GERMAN, [
        (2, 1234567, "EUR", date(2024, 3, 1), date(2024, 3, 4),
         "KARTENUMSATZ ABRECHNUNG 000123", {}),
        (3, -102050, "EUR", date(2024, 3, 4), date(2024, 3, 4), "ENTGELT KARTENZAHLUNG", {}),
        # An empty value date: the booking date.
        (4, -95000, "EUR", date(2024, 3, 15), date(2024, 3, 15), "LASTSCHRIFT MIETE", {}),
        (5, 100000000, "EUR", date(2024, 3, 29), date(2024, 4, 2), "GUTSCHRIFT VERKAUF", {}),
        (6, 7, "EUR", date(2024, 3, 31), date(2024, 3, 31), "ZINSEN", {}),
    ]),
}  # fmt: skip


def read(data: bytes, settings: dict[str, object]) -> ParseResult:
    return parse(data, ParseOptions(csv_profile=profile_from_dict(settings)))


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_a_bank_export_gives_one_entry_per_row(name):
    settings, expected = EXPORTS[name]
    result = read((CSV_DIR / name).read_bytes(), settings)
    assert result.format is StatementFormat.CSV
    assert result.issues == []
    (statement,) = result.statements
    got = [
        (
            e.record,
            e.amount_minor,
            e.currency,
            e.booking_date,
            e.value_date,
            e.label,
            e.references,
        )
        for e in statement.entries
    ]
    assert got == expected
    # A CSV export carries no balance: nothing to add up.
    assert (statement.opening_balance, statement.closing_balance) == (None, None)


def test_the_account_is_the_profiles():
    result = read((CSV_DIR / "fr-debit-credit-latin1.csv").read_bytes(), FRENCH)
    account = result.statements[0].account
    assert (account.iban, account.currency) == ("FR7630004008280001012345691", "EUR")
    assert result.statements[0].record == 5  # the header line


def test_the_dispatcher_reads_a_csv_export_with_a_profile():
    data = (CSV_DIR / "en-signed-amount.csv").read_bytes()
    options = ParseOptions(csv_profile=profile_from_dict(ENGLISH))
    result = parse_any(data, options=options)
    assert result.format is StatementFormat.CSV
    assert len(result.statements[0].entries) == 6


# --- amounts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "decimal_comma", "thousands", "minor"),
    [
        ("12,50", True, "", 1250),
        ("-12,5", True, "", -1250),
        ("+0,07", True, "", 7),
        (",99", True, "", 99),
        ("12", True, "", 1200),
        ("1 234,56", True, " ", 123456),
        ("1\u00a0234,56", True, " ", 123456),  # a no-break space, as spreadsheets write
        ("1\u202f234\u202f567,00", True, " ", 123456700),
        ("1.234.567,00", True, ".", 123456700),
        ("1234,56", True, ".", 123456),  # thousands marks are optional
        ("1,234.56", False, ",", 123456),
        ("1'234.56", False, "'", 123456),
        ("12.50", False, "", 1250),
        ("(12.00)", False, "", -1200),
        ("( 1,234.00 )", False, ",", -123400),
        ("12.500", False, "", 1250),  # trailing zeros are exact
    ],
)
def test_amounts_are_read_exactly(cell, decimal_comma, thousands, minor):
    settings = {
        "name": "p",
        "separator": "\t",
        "decimal_comma": decimal_comma,
        "thousands_separator": thousands,
        "date_column": "Date",
        "label_column": "Label",
        "amount_column": "Amount",
    }
    data = f"Date\tLabel\tAmount\n01/03/2024\tX\t{cell}\n".encode()
    result = read(data, settings)
    assert result.issues == []
    assert [e.amount_minor for e in result.statements[0].entries] == [minor]


SIGNED = {
    "name": "signed",
    "date_column": "Date",
    "label_column": "Libellé",
    "amount_column": "Montant",
    "thousands_separator": ".",
}
DEBIT_CREDIT = {
    "name": "debit-credit",
    "date_column": "Date",
    "label_column": "Libellé",
    "debit_column": "Débit",
    "credit_column": "Crédit",
}


@pytest.mark.parametrize(
    ("settings", "row", "message"),
    [
        (SIGNED, "31/02/2024;X;1,00",
         "line 2, column 'Date': '31/02/2024' is not a date in the format %d/%m/%Y"),
        (SIGNED, "2024-03-01;X;1,00",
         "line 2, column 'Date': '2024-03-01' is not a date in the format %d/%m/%Y"),
        (SIGNED, ";X;1,00", "line 2, column 'Date': the date is empty"),
        (SIGNED, "01/03/2024;X;12.50",
         "line 2, column 'Montant': '12.50' is not an amount"),  # "." groups thousands here
        (SIGNED, "01/03/2024;X;1,234",
         "line 2, column 'Montant': '1,234': 1.234 has more decimals than EUR allows (2)"),
        (SIGNED, "01/03/2024;X;12 EUR", "line 2, column 'Montant': '12 EUR' is not an amount"),
        (SIGNED, "01/03/2024;X;(-12,00)", "line 2, column 'Montant': '(-12,00)' is not an amount"),
        (SIGNED, "01/03/2024;X;1e3", "line 2, column 'Montant': '1e3' is not an amount"),
        (SIGNED, "01/03/2024;X;", "line 2, column 'Montant': the amount is empty"),
        (SIGNED, "01/03/2024;X", "line 2, column 'Montant': missing (the row has 2 fields)"),
        (DEBIT_CREDIT, "01/03/2024;X;;",
         "line 2, column 'Débit': no amount, nor in 'Crédit'"),
        (DEBIT_CREDIT, "01/03/2024;X;1,00;2,00",
         "line 2, column 'Débit': a debit (1,00) and a credit (2,00) at once"),
        (DEBIT_CREDIT, "01/03/2024;X;abc;", "line 2, column 'Débit': 'abc' is not an amount"),
    ],
)  # fmt: skip
def test_a_bad_row_is_an_issue_naming_line_and_column_and_is_skipped(settings, row, message):
    columns = "Date;Libellé;Montant" if "amount_column" in settings else "Date;Libellé;Débit;Crédit"
    tail = "01/03/2024;OK;5,00" if "amount_column" in settings else "01/03/2024;OK;;5,00"
    data = f"{columns}\n{row}\n{tail}\n".encode()
    result = read(data, settings)
    assert [(e.record, e.amount_minor) for e in result.statements[0].entries] == [(3, 500)]
    assert [(i.record, i.message) for i in result.issues] == [(2, f"{message}; the row is skipped")]


def test_zero_in_the_other_column_is_no_amount_there():
    data = "Date;Libellé;Débit;Crédit\n01/03/2024;X;0,00;5,00\n01/03/2024;Y;3,00;0,00\n"
    result = read(data.encode(), DEBIT_CREDIT)
    assert [e.amount_minor for e in result.statements[0].entries] == [500, -300]
    assert result.issues == []


def test_a_bad_currency_in_a_row_is_an_issue():
    data = b"Date,Description,Amount,Currency,Reference\n2024-03-01,X,1.00,EURO,\n"
    result = read(data, ENGLISH)
    assert result.statements[0].entries == []
    assert [i.message for i in result.issues] == [
        "line 2, column 'Currency': 'EURO' is not an ISO 4217 code; the row is skipped"
    ]


def test_a_file_without_header_names_columns_by_position():
    settings = {
        "name": "no header",
        "has_header": False,
        "skip_lines": 1,
        "date_column": "1",
        "amount_column": "3",
        "label_column": "2",
        "value_date_column": "4",
    }
    data = b"EXPORT 2024-03\n01/03/2024;A;1,00;02/03/2024\n02/03/2024;B;oops;\n"
    result = read(data, settings)
    assert [(e.record, e.label, e.value_date) for e in result.statements[0].entries] == [
        (2, "A", date(2024, 3, 2))
    ]
    assert [i.message for i in result.issues] == [
        "line 3, column 3: 'oops' is not an amount; the row is skipped"
    ]
    assert result.statements[0].record == 2


def test_header_titles_match_without_case_and_padding():
    data = " DATE ;LIBELLÉ; montant \n01/03/2024;X;1,00\n".encode()
    result = read(data, SIGNED)
    assert [e.amount_minor for e in result.statements[0].entries] == [100]


def test_a_header_only_file_is_an_empty_statement():
    result = read(b"Date;Libell\xc3\xa9;Montant\r\n", SIGNED)
    assert result.statements[0].entries == []
    assert result.issues == []


# --- files that cannot be read ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "settings", "message"),
    [
        (b"", SIGNED, "the file is empty"),
        (b"\r\n \r\n", SIGNED, "the file is empty"),
        (
            "Date;Libellé;Amount\n01/03/2024;X;1,00\n".encode(),
            SIGNED,
            "record 1: the header has no column 'Montant', which the CSV profile 'signed' "
            "maps as amount_column",
        ),
        (
            "Date;Libellé;Débit\n".encode(),
            DEBIT_CREDIT,
            "record 1: the header has no column 'Crédit', which the CSV profile "
            "'debit-credit' maps as credit_column",
        ),
        (
            b"Date;Libell\xc3\xa9;Montant\n01/03/2024;\xc9ch\xe9ance;1,00\n",
            SIGNED,
            "record 2: the file is not utf-8 text, as the CSV profile 'signed' says "
            "(byte 0xc9); the profile's encoding may be wrong",
        ),
        (
            b'Date;Libell\xc3\xa9;Montant\n01/03/2024;"' + b"x" * 200_000 + b'";1,00\n',
            SIGNED,
            "record 2: the row cannot be split: field larger than field limit (131072)",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_in_one_sentence(data, settings, message):
    with pytest.raises(StatementFileError) as refused:
        read(data, settings)
    assert refused.value.message == message


def test_no_profile_no_csv():
    with pytest.raises(StatementFileError) as refused:
        parse(b"Date;Montant\n", ParseOptions())
    assert refused.value.message == "a CSV statement needs a column-mapping profile"


def test_a_profile_built_in_code_is_checked_before_use():
    profile = CsvProfile(name="x", date_column="Date", label_column="L", separator="ab")
    with pytest.raises(StatementFileError) as refused:
        parse(b"Date;L\n", ParseOptions(csv_profile=profile))
    assert refused.value.message.startswith("the CSV profile cannot be used: ")


# --- profiles as saved data ---------------------------------------------------------------


@pytest.mark.parametrize("settings", [FRENCH, ENGLISH, GERMAN, SIGNED, DEBIT_CREDIT])
def test_a_profile_goes_to_json_and_back_unchanged(settings):
    profile = profile_from_dict(settings)
    saved = json.loads(json.dumps(profile_to_dict(profile)))
    assert profile_from_dict(saved) == profile
    assert set(saved) == {
        "name", "date_column", "label_column", "amount_column", "debit_column",
        "credit_column", "value_date_column", "reference_column", "currency_column",
        "currency", "separator", "encoding", "date_format", "decimal_comma",
        "thousands_separator", "has_header", "skip_lines", "account_iban",
    }  # fmt: skip


def test_a_profile_is_normalised_and_unset_fields_take_defaults():
    profile = profile_from_dict(
        {**ENGLISH, "value_date_column": "", "account_iban": "fr76 3000 4008 2800 0101 2345 691"}
    )
    assert profile.currency == "USD"
    assert profile.value_date_column is None
    assert profile.account_iban == "FR7630004008280001012345691"
    assert profile_from_dict(SIGNED).separator == ";"
    assert profile_from_dict(SIGNED).encoding == "utf-8"


BASE = {"name": "p", "date_column": "Date", "label_column": "Label", "amount_column": "Amount"}


@pytest.mark.parametrize(
    ("change", "param", "message"),
    [
        ({"colour": "red"}, "colour", "unknown CSV profile field 'colour'; the fields are name,"),
        ({"name": None}, "name", "the CSV profile needs name"),
        ({"date_column": "  "}, "date_column", "the CSV profile needs date_column"),
        ({"label_column": 3}, "label_column", "label_column must be text, not 3"),
        ({"separator": ""}, "separator", "separator must be one character"),
        ({"separator": ";;"}, "separator", "separator must be one character"),
        ({"separator": "a"}, "separator", "separator must be one character"),
        ({"separator": '"'}, "separator", "separator must be one character"),
        ({"separator": "\n"}, "separator", "separator must be one character"),
        ({"encoding": "klingon"}, "encoding", "encoding 'klingon' is not a text encoding"),
        ({"encoding": "base64"}, "encoding", "encoding 'base64' is not a text encoding"),
        ({"date_format": "%m/%Y"}, "date_format", "date_format '%m/%Y' has no day (%d)"),
        ({"date_format": "%d/%Y"}, "date_format", "date_format '%d/%Y' has no month"),
        ({"date_format": "%d/%m"}, "date_format", "date_format '%d/%m' has no year"),
        ({"date_format": "%d%m%y%d"}, "date_format",
         "date_format '%d%m%y%d' does not read back the dates it writes"),
        ({"decimal_comma": "yes"}, "decimal_comma", "decimal_comma must be true or false"),
        ({"has_header": 1}, "has_header", "has_header must be true or false"),
        ({"skip_lines": "2"}, "skip_lines", "skip_lines must be a whole number, not '2'"),
        ({"skip_lines": True}, "skip_lines", "skip_lines must be a whole number, not True"),
        ({"skip_lines": -1}, "skip_lines", "skip_lines must be from 0 to 1000, not -1"),
        ({"thousands_separator": "_"}, "thousands_separator",
         "thousands_separator must be empty, a space, '.', ',' or an apostrophe"),
        ({"thousands_separator": ","}, "thousands_separator",
         "thousands_separator cannot be the decimal mark"),
        ({"amount_column": None}, "amount_column",
         "the CSV profile needs amount_column (one signed amount), or debit_column and "
         "credit_column"),
        ({"debit_column": "D", "credit_column": "C"}, "amount_column",
         "set amount_column, or debit_column and credit_column, not both"),
        ({"amount_column": None, "debit_column": "D"}, "credit_column",
         "credit_column is needed with the other one"),
        ({"has_header": False, "date_column": "1", "label_column": "2"}, "amount_column",
         "amount_column must be a column number from 1 (the file has no header), not 'Amount'"),
        ({"has_header": False}, "date_column", "date_column must be a column number from 1"),
        ({"currency": "EURO"}, "currency", "currency 'EURO' is not an ISO 4217 code"),
        ({"account_iban": "FR7630004008280001012345620"}, "account_iban",
         "account_iban 'FR7630004008280001012345620' is not a valid IBAN"),
    ],
)  # fmt: skip
def test_a_bad_profile_is_refused_naming_the_field(change, param, message):
    with pytest.raises(InvalidInput) as refused:
        profile_from_dict({**BASE, **change})
    assert refused.value.param == param
    assert refused.value.message.startswith(message)


def test_a_profile_is_a_mapping():
    with pytest.raises(InvalidInput, match="a CSV profile is an object of named fields"):
        profile_from_dict(["name", "p"])  # type: ignore[arg-type]


def test_check_profile_accepts_every_example_of_the_docs():
    # The JSON example in docs/formats/csv.md is a profile that works.
    docs = Path(__file__).resolve().parents[3] / "docs" / "formats" / "csv.md"
    text = docs.read_text(encoding="utf-8")
    example = text.split("```json", 1)[1].split("```", 1)[0]
    assert check_profile(profile_from_dict(json.loads(example))).name
