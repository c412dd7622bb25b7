"""camt.052 / camt.053 / camt.054: the real files first, then each rule on small messages."""

from __future__ import annotations

from datetime import date

import pytest

from pointage.formats.statements import camt, parse
from pointage.formats.statements.checks import balance_difference
from pointage.formats.statements.model import (
    ParseOptions,
    ParseResult,
    StatementFileError,
    StatementFormat,
    StatementKind,
)
from tests.formats.samples import SAMPLES_DIR

CAMT = SAMPLES_DIR / "camt"
NS053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def read(name: str) -> ParseResult:
    return parse((CAMT / name).read_bytes())


# --- the real files ----------------------------------------------------------------------

STMT, RPT, NTF = StatementKind.STATEMENT, StatementKind.REPORT, StatementKind.NOTIFICATION
# file: format, version, kind, entries per statement
SAMPLES = {
    "genkgo-camt052.v1.xml": ("camt.052", "001.01", RPT, [1]),
    "genkgo-camt052.v2.other-account.xml": ("camt.052", "001.02", RPT, [1]),
    "genkgo-camt052.v2.with-account-name.xml": ("camt.052", "001.02", RPT, [1]),
    "genkgo-camt052.v2.xml": ("camt.052", "001.02", RPT, [1]),
    "genkgo-camt052.v4.xml": ("camt.052", "001.04", RPT, [1]),
    "genkgo-camt052.v6.Amt-zero.xml": ("camt.052", "001.06", RPT, [1]),
    "genkgo-camt052.v6.xml": ("camt.052", "001.06", RPT, [1]),
    "genkgo-camt052.v8.xml": ("camt.052", "001.08", RPT, [1]),
    "genkgo-camt053.v2.all-balance-types.xml": ("camt.053", "001.02", STMT, [1]),
    "genkgo-camt053.v2.five.decimals.xml": ("camt.053", "001.02", STMT, [1]),
    "genkgo-camt053.v2.minimal.ultimate.xml": ("camt.053", "001.02", STMT, [1]),
    "genkgo-camt053.v2.minimal.xml": ("camt.053", "001.02", STMT, [1]),
    "genkgo-camt053.v2.multi.statement.xml": ("camt.053", "001.02", STMT, [1, 1]),
    "genkgo-camt053.v2.with-account-name.xml": ("camt.053", "001.02", STMT, [1]),
    "genkgo-camt053.v2.with-party-ids.xml": ("camt.053", "001.02", STMT, [1]),
    "genkgo-camt053.v3.xml": ("camt.053", "001.03", STMT, [1]),
    "genkgo-camt053.v4.xml": ("camt.053", "001.04", STMT, [1]),
    "genkgo-camt053.v8.xml": ("camt.053", "001.08", STMT, [1]),
    "genkgo-camt054.v2.with-account-name.xml": ("camt.054", "001.02", NTF, [1]),
    "genkgo-camt054.v2.xml": ("camt.054", "001.02", NTF, [1]),
    "genkgo-camt054.v4.xml": ("camt.054", "001.04", NTF, [1]),
    "genkgo-camt054.v8-with-UETR.xml": ("camt.054", "001.08", NTF, [1]),
    "genkgo-camt054.v8-with-financial-institution.xml": ("camt.054", "001.08", NTF, [1]),
    "genkgo-camt054.v8.xml": ("camt.054", "001.08", NTF, [1]),
    "genkgo-camt53.only-Dt-with-DtTm.xml": ("camt.053", "001.02", STMT, [0]),
}  # fmt: skip
# These two files carry balances that do not add up with their own entries; the parser
# reads them exactly and says so.
UNBALANCED = {
    "genkgo-camt053.v2.all-balance-types.xml": -582,  # 1.01 + 8.85 against 4.04
    "genkgo-camt053.v2.five.decimals.xml": 5,  # 18.150 + 8.850 against 27.050
}


