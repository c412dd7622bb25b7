"""Bank statements as plain values: what every statement parser returns and every writer takes.

One model for all formats (CFONB 120, camt.052/053/054, MT940/MT942, OFX, CSV), so that the
import, the checks and the matching engine never care where an entry came from. The sign
convention is the one of `pointage.core.money`: seen from the account holder, a credit is
positive and a debit negative, whatever the file says.

Provenance: every statement, entry and detail carries `record`, the 1-based number of the
record (line for line formats, element for XML ones, counted as the parser documents) where it
starts in the file, so that any match can be traced back to the bank's bytes.

Parsers never raise on content they can read around: what is wrong goes into `issues`, with
its record. A file that cannot be read as a whole raises `StatementFileError` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from pointage.core.errors import InvalidInput


class StatementFormat(StrEnum):
    """The formats Pointage reads. The value is what `--format` and the JSON view use."""

    CFONB120 = "cfonb120"
    CAMT052 = "camt.052"
    CAMT053 = "camt.053"
    CAMT054 = "camt.054"
    MT940 = "mt940"
    MT942 = "mt942"
    OFX = "ofx"
    CSV = "csv"


class StatementKind(StrEnum):
    """What a statement stands for, which decides which checks apply to it."""

    STATEMENT = "statement"  # a booked statement: CFONB 120, camt.053, MT940, OFX
    REPORT = "report"  # an intraday account report: camt.052
    NOTIFICATION = "notification"  # debit/credit notification: camt.054
    INTERIM = "interim"  # interim transaction report: MT942


class StatementFileError(InvalidInput):
    """A bank file that cannot be read as a whole (wrong format, not the layout at all,
    truncated XML…). The message is one sentence naming the record when there is one."""

    code = "statement_file_unreadable"

    def __init__(self, message: str, *, record: int | None = None) -> None:
        super().__init__(f"record {record}: {message}" if record is not None else message)
        self.record = record


@dataclass(slots=True)
class AccountId:
    """How the file names the account. Fields the format does not carry are None."""

    iban: str | None = None
    bank_code: str | None = None  # CFONB code banque (5 digits); other formats: bank id
    branch_code: str | None = None  # CFONB code guichet (5 digits)
    account_number: str | None = None  # CFONB numéro de compte (11); other formats: the id
    currency: str | None = None


@dataclass(slots=True)
class Balance:
    amount_minor: int  # signed, credit balance > 0
    date: date | None


@dataclass(slots=True)
class EntryDetail:
    """A complement of an entry: a CFONB 05 record (qualifier LIB, REF, NPY…; unknown
    qualifiers kept as they are), a camt transaction detail of a batch entry (TxDtls), an
    MT940 information-to-account-owner subfield, an OFX memo."""

    record: int
    qualifier: str | None = None
    text: str | None = None
    amount_minor: int | None = None  # signed like the entry; camt TxDtls amounts
    references: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Entry:
    """One movement on the account (écriture).

    `references` uses the names of the format: AcctSvcrRef, EndToEndId, InstrId, TxId,
    MsgId, PmtInfId, MndtId, UETR, NtryRef (camt); FITID, CHECKNUM, REFNUM (OFX);
    customer_reference, bank_reference (MT940); entry_number (CFONB "numéro d'écriture"
    zone), and the like. `bank_operation_code` is the CFONB interbank code ("30"), the camt
    ISO code "Domain/Family/SubFamily" (proprietary code when there is no ISO one), the
    MT940 transaction type ("NTRF") or the OFX TRNTYPE.
    """

    record: int
    amount_minor: int
    currency: str
    booking_date: date | None
    value_date: date | None
    label: str
    bank_operation_code: str | None = None
    references: dict[str, str] = field(default_factory=dict)
    details: list[EntryDetail] = field(default_factory=list)
    status: str | None = None  # camt BOOK / PDNG / INFO; None where the format has none
    reversal: bool = False  # camt RvslInd, MT940 RC/RD marks

    @property
    def bank_reference(self) -> str | None:
        """The reference the bank gives this movement and keeps unique on the account,
        where the format has one: the camt AcctSvcrRef, the OFX FITID."""
        for key in BANK_REFERENCE_KEYS:
            value = self.references.get(key)
            if value:
                return value
        return None


BANK_REFERENCE_KEYS = ("AcctSvcrRef", "FITID")


@dataclass(slots=True)
class Statement:
    record: int
    account: AccountId
    opening_balance: Balance | None
    closing_balance: Balance | None
    entries: list[Entry] = field(default_factory=list)
    kind: StatementKind = StatementKind.STATEMENT
    identifier: str | None = None  # camt Stmt/Id, MT940 :28C:, OFX none
    # The dates the statement covers when the file says (camt FrToDt, OFX DTSTART/DTEND);
    # otherwise the import derives them from balances and entries.
    from_date: date | None = None
    to_date: date | None = None


@dataclass(slots=True)
class ParseIssue:
    """Something wrong that did not stop the file from being read."""

    record: int | None
    message: str


@dataclass(slots=True)
class ParseResult:
    format: StatementFormat
    statements: list[Statement]
    issues: list[ParseIssue] = field(default_factory=list)
    version: str | None = None  # camt message version ("001.08"), OFX version ("102")


@dataclass(frozen=True, slots=True)
class CsvProfile:
    """How to read one bank's CSV export: a saved column mapping.

    Columns are named by their header text when `has_header`, otherwise by their 1-based
    position written as a string ("3"). Either `amount_column` (signed) or both
    `debit_column` and `credit_column` (unsigned; a debit is made negative) are set.
    """

    name: str
    date_column: str
    label_column: str
    amount_column: str | None = None
    debit_column: str | None = None
    credit_column: str | None = None
    value_date_column: str | None = None
    reference_column: str | None = None
    currency_column: str | None = None
    currency: str = "EUR"  # when there is no currency column
    separator: str = ";"
    encoding: str = "utf-8"
    date_format: str = "%d/%m/%Y"
    decimal_comma: bool = True
    thousands_separator: str = ""
    has_header: bool = True
    skip_lines: int = 0  # lines before the header (bank name, account…)
    account_iban: str | None = None  # the account, since CSV exports rarely name it


@dataclass(frozen=True, slots=True)
class ParseOptions:
    # Read CFONB 120 amounts that are not where the layout puts them (some banks shift
    # them): accepted only when the record still adds up, and each one is an issue.
    lenient: bool = False
    csv_profile: CsvProfile | None = None
