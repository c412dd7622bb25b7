"""camt.053 writer: what it writes, where, in which order, what it refuses, and that the
parser reads back exactly the statements it was given."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from defusedxml import ElementTree as DefusedET
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointage.core.errors import InvalidInput
from pointage.formats.statements import camt, parse
from pointage.formats.statements.camt_entry import TRANSACTION_REFERENCES
from pointage.formats.statements.camt_write import write_camt053
from pointage.formats.statements.model import (
    AccountId,
    Balance,
    Entry,
    EntryDetail,
    ParseOptions,
    Statement,
    StatementFormat,
    StatementKind,
)

CREATED = datetime(2024, 5, 3, 6, 30, tzinfo=UTC)
IBAN = "FR7630006000011234567890189"
VERSIONS = ["001.02", "001.08"]


def statement(*entries: Entry, **changes: object) -> Statement:
    closing = 10_000 + sum(entry.amount_minor for entry in entries)
    base = Statement(
        record=0,
        account=AccountId(iban=IBAN, currency="EUR"),
        opening_balance=Balance(10_000, date(2024, 5, 1)),
        closing_balance=Balance(closing, date(2024, 5, 2)),
        entries=list(entries),
        identifier="STMT-1",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def entry(**changes: object) -> Entry:
    base = Entry(
        record=0,
        amount_minor=12_345,
        currency="EUR",
        booking_date=date(2024, 5, 2),
        value_date=date(2024, 5, 3),
        label="REMISE CB 000123",
        bank_operation_code="30",
        references={"AcctSvcrRef": "BANK-1"},
        status="BOOK",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def write(statements: list[Statement], version: str = "001.02") -> bytes:
    return write_camt053(statements, version=version, message_id="MSG-1", created_at=CREATED)


def tree(data: bytes, version: str) -> tuple[ET.Element, dict[str, str]]:
    namespace = {"c": f"urn:iso:std:iso:20022:tech:xsd:camt.053.{version}"}
    return DefusedET.fromstring(data), namespace


def without_records(statements: list[Statement]) -> list[Statement]:
    """The statements with every record number 0: the parser gives line numbers."""
    return [
        dataclasses.replace(
            item,
            record=0,
            entries=[
                dataclasses.replace(
                    one,
                    record=0,
                    details=[dataclasses.replace(detail, record=0) for detail in one.details],
                )
                for one in item.entries
            ],
        )
        for item in statements
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_namespace_header_and_key_paths(version):
    written = write([statement(entry())], version)
    assert written.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    root, ns = tree(written, version)
    assert root.tag == f"{{urn:iso:std:iso:20022:tech:xsd:camt.053.{version}}}Document"
    assert root.findtext("c:BkToCstmrStmt/c:GrpHdr/c:MsgId", namespaces=ns) == "MSG-1"
    assert root.findtext("c:BkToCstmrStmt/c:GrpHdr/c:CreDtTm", namespaces=ns) == (
        "2024-05-03T06:30:00+00:00"
    )
    stmt = root.find("c:BkToCstmrStmt/c:Stmt", ns)
    assert stmt.findtext("c:Id", namespaces=ns) == "STMT-1"
    assert stmt.findtext("c:Acct/c:Id/c:IBAN", namespaces=ns) == IBAN
    assert stmt.findtext("c:Acct/c:Ccy", namespaces=ns) == "EUR"
    balances = [
        (
            bal.findtext("c:Tp/c:CdOrPrtry/c:Cd", namespaces=ns),
            bal.findtext("c:Amt", namespaces=ns),
            bal.find("c:Amt", ns).get("Ccy"),
            bal.findtext("c:Dt/c:Dt", namespaces=ns),
        )
        for bal in stmt.findall("c:Bal", ns)
    ]
    assert balances == [
        ("OPBD", "100.00", "EUR", "2024-05-01"),
        ("CLBD", "223.45", "EUR", "2024-05-02"),
    ]
    ntry = stmt.find("c:Ntry", ns)
    assert ntry.findtext("c:Amt", namespaces=ns) == "123.45"
    assert ntry.findtext("c:CdtDbtInd", namespaces=ns) == "CRDT"
    status = "c:Sts" if version == "001.02" else "c:Sts/c:Cd"
    assert ntry.findtext(status, namespaces=ns) == "BOOK"
    assert ntry.findtext("c:BookgDt/c:Dt", namespaces=ns) == "2024-05-02"
    assert ntry.findtext("c:ValDt/c:Dt", namespaces=ns) == "2024-05-03"
    assert ntry.findtext("c:AcctSvcrRef", namespaces=ns) == "BANK-1"
    assert ntry.findtext("c:BkTxCd/c:Prtry/c:Cd", namespaces=ns) == "30"
    assert ntry.findtext("c:BkTxCd/c:Prtry/c:Issr", namespaces=ns) == "CFONB"
    assert ntry.findtext("c:AddtlNtryInf", namespaces=ns) == "REMISE CB 000123"
    assert ntry.find("c:RvslInd", ns) is None


@pytest.mark.parametrize("version", VERSIONS)
def test_details_batch_and_iso_code(version):
    details = [
        EntryDetail(0, "TxDtls", "FACT 1", -2_000, {"EndToEndId": "E1", "InstrId": "I1"}),
        EntryDetail(0, "TxDtls", None, -345, {"EndToEndId": "E2"}),
    ]
    one = entry(
        amount_minor=-2_345,
        reversal=True,
        bank_operation_code="PMNT/ICDT/ESCT",
        references={"AcctSvcrRef": "B", "NtryRef": "N", "PmtInfId": "P-1"},
        details=details,
    )
    root, ns = tree(write([statement(one)], version), version)
    ntry = root.find("c:BkToCstmrStmt/c:Stmt/c:Ntry", ns)
    assert ntry.findtext("c:NtryRef", namespaces=ns) == "N"
    assert ntry.findtext("c:CdtDbtInd", namespaces=ns) == "DBIT"
    assert ntry.findtext("c:RvslInd", namespaces=ns) == "true"
    code = [ntry.findtext(f"c:BkTxCd/c:Domn/{path}", namespaces=ns) for path in (
        "c:Cd", "c:Fmly/c:Cd", "c:Fmly/c:SubFmlyCd"
    )]  # fmt: skip
    assert code == ["PMNT", "ICDT", "ESCT"]
    assert ntry.findtext("c:NtryDtls/c:Btch/c:PmtInfId", namespaces=ns) == "P-1"
    first, second = ntry.findall("c:NtryDtls/c:TxDtls", ns)
    assert first.findtext("c:Refs/c:EndToEndId", namespaces=ns) == "E1"
    assert first.findtext("c:RmtInf/c:Ustrd", namespaces=ns) == "FACT 1"
    assert second.find("c:RmtInf", ns) is None
    if version == "001.02":
        assert first.findtext("c:AmtDtls/c:TxAmt/c:Amt", namespaces=ns) == "20.00"
        assert first.find("c:CdtDbtInd", ns) is None
    else:
        assert first.findtext("c:Amt", namespaces=ns) == "20.00"
        assert first.findtext("c:CdtDbtInd", namespaces=ns) == "DBIT"


# The sequences of the schema for the elements the writer produces (camt.053.001.02 and
# .001.08 agree on these, .08 adding TxDtls/Amt, TxDtls/CdtDbtInd and Refs/UETR).
SCHEMA_ORDER = {
    "Document": ["BkToCstmrStmt"],
    "BkToCstmrStmt": ["GrpHdr", "Stmt"],
    "GrpHdr": ["MsgId", "CreDtTm", "MsgRcpt", "MsgPgntn", "AddtlInf"],
    "Stmt": [
        "Id", "StmtPgntn", "ElctrncSeqNb", "LglSeqNb", "CreDtTm", "FrToDt", "CpyDplctInd",
        "RptgSrc", "Acct", "RltdAcct", "Intrst", "Bal", "TxsSummry", "Ntry", "AddtlStmtInf",
    ],
    "FrToDt": ["FrDtTm", "ToDtTm"],
    "Acct": ["Id", "Tp", "Ccy", "Nm", "Ownr", "Svcr"],
    "Bal": ["Tp", "CdtLine", "Amt", "CdtDbtInd", "Dt", "Avlbty"],
    "Tp": ["CdOrPrtry", "SubTp"],
    "Ntry": [
        "NtryRef", "Amt", "CdtDbtInd", "RvslInd", "Sts", "BookgDt", "ValDt", "AcctSvcrRef",
        "Avlbty", "BkTxCd", "ComssnWvrInd", "AddtlInfInd", "AmtDtls", "Chrgs", "TechInptChanl",
        "Intrst", "CardTx", "NtryDtls", "AddtlNtryInf",
    ],
    "BkTxCd": ["Domn", "Prtry"],
    "Domn": ["Cd", "Fmly"],
    "Fmly": ["Cd", "SubFmlyCd"],
    "Prtry": ["Cd", "Issr"],
    "NtryDtls": ["Btch", "TxDtls"],
    "Btch": ["MsgId", "PmtInfId", "NbOfTxs", "TtlAmt", "CdtDbtInd"],
    "TxDtls": ["Refs", "Amt", "CdtDbtInd", "AmtDtls", "Avlbty", "BkTxCd", "RltdPties", "RmtInf"],
    "Refs": list(TRANSACTION_REFERENCES),
    "AmtDtls": ["InstdAmt", "TxAmt"],
    "RmtInf": ["Ustrd", "Strd"],
}  # fmt: skip
REQUIRED = {
    "GrpHdr": {"MsgId", "CreDtTm"},
    "Stmt": {"Id", "Acct", "Bal"} | {"CreDtTm"},  # CreDtTm is mandatory in .001.02
    "Bal": {"Tp", "Amt", "CdtDbtInd", "Dt"},
    "Ntry": {"Amt", "CdtDbtInd", "Sts", "BkTxCd"},
}


def check_order(element: ET.Element) -> None:
    tag = element.tag.rpartition("}")[2]
    children = [child.tag.rpartition("}")[2] for child in element]
    if tag in SCHEMA_ORDER:
        allowed = SCHEMA_ORDER[tag]
        assert set(children) <= set(allowed), (tag, children)
        positions = [allowed.index(child) for child in children]
        assert positions == sorted(positions), (tag, children)
        assert REQUIRED.get(tag, set()) <= set(children), (tag, children)
    for child in element:
        check_order(child)


@pytest.mark.parametrize("version", VERSIONS)
def test_elements_follow_the_schema_order(version):
    details = [EntryDetail(0, "TxDtls", "X", 100, {"TxId": "T", "MsgId": "M"})]
    entries = [
        entry(),
        entry(
            amount_minor=100,
            references={"NtryRef": "N", "AcctSvcrRef": "A", "TxId": "T", "MsgId": "M"},
            details=details,
            bank_operation_code="PMNT/RCDT/ESCT",
            reversal=True,
        ),
        entry(bank_operation_code=None, references={"PmtInfId": "P"}),
    ]
    document = statement(*entries, from_date=date(2024, 5, 1), to_date=date(2024, 5, 2))
    check_order(DefusedET.fromstring(write([document], version)))


def test_several_statements_and_a_generated_id():
    second = statement(entry(), identifier=None, account=AccountId(account_number="0001234"))
    second.account.currency = "EUR"
    result = parse(write([statement(entry()), second]))
    assert result.format is StatementFormat.CAMT053 and result.version == "001.02"
    assert [item.identifier for item in result.statements] == ["STMT-1", "MSG-1-2"]
    assert result.statements[1].account.account_number == "0001234"
    assert result.issues == []


def test_texts_are_escaped_and_long_remittance_split_on_spaces():
    long_text = " ".join(f"word{number:03d}&<>" for number in range(40))
    one = entry(
        label="A & B <\"quoted\"> 'x'",
        details=[EntryDetail(0, "TxDtls", long_text, None, {})],
    )
    written = write([statement(one)])
    root, ns = tree(written, "001.02")
    lines = [line.text for line in root.iterfind(".//c:Ustrd", ns)]
    assert len(lines) == 4 and all(len(line) <= 140 for line in lines)
    [parsed] = camt.parse(written, ParseOptions()).statements[0].entries
    assert parsed.label == "A & B <\"quoted\"> 'x'"
    assert parsed.details[0].text == long_text


@pytest.mark.parametrize(
    ("change", "message_part"),
    [
        ({"account": AccountId(currency="EUR")}, "needs an IBAN"),
        (
            {"account": AccountId(bank_code="30006", account_number="1", currency="EUR")},
            "needs an IBAN",
        ),
        ({"account": AccountId(iban="FR76 3000", currency="EUR")}, "is not an IBAN"),
        ({"account": AccountId(iban=IBAN)}, "needs an ISO 4217 currency"),
        ({"opening_balance": None, "closing_balance": None}, "has no balance"),
        ({"opening_balance": Balance(1, None)}, "the OPBD balance has no date"),
        ({"kind": StatementKind.REPORT}, "camt.053 carries booked statements only"),
        ({"from_date": date(2024, 5, 1)}, "only one of its period dates"),
        ({"identifier": "X" * 36}, "statement id 'XXXX"),
        ({"entries": [entry(currency="USD")]}, "in USD on an account in EUR"),
        ({"entries": [entry(label="x" * 501)]}, "label 'xxx"),
        ({"entries": [entry(label="bell \x07")]}, "which XML cannot carry"),
        ({"entries": [entry(status="FUTR")]}, "status 'FUTR' is not one of BOOK, INFO, PDNG"),
        ({"entries": [entry(references={"FITID": "1"})]}, "no place for the reference FITID"),
        ({"entries": [entry(references={"AcctSvcrRef": "R" * 36})]}, "longer than 35"),
        (
            {"entries": [entry(details=[EntryDetail(0, references={"UETR": "u"})])]},
            "UETR (only from camt.053.001.08 on)",
        ),
        (
            {"entries": [entry(details=[EntryDetail(0, amount_minor=-5)])]},
            "opposite sign to its entry",
        ),
        (
            {
                "entries": [
                    entry(
                        references={"EndToEndId": "E"},
                        details=[EntryDetail(0), EntryDetail(0)],
                    )
                ]
            },
            "EndToEndId='E' on the entry is not its detail's",
        ),
    ],
)
def test_what_camt_cannot_carry_is_refused(change, message_part):
    with pytest.raises(InvalidInput) as raised:
        write([statement(entry(), **change)])
    assert message_part in raised.value.message


def test_unknown_version_and_no_statement_are_refused():
    with pytest.raises(InvalidInput, match=r"choose one of 001\.02, 001\.08"):
        write([statement(entry())], "001.04")
    with pytest.raises(InvalidInput, match="at least one statement"):
        write([])


def test_references_without_a_detail_get_one_transaction_detail():
    one = entry(references={"AcctSvcrRef": "B", "EndToEndId": "E-1", "MsgId": "M"})
    [parsed] = parse(write([statement(one)])).statements[0].entries
    assert parsed.references == {"AcctSvcrRef": "B", "EndToEndId": "E-1", "MsgId": "M"}
    assert [detail.references for detail in parsed.details] == [{"EndToEndId": "E-1"}]


# --- parse(write(statements)) == statements ---------------------------------------------

TEXT = (
    st.text(
        alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")),
        min_size=1,
        max_size=60,
    )
    .map(lambda text: " ".join(text.split()))
    .filter(bool)
)
REFERENCE = (
    st.text(alphabet=st.characters(codec="ascii", categories=("L", "N", "P")), min_size=1)
    .map(lambda text: text[:35])
    .filter(lambda text: text != "NOTPROVIDED")
)
# Longer than one Ustrd line of 140 characters, so that it is cut and joined again.
LONG_TEXT = st.lists(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZé0123456789&<>/-", min_size=15, max_size=40),
    min_size=5,
    max_size=15,
).map(" ".join)
DAY = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
CURRENCY = st.sampled_from(["EUR", "JPY", "TND", "USD"])
CODE = st.none() | st.sampled_from(["PMNT/RCDT/ESCT", "PMNT/ICDT/DMCT", "30", "62", "A1", "544"])


def reference_dict(keys: list[str]) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(keys), REFERENCE, max_size=len(keys))


@st.composite
def detail(draw: st.DrawFn, version: str, sign: int) -> EntryDetail:
    keys = [key for key in TRANSACTION_REFERENCES if version == "001.08" or key != "UETR"]
    text = draw(st.none() | st.lists(TEXT, min_size=1, max_size=5).map(" ".join) | LONG_TEXT)
    amount = draw(st.none() | st.integers(0, 10**9))
    if amount is not None:
        # .001.02 has no sign on a detail: it is the entry's.
        negative = draw(st.booleans()) if version == "001.08" else sign < 0
        amount = -amount if negative else amount
    return EntryDetail(0, "TxDtls", text, amount, draw(reference_dict(keys)))


@st.composite
def an_entry(draw: st.DrawFn, version: str, currency: str) -> Entry:
    amount = draw(st.integers(-(10**12), 10**12))
    details = draw(st.lists(detail(version, -1 if amount < 0 else 1), max_size=3))
    references = draw(reference_dict(["NtryRef", "AcctSvcrRef"]))
    if len(details) == 1:
        for key, value in details[0].references.items():
            references.setdefault(key, value)
    else:
        references.update(draw(reference_dict(["MsgId", "PmtInfId"])))
    return Entry(
        record=0,
        amount_minor=amount,
        currency=currency,
        booking_date=draw(st.none() | DAY),
        value_date=draw(st.none() | DAY),
        label=draw(st.lists(TEXT, min_size=1, max_size=8).map(" ".join)),  # at most 487
        bank_operation_code=draw(CODE),
        references=references,
        details=details,
        status=draw(st.sampled_from(["BOOK", "PDNG", "INFO"])),
        reversal=draw(st.booleans()),
    )


@st.composite
def a_statement(draw: st.DrawFn, version: str) -> Statement:
    currency = draw(CURRENCY)
    iban = draw(st.sampled_from([IBAN, "DE89370400440532013000", None]))
    account = AccountId(
        iban=iban,
        account_number=None if iban else draw(REFERENCE)[:34],
        currency=currency,
    )
    balance = st.builds(Balance, st.integers(-(10**13), 10**13), DAY)
    opening, closing = draw(st.sampled_from([(True, True), (True, False), (False, True)]))
    period = draw(st.none() | st.tuples(DAY, DAY))
    return Statement(
        record=0,
        account=account,
        opening_balance=draw(balance) if opening else None,
        closing_balance=draw(balance) if closing else None,
        entries=draw(st.lists(an_entry(version, currency), max_size=4)),
        identifier=draw(REFERENCE),
        from_date=period[0] if period else None,
        to_date=period[1] if period else None,
    )


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_parsing_what_was_written_gives_back_the_statements(version, data):
    statements = data.draw(st.lists(a_statement(version), min_size=1, max_size=2))
    written = write(statements, version)
    result = camt.parse(written, ParseOptions())
    assert result.version == version
    assert result.issues == []
    assert without_records(result.statements) == without_records(statements)