def test_every_camt_sample_is_in_the_table():
    names = {path.name for path in CAMT.glob("*.xml")}
    assert names == set(SAMPLES) | {"genkgo-camt053.v2.wrong.xml"}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_sample_is_read_with_its_message_version_and_entries(name):
    message, version, kind, entry_counts = SAMPLES[name]
    result = read(name)
    assert (str(result.format), result.version) == (message, version)
    assert [statement.kind for statement in result.statements] == [kind] * len(entry_counts)
    assert [len(statement.entries) for statement in result.statements] == entry_counts
    adding_up = (UNBALANCED[name],) if name in UNBALANCED else (None, 0)
    for statement in result.statements:
        assert balance_difference(statement) in adding_up


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_records_are_the_lines_of_the_start_tags(name):
    lines = (CAMT / name).read_text(encoding="utf-8").splitlines()
    for statement in read(name).statements:
        assert lines[statement.record - 1].strip() in ("<Stmt>", "<Rpt>", "<Ntfctn>")
        for entry in statement.entries:
            assert lines[entry.record - 1].strip() == "<Ntry>"
            for detail in entry.details:
                assert lines[detail.record - 1].strip() == "<TxDtls>"


def test_the_wrong_sample_has_no_statement_and_is_refused():
    with pytest.raises(StatementFileError, match=r"camt\.053 message has no statement"):
        read("genkgo-camt053.v2.wrong.xml")


def test_multi_statement_file():
    first, second = read("genkgo-camt053.v2.multi.statement.xml").statements
    assert (first.identifier, second.identifier) == (
        "253EURNL26VAYB8060476890",
        "254EURNL26VAYB8060476890",
    )
    assert first.account.iban == second.account.iban == "NL26VAYB8060476890"
    assert first.account.currency == "EUR"
    assert (first.opening_balance.amount_minor, first.closing_balance.amount_minor) == (1815, 2700)
    assert (second.opening_balance.amount_minor, second.closing_balance.amount_minor) == (
        2700,
        2000,
    )
    assert first.opening_balance.date == date(2014, 12, 30)
    assert (first.from_date, first.to_date) == (date(2007, 10, 18), date(2007, 10, 18))
    entry = second.entries[0]
    assert (entry.amount_minor, entry.booking_date, entry.value_date) == (
        -700,
        date(2014, 12, 31),
        date(2015, 1, 2),
    )
    assert entry.bank_operation_code == "544"
    assert entry.status == "BOOK" and not entry.reversal
    assert entry.references == {"EndToEndId": "000000002"}
    assert entry.label == "Transaction Description 2 / Company Name 2"


def test_five_decimals_with_trailing_zeros_are_exact_cents():
    result = read("genkgo-camt053.v2.five.decimals.xml")
    statement = result.statements[0]
    assert statement.opening_balance.amount_minor == 1815  # 18.150
    assert statement.closing_balance.amount_minor == 2705  # 27.050
    assert statement.entries[0].amount_minor == 885  # 8.850
    [issue] = result.issues
    assert "does not add up" in issue.message and "difference 0.05 EUR" in issue.message


def test_all_balance_types_takes_opbd_and_clbd():
    statement = read("genkgo-camt053.v2.all-balance-types.xml").statements[0]
    assert statement.opening_balance.amount_minor == 101  # OPBD, not PRCD 2.02
    assert statement.closing_balance.amount_minor == 404  # CLBD, not ITBD 9.09
    assert statement.account.account_number == "CH2801234000123456789"
    assert statement.account.currency == "EUR"  # no Acct/Ccy: the entry's


def test_date_times_give_the_day_written_in_the_file():
    statement = read("genkgo-camt53.only-Dt-with-DtTm.xml").statements[0]
    assert statement.opening_balance.amount_minor == 544209  # 5442.09000 RON
    assert statement.opening_balance.date == date(2025, 7, 23)
    assert statement.account.currency == "RON"
    entry = read("genkgo-camt053.v8.xml").statements[0].entries[0]
    assert entry.booking_date == date(2014, 12, 31)  # 2014-12-31T13:15:00+01:00


def test_v8_statement_with_a_closing_balance_in_another_currency():
    result = read("genkgo-camt053.v8.xml")
    statement = result.statements[0]
    assert statement.account.account_number == "NL26VAYB8060476890"
    assert statement.opening_balance.amount_minor == 1815
    assert statement.closing_balance is None
    assert [issue.message for issue in result.issues] == [
        "CLBD balance left out: it is in SEK, the account in EUR"
    ]
    entry = statement.entries[0]
    assert entry.bank_operation_code == "PMNT/RCDT/BOOK"
    assert entry.references == {
        "AcctSvcrRef": "AAAASESS-FP-CN_98765/01",
        "EndToEndId": "MUELL/FINP/RA12345",
    }
    # Structured creditor reference, then the debtor of this credit (Dbtr/Pty/Nm in .08).
    assert entry.label == "4654654654654654 / NAME NAME"


