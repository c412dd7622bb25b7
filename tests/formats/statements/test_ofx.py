"""The OFX parser: the shared OFX samples (1.02 SGML, 2.x XML), then edge cases built here."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointage.formats.statements import parse as parse_any
from pointage.formats.statements.model import (
    ParseOptions,
    ParseResult,
    StatementFileError,
    StatementFormat,
)
from pointage.formats.statements.ofx import parse
from tests.formats.samples import SAMPLES_DIR

OFX_DIR = SAMPLES_DIR / "ofx"
SGML_HEADER = (
    "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
    "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
)
XML_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n'
)


def read_sample(name: str) -> ParseResult:
    return parse((OFX_DIR / f"ofxparse-{name}.ofx").read_bytes(), ParseOptions())


def bank_file(
    transactions: str,
    *,
    header: str = SGML_HEADER,
    currency: str = "EUR",
    account: str = "<BANKID>30004<BRANCHID>00828<ACCTID>00010123456",
    balance: str = "<LEDGERBAL><BALAMT>100.00<DTASOF>20240131</LEDGERBAL>",
) -> bytes:
    """An SGML bank statement with the given STMTTRN aggregates, one element a line."""
    body = (
        f"<OFX>\n<BANKMSGSRSV1>\n<STMTTRNRS>\n<STMTRS>\n<CURDEF>{currency}\n"
        f"<BANKACCTFROM>\n{account}\n</BANKACCTFROM>\n"
        f"<BANKTRANLIST>\n<DTSTART>20240101\n<DTEND>20240131\n{transactions}\n</BANKTRANLIST>\n"
        f"{balance}\n</STMTRS>\n</STMTTRNRS>\n</BANKMSGSRSV1>\n</OFX>\n"
    )
    return (header + body).encode("cp1252")


def transaction(amount: str = "-12.50", *, extra: str = "", posted: str = "20240115") -> str:
    return (
        f"<STMTTRN>\n<TRNTYPE>DEBIT\n<DTPOSTED>{posted}\n<TRNAMT>{amount}\n"
        f"<FITID>F1\n<NAME>SHOP\n{extra}\n</STMTTRN>"
    )


# --- the shared samples ------------------------------------------------------------------

# sample: (version, [(bank_code, branch_code, account_number, currency, closing, closing day,
#          from, to, number of entries)])
STATEMENTS = {
    "bank_medium": (
        "102",
        [("160000100", "00", "12300 000012345678", "CAD", 38234, date(2009, 5, 23),
          date(2009, 4, 1), date(2009, 5, 23), 3)],
    ),
    "checking": (
        "102",
        [("5472369148", None, "1452687~7", "USD", 10099, date(2013, 5, 25),
          date(2000, 1, 1), date(2013, 5, 25), 3)],
    ),
    "anzcc": (
        "203",
        [(None, None, "123412XXXXXX1234", "AUD", -12345, date(2017, 5, 10),
          date(2017, 3, 11), date(2017, 5, 9), 1)],
    ),
    "suncorp": (
        "200",
        [("SUNCORP", None, "123456789", "AUD", 123412, date(2013, 12, 15),
          date(2013, 6, 18), date(2013, 12, 15), 1)],
    ),
    "multiple_accounts": (
        "211",
        [("123", "00", "9100", "USD", 11100, date(2012, 6, 3), None, None, 0),
         ("123", "00", "9200", "USD", 22200, date(2012, 6, 3), None, None, 0)],
    ),
    "multiple_accounts2": (
        "211",
        [("123", "00", "9100", "USD", 11100, date(2012, 6, 3), None, None, 0),
         ("123", "00", "9200", "USD", 22200, date(2012, 6, 3), None, None, 0)],
    ),
    "bank_small": ("102", []),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_a_sample_gives_its_accounts_balances_and_periods(name):
    version, expected = STATEMENTS[name]
    result = read_sample(name)
    assert result.format is StatementFormat.OFX
    assert result.version == version
    assert result.issues == []
    got = [
        (
            s.account.bank_code,
            s.account.branch_code,
            s.account.account_number,
            s.account.currency,
            s.closing_balance.amount_minor if s.closing_balance else None,
            s.closing_balance.date if s.closing_balance else None,
            s.from_date,
            s.to_date,
            len(s.entries),
        )
        for s in result.statements
    ]
    assert got == expected
    # OFX has no opening balance: its statements are only checked for continuity.
    assert all(s.opening_balance is None for s in result.statements)


# sample: [(amount, currency, booking date, TRNTYPE, FITID, CHECKNUM, record)]
ENTRIES = {
    "bank_medium": [
        (-660, "CAD", date(2009, 4, 1), "POS", "0000123456782009040100001", None, 15),
        (-31667, "CAD", date(2009, 4, 2), "CHECK", "0000123456782009040200004", "0", 16),
        (-2200, "CAD", date(2009, 4, 3), "POS", "0000123456782009040300005", None, 17),
    ],
    "checking": [
        (1, "USD", date(2011, 3, 31), "CREDIT", "0000486", None, 46),
        (-3451, "USD", date(2011, 4, 5), "DEBIT", "0000487", None, 54),
        (-2500, "USD", date(2011, 4, 7), "CHECK", "0000488", "319", 62),
    ],
    "anzcc": [(-550, "AUD", date(2017, 5, 8), "DEBIT", "201705080001", None, 29)],
    "suncorp": [(-1685, "AUD", date(2013, 12, 15), "DEBIT", "1", "0", 35)],
}


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_a_sample_gives_its_transactions(name):
    (statement,) = read_sample(name).statements
    got = [
        (
            e.amount_minor,
            e.currency,
            e.booking_date,
            e.bank_operation_code,
            e.references["FITID"],
            e.references.get("CHECKNUM"),
            e.record,
        )
        for e in statement.entries
    ]
    assert got == ENTRIES[name]
    # Without DTAVAIL the posting date stands in for the value date.
    assert all(e.value_date == e.booking_date for e in statement.entries)
    assert all(e.bank_reference == e.references["FITID"] for e in statement.entries)


@pytest.mark.parametrize(
    ("name", "labels"),
    [
        # MEMO repeats NAME: MEMO alone.
        ("bank_medium", ["POS MERCHANDISE;MCDONALD'S #112"]),
        # NAME is MEMO cut at 32 characters: MEMO alone.
        ("checking", ["DIVIDEND EARNED FOR PERIOD OF 03/01/2011 THROUGH 03/31/2011 ANNUAL "
                      "PERCENTAGE YIELD EARNED IS 0.05%"]),
        # No NAME.
        ("anzcc", ["SOME MEMO"]),
        # CDATA sections, read as they are.
        ("suncorp", ["EFTPOS WDL HANDYWAY ALDI STORE   GEELONG WEST VICAU"]),
    ],
)  # fmt: skip
def test_the_label_is_name_and_memo_without_repeating_them(name, labels):
    (statement,) = read_sample(name).statements
    assert [e.label for e in statement.entries][: len(labels)] == labels
    # Each of these labels is the whole MEMO, which is also kept as a detail.
    first = statement.entries[0]
    assert [(d.qualifier, d.text) for d in first.details if d.qualifier == "MEMO"] == [
        ("MEMO", labels[0])
    ]


def test_a_credit_card_number_is_masked_and_dtuser_is_kept_as_a_detail():
    (statement,) = read_sample("anzcc").statements
    assert statement.account.account_number == "123412XXXXXX1234"
    assert statement.account.iban is None
    assert ("DTUSER", "20170508000000") in [
        (d.qualifier, d.text) for d in statement.entries[0].details
    ]


def test_empty_tags_one_line_body_and_transaction_currency():
    result = read_sample("ofx-v102-empty-tags")
    (statement,) = result.statements
    assert statement.account.currency is None  # <CURDEF></CURDEF>
    assert statement.account.branch_code is None
    (entry,) = statement.entries
    # The body is one line: records are element ordinals (<OFX> is 1, STMTTRN the 25th).
    assert (statement.record, entry.record) == (15, 25)
    assert entry.currency == "AUD"  # from the transaction's <CURRENCY><CURSYM>
    assert (entry.amount_minor, entry.booking_date, entry.value_date) == (
        1234,
        date(2018, 5, 7),
        date(2018, 5, 7),
    )
    assert entry.label == "CBA:Transfer"
    assert entry.bank_operation_code == "CREDIT"
    assert entry.references == {}  # empty FITID, CHECKNUM, REFNUM are not references
    assert statement.closing_balance is None
    assert [(i.record, i.message) for i in result.issues] == [
        (41, "LEDGERBAL: BALAMT is empty; no closing balance")
    ]


# --- the malformed samples: issues, never a crash ----------------------------------------


def test_missing_or_impossible_posting_dates_skip_their_transactions():
    result = read_sample("fail_nice-date_missing")
    (statement,) = result.statements
    assert statement.entries == []
    assert statement.closing_balance is not None
    assert (statement.closing_balance.amount_minor, statement.closing_balance.date) == (
        0,
        date(2011, 6, 14),
    )
    assert [(i.record, i.message) for i in result.issues] == [
        (33, "transaction 184997056: DTPOSTED is missing; skipped"),
        (40, "transaction 2000957249: DTPOSTED is empty; skipped"),
        (48, "transaction 2000957249: DTPOSTED '20120231' is not a date; skipped"),
    ]


def test_a_bad_amount_and_date_are_both_named():
    result = read_sample("fail_nice-decimal_error")
    assert result.statements[0].entries == []
    (issue,) = result.issues
    assert issue.record == 34
    assert "TRNAMT '$120' is not an amount" in issue.message
    assert "DTPOSTED '201120000000' is not a date" in issue.message


def test_an_empty_balance_leaves_no_closing_balance_and_keeps_the_entries():
    result = read_sample("fail_nice-empty_balance")
    (statement,) = result.statements
    assert statement.closing_balance is None
    assert [(e.amount_minor, e.booking_date) for e in statement.entries] == [
        (12000, date(2011, 3, 8))
    ]
    assert [(i.record, i.message) for i in result.issues] == [
        (37, "LEDGERBAL: BALAMT is empty; no closing balance")
    ]


@pytest.mark.parametrize("path", sorted(OFX_DIR.glob("*.ofx")), ids=lambda p: p.name)
def test_every_sample_is_detected_as_ofx(path):
    assert parse_any(path.read_bytes()).format is StatementFormat.OFX


# --- amounts, dates, currencies ------------------------------------------------------------


@pytest.mark.parametrize(
    ("trnamt", "currency", "minor"),
    [
        ("-12.50", "EUR", -1250),
        ("-12,50", "EUR", -1250),  # comma decimals are allowed by OFX
        ("+3.1", "EUR", 310),
        ("120", "EUR", 12000),  # no decimal point: a whole amount
        ("7.", "EUR", 700),
        (".75", "EUR", 75),
        ("-0.00", "EUR", 0),
        ("1500", "JPY", 1500),
        ("1.234", "TND", 1234),
        ("12.500", "EUR", 1250),  # trailing zeros are exact
        ("123456789012345678.00", "JPY", 123456789012345678),
    ],
)
def test_amounts_are_exact_minor_units(trnamt, currency, minor):
    result = parse(bank_file(transaction(trnamt), currency=currency), ParseOptions())
    assert [e.amount_minor for e in result.statements[0].entries] == [minor]
    assert result.statements[0].entries[0].currency == currency


@pytest.mark.parametrize(
    ("trnamt", "message"),
    [
        ("12.345", "TRNAMT: 12.345 has more decimals than EUR allows (2)"),
        ("1,234.56", "TRNAMT '1,234.56' is not an amount"),
        ("12 EUR", "TRNAMT '12 EUR' is not an amount"),
        ("1e5", "TRNAMT '1e5' is not an amount"),
        ("--5", "TRNAMT '--5' is not an amount"),
        ("9" * 40, "TRNAMT: " + "9" * 40 + " is out of range"),
    ],
)
def test_a_bad_amount_skips_the_transaction_with_an_issue(trnamt, message):
    data = bank_file(transaction(trnamt) + "\n" + transaction("5.00"))
    result = parse(data, ParseOptions())
    assert [e.amount_minor for e in result.statements[0].entries] == [500]
    assert [(i.record, i.message) for i in result.issues] == [
        (22, f"transaction F1: {message}; skipped")
    ]


@pytest.mark.parametrize(
    ("posted", "booking"),
    [
        ("20240115", date(2024, 1, 15)),
        ("20240115235959", date(2024, 1, 15)),
        # The date as written, whatever the time zone: the bank's own day.
        ("20240115233000.000[-5:EST]", date(2024, 1, 15)),
        ("20240229120000[+1:CET]", date(2024, 2, 29)),
    ],
)
def test_the_posting_date_is_the_date_part_as_written(posted, booking):
    result = parse(bank_file(transaction(posted=posted)), ParseOptions())
    assert result.statements[0].entries[0].booking_date == booking


def test_the_value_date_is_dtavail_then_valuedate_then_the_posting_date():
    data = bank_file(
        transaction(extra="<DTAVAIL>20240117")
        + transaction(extra="<VALUEDATE>20240116").replace("F1", "F2")
        + transaction(extra="<DTAVAIL>20241399").replace("F1", "F3")
    )
    result = parse(data, ParseOptions())
    assert [e.value_date for e in result.statements[0].entries] == [
        date(2024, 1, 17),
        date(2024, 1, 16),
        date(2024, 1, 15),
    ]
    assert [i.message for i in result.issues] == ["DTAVAIL '20241399' is not a date"]


def test_currency_overrides_curdef_and_origcurrency_is_a_detail():
    data = bank_file(
        transaction("10.00", extra="<CURRENCY><CURRATE>1.1<CURSYM>USD</CURRENCY>")
        + transaction(
            "-9.00", extra="<ORIGCURRENCY><CURRATE>0.9<CURSYM>GBP</ORIGCURRENCY>"
        ).replace("F1", "F2")
    )
    entries = parse(data, ParseOptions()).statements[0].entries
    assert [(e.amount_minor, e.currency) for e in entries] == [(1000, "USD"), (-900, "EUR")]
    assert [(d.qualifier, d.text) for d in entries[1].details] == [
        ("ORIGCURRENCY", "GBP at rate 0.9")
    ]


def test_no_currency_at_all_skips_the_amounts_with_issues():
    result = parse(bank_file(transaction(), currency=""), ParseOptions())
    assert result.statements[0].entries == []
    assert result.statements[0].closing_balance is None
    assert [i.message for i in result.issues] == [
        "transaction F1: TRNAMT has no currency (CURDEF is missing and no CURRENCY is given);"
        " skipped",
        "LEDGERBAL: BALAMT has no currency (CURDEF is missing and no CURRENCY is given);"
        " no closing balance",
    ]


def test_an_unknown_currency_is_named():
    result = parse(bank_file(transaction(), currency="EURO"), ParseOptions())
    assert result.statements[0].account.currency is None
    assert "CURDEF 'EURO' is not an ISO 4217 currency" in [i.message for i in result.issues]


# --- accounts, references, labels --------------------------------------------------------


def test_an_iban_account_id_is_also_the_iban():
    data = bank_file(
        transaction(), account="<BANKID>30004<ACCTID>FR76 3000 4008 2800 0101 2345 691"
    )
    account = parse(data, ParseOptions()).statements[0].account
    assert account.iban == "FR7630004008280001012345691"
    assert account.account_number == "FR76 3000 4008 2800 0101 2345 691"


def test_an_account_id_shaped_like_an_iban_with_a_bad_checksum_is_no_iban():
    data = bank_file(transaction(), account="<BANKID>30004<ACCTID>FR7630004008280001012345621")
    assert parse(data, ParseOptions()).statements[0].account.iban is None


def test_french_bank_codes_are_kept():
    account = parse(bank_file(transaction()), ParseOptions()).statements[0].account
    assert (account.bank_code, account.branch_code, account.account_number) == (
        "30004",
        "00828",
        "00010123456",
    )


def test_references_and_payee_name():
    extra = "<CHECKNUM>1234<REFNUM>R-9<SIC>5411<PAYEEID>P7<SRVRTID>S1<MEMO>REMISE 0001234"
    data = bank_file(transaction(extra=extra).replace("<NAME>SHOP\n", "<PAYEE><NAME>ACME</PAYEE>"))
    (entry,) = parse(data, ParseOptions()).statements[0].entries
    assert entry.references == {
        "FITID": "F1",
        "CHECKNUM": "1234",
        "REFNUM": "R-9",
        "SRVRTID": "S1",
        "PAYEEID": "P7",
        "SIC": "5411",
    }
    assert entry.label == "ACME REMISE 0001234"


def test_a_repeated_fitid_is_an_issue():
    result = parse(bank_file(transaction() + transaction("3.00")), ParseOptions())
    assert len(result.statements[0].entries) == 2
    assert [(i.record, i.message) for i in result.issues] == [
        (
            29,
            "FITID F1 was already given to the transaction at record 22: the import takes "
            "transactions with the same FITID for the same movement",
        )
    ]


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("AT&amp;T &lt;MOBILE&gt; &quot;X&quot; &apos;Y&apos;", "AT&T <MOBILE> \"X\" 'Y'"),
        ("CAF&#201; &#x41;", "CAFÉ A"),
        ("A &nbsp; B &unknown;", "A &nbsp; B &unknown;"),  # no other entity is expanded
        ("A&#0;&#xD800;B", "A&#0;&#xD800;B"),  # no NUL, no lone surrogate
        ("FISH & CHIPS", "FISH & CHIPS"),  # a bare & in SGML
    ],
)
def test_only_xml_entities_and_character_references_are_expanded(name, label):
    data = bank_file(transaction().replace("<NAME>SHOP", f"<NAME>{name}"))
    assert parse(data, ParseOptions()).statements[0].entries[0].label == label


# --- the tag reader ----------------------------------------------------------------------


def test_xml_with_end_tags_self_closed_elements_comments_and_lowercase_tags():
    body = (
        "<OFX><!-- a comment --><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR</CURDEF>\n"
        "<BANKACCTFROM><BANKID>30004</BANKID><BRANCHID/><ACCTID>123</ACCTID></BANKACCTFROM>\n"
        "<BANKTRANLIST>\n"
        "<stmttrn><trntype>CREDIT</trntype><dtposted>20240102</dtposted>"
        "<trnamt>42.00</trnamt><fitid>X1</fitid><name>VIR</name></stmttrn>\n"
        "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    )
    result = parse((XML_HEADER + body).encode(), ParseOptions())
    (statement,) = result.statements
    assert result.version == "220"
    assert statement.account.branch_code is None
    assert [(e.amount_minor, e.label, e.record) for e in statement.entries] == [(4200, "VIR", 6)]
    assert result.issues == []


def test_an_empty_sgml_leaf_pops_out_of_its_parent_when_the_parent_closes():
    # <XFOO> has no value and no end tag: the fields after it are still the transaction's.
    data = bank_file(transaction(extra="<XFOO>\n<MEMO>AFTER IT").replace("<NAME>SHOP", "<XBAR>"))
    result = parse(data, ParseOptions())
    (entry,) = result.statements[0].entries
    assert entry.label == "AFTER IT"
    assert result.issues == []


def test_an_empty_known_sgml_leaf_stays_a_leaf():
    data = bank_file(transaction(), account="<BANKID>30004\n<BRANCHID>\n<ACCTID>00010123456")
    account = parse(data, ParseOptions()).statements[0].account
    assert (account.branch_code, account.account_number) == (None, "00010123456")


def test_a_truncated_file_keeps_what_was_read_and_says_so():
    data = bank_file(transaction() + transaction("3.00").replace("F1", "F2"))
    cut = data[: data.index(b"</BANKTRANLIST>")]
    result = parse(cut, ParseOptions())
    assert [e.amount_minor for e in result.statements[0].entries] == [-1250, 300]
    assert [i.message for i in result.issues] == [
        "the file ends with <OFX>, <BANKMSGSRSV1>, <STMTTRNRS>, <STMTRS>, <BANKTRANLIST> "
        "still open: it may be truncated"
    ]


def test_a_bank_error_status_is_an_issue():
    data = (
        SGML_HEADER + "<OFX>\n<SIGNONMSGSRSV1><SONRS>\n<STATUS><CODE>15500<SEVERITY>ERROR"
        "<MESSAGE>Signon invalid</STATUS>\n</SONRS></SIGNONMSGSRSV1></OFX>"
    ).encode()
    result = parse(data, ParseOptions())
    assert result.statements == []
    assert [(i.record, i.message) for i in result.issues] == [
        (13, "the bank reports status 15500 (ERROR): Signon invalid")
    ]


def test_investment_statements_are_named_as_not_read():
    data = (SGML_HEADER + "<OFX><INVSTMTMSGSRSV1><INVSTMTTRNRS><INVSTMTRS>\n<CURDEF>USD\n"
            "</INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1></OFX>").encode()  # fmt: skip
    result = parse(data, ParseOptions())
    assert result.statements == []
    assert [i.message for i in result.issues] == ["investment statements are not read"]


def test_a_credit_card_statement_without_account_number_still_reads():
    data = (SGML_HEADER + "<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><CCSTMTRS>\n<CURDEF>EUR\n"
            "<BANKTRANLIST>\n" + transaction() + "\n</BANKTRANLIST>\n"
            "</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>").encode()  # fmt: skip
    (statement,) = parse(data, ParseOptions()).statements
    assert statement.account.account_number is None
    assert [e.amount_minor for e in statement.entries] == [-1250]


# --- text encodings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "raw", "label", "issues"),
    [
        (SGML_HEADER, b"CAF\xc9 \x80", "CAFÉ €", []),
        (SGML_HEADER.replace("CHARSET:1252", "CHARSET:ISO-8859-1"), b"CAF\xc9", "CAFÉ", []),
        (SGML_HEADER.replace("USASCII", "UTF-8"), "CAFÉ €".encode(), "CAFÉ €", []),
        (XML_HEADER, "CAFÉ €".encode(), "CAFÉ €", []),
        (XML_HEADER.replace("UTF-8", "ISO-8859-1"), b"CAF\xc9", "CAFÉ", []),
        # Declared UTF-8, but not: read as latin-1, and said.
        (XML_HEADER, b"CAF\xc9", "CAFÉ",
         ["the file is not UTF-8 text as its header says; read as latin-1"]),
        (XML_HEADER.replace("UTF-8", "no-such-codec"), b"CAF\xc9", "CAFÉ",
         ["the file is not no-such-codec text as its header says; read as latin-1"]),
        (XML_HEADER.replace("UTF-8", "base64"), b"CAF\xc9", "CAFÉ",
         ["the file is not base64 text as its header says; read as latin-1"]),
        # No header: UTF-8 when it is, latin-1 otherwise.
        ("", "CAFÉ".encode(), "CAFÉ", []),
        ("", b"CAF\xc9", "CAFÉ", []),
    ],
)  # fmt: skip
def test_text_is_decoded_as_the_header_says(header, raw, label, issues):
    data = bank_file(transaction(), header=header).replace(b"<NAME>SHOP", b"<NAME>" + raw)
    result = parse(data, ParseOptions())
    assert result.statements[0].entries[0].label == label
    assert [i.message for i in result.issues] == issues


# --- files that cannot be read -----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b" \r\n\t", "the file is empty"),
        (b"OFXHEADER:100\nDATA:OFXSGML\n\n", "no <OFX> element: this is not an OFX file"),
        (b"<OFXX>hello</OFXX>", "no <OFX> element: this is not an OFX file"),
        (
            XML_HEADER.encode() + b'<!DOCTYPE OFX [<!ENTITY x "boom">]>\n<OFX>&x;</OFX>',
            "record 3: the file declares <!DOCTYPE>: document type and entity declarations "
            "are refused for safety, and OFX needs none",
        ),
        (
            b'<OFX>\n<!ENTITY lol "lol">\n</OFX>',
            "record 2: the file declares <!ENTITY>: document type and entity declarations "
            "are refused for safety, and OFX needs none",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_in_one_sentence(data, message):
    with pytest.raises(StatementFileError) as refused:
        parse(data, ParseOptions())
    assert refused.value.message == message


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from(sorted(OFX_DIR.glob("*.ofx"))),
    cut=st.integers(0, 3000),
    noise=st.binary(max_size=30),
    at=st.integers(0, 3000),
)
def test_a_damaged_sample_raises_nothing_but_the_parsers_error(base, cut, noise, at):
    data = base.read_bytes()
    data = data[:at] + noise + data[at:cut] if cut > at else data[:at] + noise
    try:
        result = parse(data, ParseOptions())
    except StatementFileError:
        return
    for statement in result.statements:
        assert all(isinstance(e.amount_minor, int) for e in statement.entries)
