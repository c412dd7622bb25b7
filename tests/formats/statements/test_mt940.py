"""MT940/MT942: every shared sample, the banks' figures, and each rule on a small text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from pointage.formats.statements import parse
from pointage.formats.statements.checks import balance_difference
from pointage.formats.statements.model import (
    ParseOptions,
    ParseResult,
    StatementFileError,
    StatementFormat,
    StatementKind,
)
from pointage.formats.statements.mt940 import parse as parse_mt940
from tests.formats.samples import SAMPLES_DIR

MT940_DIR = SAMPLES_DIR / "mt940"
ADDS_UP = "does not add up"


def read(name: str) -> ParseResult:
    return parse((MT940_DIR / name).read_bytes())


def read_text(text: str) -> ParseResult:
    return parse_mt940(text.encode(), ParseOptions())


def messages(result: ParseResult) -> list[tuple[int | None, str]]:
    return [(issue.record, issue.message) for issue in result.issues]


# --- every sample -----------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    format: StatementFormat
    statements: int
    entries: int
    # Statements (by record) whose own figures do not add up: these test files were
    # anonymised or cut by the projects that published them.
    unbalanced: tuple[int, ...] = ()
    issues: int = 0


REFUSED = None
MT940, MT942 = StatementFormat.MT940, StatementFormat.MT942
SAMPLES: dict[str, Read | None] = {
    "ASNB-0708271685_09022020_164516.940.txt": Read(MT940, 31, 8, issues=31),  # fake IBAN
    "betterplace-amount_formats.sta": Read(MT940, 1, 0, issues=7),
    "betterplace-currency_in_25.sta": Read(MT940, 1, 0, issues=2),
    "betterplace-empty_86.sta": Read(MT940, 1, 0, issues=2),
    "betterplace-empty_entry_date.sta": Read(MT940, 1, 1, issues=3),
    "betterplace-empty_line.sta": Read(MT940, 1, 0, issues=1),
    "betterplace-missing_crlf_at_end.sta": Read(MT940, 1, 0, issues=2),
    "betterplace-sepa_mt9401.sta": Read(MT940, 26, 97),
    "betterplace-sepa_snippet.sta": Read(MT940, 2, 11, unbalanced=(25,), issues=1),
    "betterplace-sepa_snippet_broken.sta": Read(MT940, 1, 1, unbalanced=(1,), issues=2),
    "betterplace-with_binary_character.sta": Read(MT940, 2, 4),
    "cmxl-account_balance_credit.sta": Read(MT940, 1, 0, issues=2),
    "cmxl-account_balance_debit.sta": Read(MT940, 1, 0, issues=2),
    "cmxl-account_identification_iban.sta": Read(MT940, 1, 0, issues=3),
    "cmxl-account_identification_legacy.sta": Read(MT940, 1, 0, issues=2),
    "cmxl-available_balance.sta": Read(MT940, 1, 0, issues=2),
    "cmxl-closing_balance.sta": Read(MT940, 1, 0, issues=2),
    "cmxl-mt940.sta": Read(MT940, 3, 16, issues=1),  # DEM
    "cmxl-reference.sta": Read(MT940, 1, 0, issues=1),
    "cmxl-statement_details.sta": Read(MT940, 1, 1, issues=3),
    "cmxl-statement_line.sta": Read(MT940, 1, 1, issues=3),
    "cmxl-statement_number.sta": Read(MT940, 1, 0, issues=2),
    "jejik-abnamro.sta": Read(MT940, 2, 10, unbalanced=(4, 32), issues=2),
    "jejik-generic.sta": Read(MT940, 2, 2),
    "jejik-ing.sta": Read(MT940, 1, 7, unbalanced=(4,), issues=1),
    "jejik-knab.sta": Read(MT940, 2, 3, unbalanced=(10,), issues=1),
    "jejik-postfinance.sta": Read(MT940, 2, 4, unbalanced=(15,), issues=1),
    "jejik-rabobank-iban.sta": Read(MT940, 2, 4, issues=2),  # fake IBAN
    "jejik-rabobank.sta": Read(MT940, 4, 5, unbalanced=(2, 19), issues=2),
    "jejik-sns.sta": Read(MT940, 2, 2),
    "jejik-triodos.sta": Read(MT940, 1, 2, unbalanced=(1,), issues=1),
    "mBank-mt940.sta": Read(MT940, 1, 3),
    "mBank-mt942.sta": Read(MT942, 1, 3),
    "mBank-with_newline_in_tnr.sta": Read(MT940, 1, 2, unbalanced=(2,), issues=1),
    "sberbank-171011_01234945.sta": Read(MT940, 1, 3),
    "self-provided-details_60-63.sta": Read(MT940, 1, 1, unbalanced=(1,), issues=1),
    "self-provided-empty_non_swift.sta": REFUSED,
    "self-provided-february_30.sta": Read(MT940, 1, 1, issues=1),
    "self-provided-gv_codes.sta": Read(MT940, 1, 2, issues=1),
    "self-provided-invalid_statement.sta": REFUSED,
    "self-provided-long_statement_number.sta": Read(MT940, 1, 0),
    "self-provided-malformed_details.sta": Read(MT940, 1, 1, unbalanced=(1,), issues=2),
    "self-provided-mt942.sta": Read(MT942, 1, 1, issues=1),
    "self-provided-overly_long_details.sta": Read(MT940, 1, 1, unbalanced=(1,), issues=1),
    "self-provided-raiffeisen-cmi.sta": Read(MT940, 1, 7, unbalanced=(1,), issues=1),
    "self-provided-raphaelm.sta": Read(MT940, 3, 9, issues=6),  # DEM, balances without currency
    "self-provided-sparkassen.sta": Read(MT940, 1, 1, issues=4),
    "self-provided-transaction_details_wrapped.sta": Read(MT940, 1, 1, issues=1),
    "self-provided-whitespace.sta": Read(MT940, 1, 1, unbalanced=(1,), issues=1),
    "self-provided-wrapped_timestamp.sta": Read(MT940, 1, 1, issues=1),
}


def test_the_table_covers_every_mt940_sample():
    assert sorted(SAMPLES) == sorted(path.name for path in MT940_DIR.iterdir())


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_sample_is_read_or_refused_as_the_table_says(name):
    expected = SAMPLES[name]
    data = (MT940_DIR / name).read_bytes()
    if expected is REFUSED:
        for reader in (lambda: parse(data), lambda: parse(data, StatementFormat.MT940)):
            with pytest.raises(StatementFileError) as raised:
                reader()
            assert "\n" not in raised.value.message
        return
    result = parse(data)
    entries = sum(len(statement.entries) for statement in result.statements)
    assert (result.format, len(result.statements), entries) == (
        expected.format,
        expected.statements,
        expected.entries,
    )
    unbalanced = tuple(s.record for s in result.statements if balance_difference(s))
    assert unbalanced == expected.unbalanced
    assert len([m for _, m in messages(result) if ADDS_UP in m]) == len(unbalanced)
    assert len(result.issues) == expected.issues, messages(result)
    assert all(issue.record is not None for issue in result.issues)


# --- the banks' figures -----------------------------------------------------------------

# name, statement, (iban, bank_code, account_number, currency), identifier,
# opening (minor, date), closing (minor, date), number of entries
STATEMENTS = [
    ("jejik-abnamro.sta", 0, (None, None, "517852257", "EUR"), "19321/1",
     (323628, date(2011, 5, 22)), (87684, date(2011, 5, 23)), 8),
    ("jejik-abnamro.sta", 1, (None, None, "517852257", "EUR"), "19322/1",
     (287684, date(2011, 5, 23)), (184975, date(2011, 5, 24)), 2),
    ("jejik-ing.sta", 0, (None, None, "0001234567", "EUR"), "000",
     (0, date(2010, 7, 22)), (347, date(2010, 7, 23)), 7),
    ("jejik-rabobank.sta", 3, (None, None, "1526.89.184", "EUR"), "00000/00",
     (419612, date(2012, 8, 28)), (410182, date(2012, 8, 29)), 2),
    ("jejik-rabobank-iban.sta", 1, (None, None, "NL71RABO0123456789", "EUR"), "0",
     (96500, date(2013, 1, 8)), (93000, date(2013, 1, 15)), 2),
    ("jejik-knab.sta", 0, (None, None, "123456789", "EUR"), "998/1",
     (0, date(2014, 5, 7)), (50000, date(2014, 5, 8)), 1),
    ("jejik-sns.sta", 0, (None, None, "0123456789", "EUR"), "160/1",
     (123456, date(2012, 6, 8)), (120956, date(2012, 6, 8)), 2),
    ("jejik-triodos.sta", 0, (None, "TRIODOSBANK", "0390123456", "EUR"), "1",
     (497509, date(2011, 1, 1)), (437079, date(2011, 2, 1)), 2),
    ("jejik-postfinance.sta", 0, (None, None, "123456789", "CHF"), "999/1",
     (0, date(2013, 11, 30)), (22920, date(2014, 4, 7)), 2),
    ("mBank-mt940.sta", 0, ("PL29114010810000267002001002", None, None, "PLN"), "1/1",
     (40, date(2017, 1, 19)), (43, date(2017, 1, 19)), 3),
    ("sberbank-171011_01234945.sta", 0, (None, None, "1966315302010001", "HUF"), "00046",
     (62731130, date(2017, 10, 11)), (61787430, date(2017, 10, 11)), 3),
    ("self-provided-raiffeisen-cmi.sta", 0, (None, "UBRTHUHB", "123456789150ABCDEF002", "HUF"),
     "0072", (2517063710, date(2018, 4, 17)), (2528168760, date(2018, 4, 17)), 7),
    ("betterplace-sepa_mt9401.sta", 0, (None, "50880050", "0194774600888", "EUR"),
     "00004/00001", (-123471836, date(2007, 9, 3)), (-123762823, date(2007, 9, 4)), 7),
    ("self-provided-gv_codes.sta", 0, (None, "12345678", "1020304050", "EUR"), "0",
     (1234512, date(2017, 9, 14)), None, 2),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "index", "account", "identifier", "opening", "closing", "entries"), STATEMENTS
)
def test_statement_figures(name, index, account, identifier, opening, closing, entries):
    statement = read(name).statements[index]
    found = statement.account
    assert (found.iban, found.bank_code, found.account_number, found.currency) == account
    assert statement.identifier == identifier
    assert statement.kind is StatementKind.STATEMENT
    assert (statement.opening_balance.amount_minor, statement.opening_balance.date) == opening
    if closing is None:
        assert statement.closing_balance is None
    else:
        assert (statement.closing_balance.amount_minor, statement.closing_balance.date) == closing
    assert len(statement.entries) == entries


# name, statement, entry: record, amount, value date, booking date, code, references, label
ENTRIES = [
    ("jejik-abnamro.sta", 0, 0, 8, -900, date(2011, 5, 24), date(2011, 5, 24), "N192", {},
     "GIRO   428428 KPN - DIGITENNE    BETALINGSKENM.  000000042188659 5314606715"
     "                       BETREFT FACTUUR D.D. 20-05-2011 INCL. 1,44 BTW"),
    ("jejik-abnamro.sta", 0, 1, 12, -1159, date(2011, 5, 21), date(2011, 5, 23), "N426", {},
     "BEA   NR:XXX1234   21.05.11/12.54 DIRCKIII FIL2500 KATWIJK,PAS999"),
    ("jejik-ing.sta", 0, 2, 14, -111, date(2010, 7, 22), None, "NTRF",
     {"customer_reference": "TMG TANGO"}, None),
    ("jejik-ing.sta", 0, 6, 22, 100, date(2010, 7, 23), None, "NTRF", {},
     "0111111111 Hr S Marechal ROSMALEN Hr S Marechal ROSMALEN Betaling transactiedatum:"
     " 22-07-2010"),
    ("jejik-rabobank.sta", 0, 0, 6, -121328, date(2011, 5, 27), None, "N044",
     {"customer_reference": "0121470966"},
     "Terugboeking NIET AKKOORD MET AFSCHRIJVING KOSTEN KINDEROPVANG JUNI 20095731"),
    ("jejik-rabobank-iban.sta", 0, 0, 6, -2500, date(2013, 1, 1), None, "N102",
     {"EndToEndId": "01-01-2013 12:00 0030000987654321"}, "CONTRA ACCOUNT HOLDER"),
    ("jejik-rabobank-iban.sta", 0, 1, 10, -1000, date(2013, 1, 2), None, "N154", {},
     "JOHN DOE Reference 201301234"),
    ("jejik-knab.sta", 1, 1, 17, 50000, date(2014, 7, 29), date(2014, 7, 29), "NTRF",
     {"customer_reference": "29-07-2014 10:05", "bank_reference": "B4G29PGDCK1QFV3E"}, None),
    ("jejik-sns.sta", 0, 0, 5, -2000, date(2012, 6, 7), date(2012, 6, 8), "NIOB",
     {"customer_reference": "0987654321"}, "0987654321 marechal s dit is een test"),
    ("jejik-triodos.sta", 0, 0, 5, -1570, date(2011, 1, 1), None, "N000", {},
     "ALGEMENE TUSSENREKENING KOSTEN VAN 01-10-2010 TOT EN MET 31-12-2010"),
    ("jejik-postfinance.sta", 1, 0, 19, -7990, date(2013, 12, 16), date(2013, 12, 16), "FMSC",
     {"customer_reference": "01916"},
     "GIRO AUS ONLINE-SIC 80701 AUFTRAGGEBER: XXXXXXXXX XXX XXXXXXXXSTRASSE 111 1234"
     " XXXXXXXXXXXX 131216CH12345678 MITTEILUNGEN: 1 SONNENGLAESER"),
    ("mBank-mt940.sta", 0, 2, 18, 1, date(2017, 1, 19), date(2017, 1, 19), "NTRF",
     {"bank_reference": "MB170119012121"}, None),
    ("sberbank-171011_01234945.sta", 0, 0, 12, -240200, date(2017, 10, 11),
     date(2017, 10, 11), "S", {"customer_reference": "X"}, None),
    ("self-provided-raiffeisen-cmi.sta", 0, 0, 6, 206663700, date(2018, 4, 17), None, "N527",
     {}, None),
    ("betterplace-sepa_mt9401.sta", 0, 0, 5, 30000, date(2007, 9, 4), date(2007, 9, 4), "NTRF",
     {"customer_reference": "TFNr 40005 MSGID", "bank_reference": "0724710345313905",
      "EndToEndId": "TFNR 40005 00005"},
     "RETOURE EREF+TFNR 40005 00005 MTLG:Grund nicht spezifiziert Reject aus"
     " SEPA-Ueberweisungsauftrag"),
    ("betterplace-with_binary_character.sta", 1, 0, 22, 112000, date(2010, 3, 22),
     date(2010, 3, 19), "N085", {},
     "Zahlung m.Elektr.Unterschr. Belegloser Zahlungsauftrag Überweisung:19.03.2010"
     " Anzahl Posten :7 Anw-Nr.: 69725663086"),
    ("self-provided-sparkassen.sta", 0, 0, 1, 3000, date(2018, 11, 26), date(2018, 11, 26),
     "N062", {}, "GUTSCHR. UEBERWEISUNG SVWZ+Test"),
    ("ASNB-0708271685_09022020_164516.940.txt", 0, 0, 6, -6500, date(2020, 1, 1),
     date(2020, 1, 1), "NOVB", {"customer_reference": "NL47INGB9999999999"},
     "NL47INGB9999999999 hr gjlm paulissen Betaling sieraden"),
    ("cmxl-statement_details.sta", 0, 0, 1, -162, date(2014, 9, 1), date(2014, 9, 2), "NTRF",
     {"customer_reference": "0000549855700010", "bank_reference": "025498557/000001",
      "EndToEndId": "TRX-0A4A47C3-F846-4729-8A1B-5DF620F",
      "MndtId": "CAC97D2144174318AC18D9BF815BD4FB", "CdtrSchmeId": "DE98ZZZ09999999999"},
     None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "index", "position", "record", "amount", "value", "booking", "code", "refs", "label"),
    ENTRIES,
)
def test_entry_figures(name, index, position, record, amount, value, booking, code, refs, label):
    statement = read(name).statements[index]
    entry = statement.entries[position]
    assert (entry.record, entry.amount_minor, entry.value_date, entry.booking_date) == (
        record,
        amount,
        value,
        booking,
    )
    assert entry.currency == (statement.account.currency or "XXX")  # XXX: "no currency"
    assert entry.bank_operation_code == code
    assert entry.references == refs
    if label is not None:
        assert entry.label == label


def test_mbank_mt942_is_an_interim_report_whose_totals_agree():
    result = read("mBank-mt942.sta")
    (report,) = result.statements
    assert report.kind is StatementKind.INTERIM
    assert (report.opening_balance, report.closing_balance) == (None, None)
    assert report.to_date == date(2017, 1, 19)
    assert [entry.amount_minor for entry in report.entries] == [1, 1, 1]
    assert result.issues == []


def test_a_reversal_of_a_credit_is_a_debit_and_the_statement_adds_up():
    statement = read("betterplace-sepa_mt9401.sta").statements[0]
    reversal = next(entry for entry in statement.entries if entry.reversal)
    assert (reversal.record, reversal.amount_minor, reversal.bank_operation_code) == (
        19,
        -20488,
        "NRTI",
    )
    assert balance_difference(statement) == 0


def test_german_subfields_become_details_references_and_a_label():
    entry = read("self-provided-malformed_details.sta").statements[0].entries[0]
    details = {detail.qualifier: detail.text for detail in entry.details}
    assert details["transaction_code"] == "105"
    assert details["00"] == "Basislastschrift"
    assert details["30"] == "BYLADEMM"
    assert details["32"] + details["33"] == "Finanzamt Muenchen Abteilung Erhebung"
    assert entry.references == {
        "EndToEndId": "123/123/12345-----L1101234567890123",
        "MndtId": "BYA12345678901",
        "CdtrSchmeId": "DE99ZZZ00000012345",
    }
    assert entry.label.startswith("Basislastschrift Finanzamt Muenchen Abteilung Erhebung EREF+")
    assert all(detail.record == 6 for detail in entry.details)


def test_non_swift_lines_are_details_and_the_label_when_there_is_no_86():
    entry = read("sberbank-171011_01234945.sta").statements[0].entries[0]
    assert entry.details[0].qualifier == "NS01"
    assert entry.details[0].text == "526715"
    assert ("NS15", "ERGO Versicherung AG Fiokte") in [(d.qualifier, d.text) for d in entry.details]
    assert entry.label.startswith("526715 A12596785    20170926000100 1366")


@pytest.mark.parametrize(
    ("name", "record", "fragment"),
    [
        ("self-provided-february_30.sta", 6, "date 160230 does not exist; read as 2016-02-29"),
        ("self-provided-mt942.sta", 11, "debits: the report says 1 for 2.30 EUR, its statement"),
        ("self-provided-malformed_details.sta", 6, "?62 holds a '?' that starts no subfield"),
        ("self-provided-sparkassen.sta", 3, "the tag :86: is split over two lines"),
        ("betterplace-sepa_snippet_broken.sta", 6, ":25: (account identification) comes a second"),
        ("self-provided-raphaelm.sta", 27, "the closing balance names no currency; read in DEM"),
        ("cmxl-mt940.sta", 1, "DEM is not an ISO 4217 currency in use"),
        ("jejik-rabobank-iban.sta", 3, "NL71RABO0123456789 looks like an IBAN but its check"),
        ("betterplace-amount_formats.sta", 2, ":60F: (opening balance) comes a second time"),
        ("cmxl-statement_line.sta", 1, ":61: (statement line) comes before any :20:"),
        ("self-provided-gv_codes.sta", 1, "has no :62F: closing balance"),
    ],
)
def test_what_a_sample_gets_wrong_is_an_issue_at_its_line(name, record, fragment):
    assert any(at == record and fragment in message for at, message in messages(read(name)))


def test_february_30_is_read_as_the_last_day_of_february():
    entry = read("self-provided-february_30.sta").statements[0].entries[0]
    assert (entry.value_date, entry.booking_date, entry.amount_minor) == (
        date(2016, 2, 29),
        date(2016, 3, 1),
        -600,
    )


def test_a_field_tag_wrapped_inside_details_is_text():
    entry = read("self-provided-wrapped_timestamp.sta").statements[0].entries[0]
    assert {d.qualifier: d.text for d in entry.details}["24"] == "/PL 12-09-2014T16:26:37 Fo"


@pytest.mark.parametrize(
    ("line", "minor"),
    [
        (":60F:C100318EUR380115,12", 38011512),
        (":60F:C100318EUR380115,1", 38011510),
        (":60F:C100318EUR380115,", 38011500),
        (":60F:C100318EUR0,12", 12),
        (":60F:C100318EUR00,12", 12),
        (":60F:C100318EUR001,12", 112),
        (":60F:D140829EUR000000000147,64", -14764),
        (":60F:C180410JPY1234,", 1234),
        (":60F:C180410TND1,5", 1500),
    ],
)
def test_amounts_are_exact_minor_units(line, minor):
    assert read_text(line).statements[0].opening_balance.amount_minor == minor


def test_each_line_of_the_amount_formats_sample_reads_alone():
    lines = (MT940_DIR / "betterplace-amount_formats.sta").read_text().splitlines()
    amounts = [read_text(line).statements[0].opening_balance.amount_minor for line in lines]
    assert amounts == [38011512, 38011510, 38011500, 12, 12, 112]