@pytest.mark.parametrize("name", ["genkgo-camt054.v4.xml", "genkgo-camt054.v8.xml"])
def test_batch_entry_gives_one_detail_per_transaction(name):
    entry = read(name).statements[0].entries[0]
    assert entry.amount_minor == -20_000_000  # 200000 SEK
    assert entry.label == "Order"
    assert entry.references == {
        "AcctSvcrRef": "ACSR160617103200001",
        "MsgId": "UXC06170000006",
        "PmtInfId": "UXC06170000006PI00001",
    }
    assert [detail.qualifier for detail in entry.details] == ["TxDtls"] * 3
    first, second, third = entry.details
    assert first.references == {
        "PmtInfId": "UXC06170000006PI00001",
        "InstrId": "UXC06170000006PI00001II00001",
        "EndToEndId": "UXC06170000006PI00001EE00001",
    }
    assert first.text == (
        "Unstructured Remittance Information V1 / ISR ref number V1 / UNIFITS GmbH"
    )
    assert second.text == "ISR ref number V2 / UNIFITS GmbH"
    assert third.text.startswith(
        "Unstructured Remittance Information V3 block 1 "
        "Unstructured Remittance Information V3 block 2 / Ref number V3 block 1"
    )
    # The details are in CHF, the entry in SEK: not comparable, so no amount.
    assert [detail.amount_minor for detail in entry.details] == [None, None, None]


def test_uetr_is_a_reference():
    entry = read("genkgo-camt054.v8-with-UETR.xml").statements[0].entries[0]
    assert entry.references == {"UETR": "255ae394-9965-4438-ac86-f406feada396"}
    assert entry.status == "BOOK"  # Sts/Cd
    assert entry.bank_operation_code is None  # empty BkTxCd


def test_report_v1_reads_its_batch_and_proprietary_account():
    statement = read("genkgo-camt052.v1.xml").statements[0]
    assert statement.account.account_number == "CH2801234000123456789"
    entry = statement.entries[0]
    assert entry.references["PmtInfId"] == "FINP-0055-001"
    assert entry.booking_date == date(2007, 10, 18)


# --- rules, on small messages ------------------------------------------------------------

ACCOUNT = "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>"


def message(
    body: str,
    *,
    namespace: str | None = NS053,
    root: str = "BkToCstmrStmt",
    record: str = "Stmt",
    account: str = ACCOUNT,
) -> bytes:
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document{xmlns}><{root}>'
        f"<GrpHdr><MsgId>M</MsgId></GrpHdr>\n<{record}><Id>S1</Id>{account}\n{body}\n"
        f"</{record}></{root}></Document>\n"
    ).encode()


def entry_xml(
    amount: str = '<Amt Ccy="EUR">12.30</Amt>',
    indicator: str = "CRDT",
    extra: str = "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-05-02</Dt></BookgDt>",
    code: str = "<BkTxCd/>",
    details: str = "",
    tail: str = "",
) -> str:
    return f"<Ntry>{amount}<CdtDbtInd>{indicator}</CdtDbtInd>{extra}{code}{details}{tail}</Ntry>"


def balance_xml(code: str, amount: str, indicator: str = "CRDT", ccy: str = "EUR") -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
        "<Dt><Dt>2024-05-01</Dt></Dt></Bal>"
    )


def read_bytes(data: bytes) -> ParseResult:
    return camt.parse(data, ParseOptions())


def only_entry(data: bytes):
    [statement] = read_bytes(data).statements
    [entry] = statement.entries
    return entry


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        (entry_xml(), (1230, "BOOK", False, None)),
        (entry_xml(indicator="DBIT"), (-1230, "BOOK", False, None)),
        # A reversal keeps the sign of its own booking.
        (
            entry_xml(indicator="DBIT", extra="<RvslInd>true</RvslInd><Sts>BOOK</Sts>"),
            (-1230, "BOOK", True, None),
        ),
        (entry_xml(extra="<Sts>pdng</Sts>"), (1230, "PDNG", False, None)),
        (entry_xml(extra="<Sts><Prtry>INFO</Prtry></Sts>"), (1230, "INFO", False, None)),
        (entry_xml(amount='<Amt Ccy="JPY">1500</Amt>'), (1500, "BOOK", False, None)),
        (entry_xml(amount='<Amt Ccy="TND">1.234</Amt>'), (1234, "BOOK", False, None)),
        (entry_xml(amount='<Amt Ccy="EUR">12.30000</Amt>'), (1230, "BOOK", False, None)),
        (
            entry_xml(
                code="<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd>"
                "<SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn><Prtry><Cd>05</Cd></Prtry></BkTxCd>"
            ),
            (1230, "BOOK", False, "PMNT/RCDT/ESCT"),
        ),
        (
            entry_xml(code="<BkTxCd><Prtry><Cd>30</Cd><Issr>CFONB</Issr></Prtry></BkTxCd>"),
            (1230, "BOOK", False, "30"),
        ),
    ],
)
def test_entry_amount_status_reversal_and_code(snippet, expected):
    entry = only_entry(message(snippet))
    assert (entry.amount_minor, entry.status, entry.reversal, entry.bank_operation_code) == (
        expected
    )


@pytest.mark.parametrize(
    ("snippet", "message_part"),
    [
        (entry_xml(amount=""), "entry skipped: the entry has no amount (Amt)"),
        (entry_xml(amount='<Amt Ccy="EUR">12.345</Amt>'), "more decimals than EUR allows"),
        (entry_xml(amount='<Amt Ccy="ZZZ">12</Amt>'), "unknown ISO 4217 currency code 'ZZZ'"),
        (entry_xml(amount="<Amt>12</Amt>"), "has no currency (Ccy)"),
        (entry_xml(amount='<Amt Ccy="EUR">-5.00</Amt>'), "is signed"),
        (entry_xml(amount='<Amt Ccy="EUR">12,30</Amt>'), "is not a decimal amount"),
        (entry_xml(indicator="CRED"), "no credit/debit indicator CRDT or DBIT"),
        (
            entry_xml(extra="<Sts>BOOK</Sts><BookgDt><Dt>2024-13-01</Dt></BookgDt>"),
            "booking date '2024-13-01' is not an ISO date",
        ),
        (
            entry_xml(extra="<Sts>BOOK</Sts><ValDt><DtTm>2024-05-02 10:00</DtTm></ValDt>"),
            "value date '2024-05-02 10:00' is not an ISO date",
        ),
    ],
)
def test_an_unreadable_entry_is_an_issue_and_is_skipped(snippet, message_part):
    good = entry_xml(amount='<Amt Ccy="EUR">1.00</Amt>')
    data = message(f"{good}\n{snippet}\n{good}")
    result = read_bytes(data)
    assert [entry.amount_minor for entry in result.statements[0].entries] == [100, 100]
    [issue] = result.issues
    assert issue.record == 5  # the line of the bad <Ntry>
    assert message_part in issue.message


@pytest.mark.parametrize(
    ("balances", "kind", "record", "expected"),
    [
        ([("OPBD", "10.00"), ("CLBD", "22.30")], "Stmt", "statement", (1000, 2230)),
        ([("PRCD", "10.00"), ("CLBD", "22.30")], "Stmt", "statement", (1000, 2230)),
        ([("PRCD", "9.00"), ("OPBD", "10.00")], "Stmt", "statement", (1000, None)),
        ([("ITBD", "1.00"), ("ITBD", "2.00")], "Stmt", "statement", (None, None)),
        # An intraday report closes on its last interim booked balance.
        ([("OPBD", "10.00"), ("ITBD", "15.00"), ("ITBD", "22.30")], "Rpt", "report", (1000, 2230)),
        ([("OPAV", "10.00"), ("CLAV", "22.30")], "Stmt", "statement", (None, None)),
    ],
)
def test_which_balances_are_opening_and_closing(balances, kind, record, expected):
    body = "".join(balance_xml(code, amount) for code, amount in balances) + entry_xml()
    root = "BkToCstmrAcctRpt" if kind == "Rpt" else "BkToCstmrStmt"
    [statement] = read_bytes(message(body, root=root, record=kind)).statements
    assert str(statement.kind) == record
    opening, closing = statement.opening_balance, statement.closing_balance
    assert (opening and opening.amount_minor, closing and closing.amount_minor) == expected


def test_a_debit_balance_is_negative_and_a_bad_balance_is_an_issue():
    body = balance_xml("OPBD", "5.00", "DBIT") + balance_xml("CLBD", "1.2.3") + entry_xml()
    result = read_bytes(message(body))
    assert result.statements[0].opening_balance.amount_minor == -500
    assert result.statements[0].closing_balance is None
    assert "CLBD balance left out" in result.issues[0].message


def test_labels_come_from_additional_information_then_the_single_detail():
    debtor = "<RltdPties><Dbtr><Nm>ACME SA</Nm></Dbtr><Cdtr><Nm>US</Nm></Cdtr></RltdPties>"
    remittance = "<RmtInf><Ustrd>FACTURE 12</Ustrd><Ustrd>ET 13</Ustrd></RmtInf>"
    detail = f"<NtryDtls><TxDtls>{debtor}{remittance}</TxDtls></NtryDtls>"
    with_info = only_entry(
        message(entry_xml(details=detail, tail="<AddtlNtryInf>VIR</AddtlNtryInf>"))
    )
    assert with_info.label == "VIR"
    assert with_info.details[0].text == "FACTURE 12 ET 13 / ACME SA"
    without = only_entry(message(entry_xml(details=detail)))
    assert without.label == "FACTURE 12 ET 13 / ACME SA"
    # For a debit the counterparty is the creditor.
    debit = only_entry(message(entry_xml(indicator="DBIT", details=detail)))
    assert debit.label == "FACTURE 12 ET 13 / US"
    two = detail.replace("</NtryDtls>", "<TxDtls/></NtryDtls>")
    assert only_entry(message(entry_xml(details=two))).label == ""


def test_references_of_entry_batch_and_single_detail():
    refs = (
        "<Refs><MsgId>MSG</MsgId><AcctSvcrRef>DETAIL-REF</AcctSvcrRef>"
        "<EndToEndId>NOTPROVIDED</EndToEndId><InstrId>I-1</InstrId><ChqNb>77</ChqNb></Refs>"
    )
    details = f"<NtryDtls><Btch><PmtInfId>BATCH</PmtInfId></Btch><TxDtls>{refs}</TxDtls></NtryDtls>"
    extra = "<Sts>BOOK</Sts><AcctSvcrRef>BANK-REF</AcctSvcrRef>"
    entry = only_entry(
        message(
            entry_xml(extra=extra, details=details).replace(
                "<Ntry>", "<Ntry><NtryRef>N-1</NtryRef>"
            )
        )
    )
    assert entry.references == {
        "NtryRef": "N-1",
        "AcctSvcrRef": "BANK-REF",  # the entry's own wins over its detail's
        "PmtInfId": "BATCH",
        "MsgId": "MSG",
        "InstrId": "I-1",
        "ChqNb": "77",
    }
    assert entry.bank_reference == "BANK-REF"
    assert entry.details[0].references == {
        "MsgId": "MSG",
        "AcctSvcrRef": "DETAIL-REF",
        "InstrId": "I-1",
        "ChqNb": "77",
    }


@pytest.mark.parametrize(
    ("transaction", "expected"),
    [
        ('<Amt Ccy="EUR">2.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>', -200),
        ('<Amt Ccy="EUR">2.00</Amt>', 200),  # no sign of its own: the entry's
        ('<AmtDtls><TxAmt><Amt Ccy="EUR">3.00</Amt></TxAmt></AmtDtls>', 300),
        ('<Amt Ccy="USD">2.00</Amt>', None),
        (
            '<Amt Ccy="USD">2.00</Amt><AmtDtls><TxAmt><Amt Ccy="EUR">1.80</Amt></TxAmt></AmtDtls>',
            180,
        ),
    ],
)
def test_detail_amounts(transaction, expected):
    details = f"<NtryDtls><TxDtls>{transaction}</TxDtls><TxDtls/></NtryDtls>"
    entry = only_entry(message(entry_xml(details=details)))
    assert entry.details[0].amount_minor == expected


def test_a_bad_detail_amount_costs_only_the_detail_its_amount():
    details = '<NtryDtls><TxDtls><Amt Ccy="EUR">2.001</Amt></TxDtls></NtryDtls>'
    result = read_bytes(message(entry_xml(details=details)))
    [entry] = result.statements[0].entries
    assert entry.amount_minor == 1230 and entry.details[0].amount_minor is None
    assert "the detail has no amount" in result.issues[0].message


def test_an_entry_in_another_currency_is_kept_with_an_issue():
    result = read_bytes(message(entry_xml(amount='<Amt Ccy="USD">1.00</Amt>')))
    assert result.statements[0].entries[0].currency == "USD"
    assert result.issues[0].message == "entry in USD on an account in EUR"


def test_account_number_and_currency_without_iban_nor_ccy():
    account = "<Acct><Id><Othr><Id>000123456789</Id></Othr></Id></Acct>"
    [statement] = read_bytes(message(entry_xml(), account=account)).statements
    assert statement.account.iban is None
    assert statement.account.account_number == "000123456789"
    assert statement.account.currency == "EUR"


@pytest.mark.parametrize(
    ("namespace", "root", "record", "expected"),
    [
        ("urn:iso:std:iso:20022:tech:xsd:camt.052.001.14", "BkToCstmrAcctRpt", "Rpt",
         (StatementFormat.CAMT052, "001.14", StatementKind.REPORT)),
        ("urn:iso:std:iso:20022:tech:xsd:camt.054.001.13", "BkToCstmrDbtCdtNtfctn", "Ntfctn",
         (StatementFormat.CAMT054, "001.13", StatementKind.NOTIFICATION)),
        (None, "BkToCstmrStmt", "Stmt", (StatementFormat.CAMT053, None, StatementKind.STATEMENT)),
    ],
)  # fmt: skip
def test_message_and_version_come_from_the_namespace(namespace, root, record, expected):
    result = read_bytes(message(entry_xml(), namespace=namespace, root=root, record=record))
    assert (result.format, result.version, result.statements[0].kind) == expected


def test_prefixed_namespace_and_latin1_encoding():
    data = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        f'<c:Document xmlns:c="{NS053}"><c:BkToCstmrStmt><c:Stmt><c:Id>S</c:Id>'
        "<c:Acct><c:Id><c:IBAN>FR7630006000011234567890189</c:IBAN></c:Id></c:Acct>"
        '<c:Ntry><c:Amt Ccy="EUR">1.00</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd>'
        "<c:AddtlNtryInf>Remise carte \xe9t\xe9</c:AddtlNtryInf></c:Ntry>"
        "</c:Stmt></c:BkToCstmrStmt></c:Document>"
    ).encode("latin-1")
    assert only_entry(data).label == "Remise carte été"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Document><BkToCstmrStmt><Stmt><Id>&lol3;</Id></Stmt></BkToCstmrStmt></Document>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document><BkToCstmrStmt><Stmt><Id>&secret;</Id></Stmt></BkToCstmrStmt></Document>"""
DOCTYPE_ONLY = b"""<?xml version="1.0"?>
<!DOCTYPE Document SYSTEM "http://example.com/camt.dtd">
<Document><BkToCstmrStmt><Stmt><Id>S</Id></Stmt></BkToCstmrStmt></Document>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL, DOCTYPE_ONLY])
def test_document_types_and_entities_are_refused(data):
    with pytest.raises(StatementFileError, match="declares a document type") as raised:
        read_bytes(data)
    assert raised.value.record == 2


@pytest.mark.parametrize(
    ("data", "line"),
    [
        # Lines: 1 declaration, 2 Document and GrpHdr, 3 Stmt and Acct, 4 the entries.
        (message(entry_xml())[:-40], 4),
        (message(entry_xml()).replace(b"<Ntry>", b"<Ntry><Bad>"), 4),
        (message(entry_xml()).replace(b"<Id>S1</Id>", b"<Id>S&amp1</Id>"), 3),
        (b"", 1),
    ],
)
def test_malformed_xml_names_its_line(data, line):
    with pytest.raises(StatementFileError, match=f"not well-formed at line {line}") as raised:
        read_bytes(data)
    assert raised.value.record == line


@pytest.mark.parametrize(
    ("data", "message_part"),
    [
        (
            message(entry_xml(), namespace="urn:iso:std:iso:20022:tech:xsd:camt.056.001.08"),
            "is not a camt.052, camt.053 or camt.054 message",
        ),
        (b"<Document><Foo><Stmt/></Foo></Document>", "no BkToCstmrStmt"),
        (b"<a>" * 150 + b"</a>" * 150, "nests more than 100 elements deep"),
        (b'<?xml version="1.0" encoding="shift_jis"?><a/>', "encoding that cannot be read"),
        (b'<?xml version="1.0" encoding="klingon"?><a/>', "encoding that cannot be read"),
    ],
)
def test_xml_that_is_not_a_camt_message_is_refused(data, message_part):
    with pytest.raises(StatementFileError, match=message_part):
        read_bytes(data)
