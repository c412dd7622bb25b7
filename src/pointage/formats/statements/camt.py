"""ISO 20022 bank-to-customer cash management messages: camt.052, camt.053 and camt.054.

- camt.053 (BkToCstmrStmt) is the booked statement of an account: one `Stmt` per account and
  period, with balances and entries (kind STATEMENT).
- camt.052 (BkToCstmrAcctRpt) is an intraday account report: `Rpt` (kind REPORT).
- camt.054 (BkToCstmrDbtCdtNtfctn) notifies debits and credits: `Ntfctn` (kind
  NOTIFICATION), usually without balances.

Every version from .001.01 to .001.14 is read the same way, by local element names, so the
namespace only tells the message and its version ("camt.053.001.08" gives format camt.053,
version "001.08"). What each element becomes in the statement model, and why, is in
docs/formats/camt.md; entries are converted in `camt_entry.py`, the XML is read (safely,
with defusedxml) in `camt_xml.py`.

Statement level:
- identifier: Id; from_date, to_date: the days of FrToDt/FrDtTm and ToDtTm;
- account: Acct/Id/IBAN, else Acct/Id/Othr/Id (PrtryAcct/Id, BBAN in .001.01) as the
  account number; currency: Acct/Ccy, else the currency of the first entry or balance;
- opening balance: OPBD, else PRCD (the previous statement's closing balance); closing
  balance: CLBD, and for an intraday report without CLBD the last ITBD. Other balance types
  (available, forward, information) are not used. A balance in another currency than the
  account's is an issue and left out.

Record numbers are line numbers: each statement, entry and detail carries the line of its
start tag, so the file can be opened there.
"""

from __future__ import annotations

import re
from datetime import date

from pointage.formats.statements.camt_entry import (
    Days,
    EntryProblem,
    amount_of,
    read_entry,
    sign_of,
)
from pointage.formats.statements.camt_xml import (
    BALANCE,
    ENTRY,
    STATEMENT,
    Record,
    read_records,
)
from pointage.formats.statements.model import (
    AccountId,
    Balance,
    Entry,
    ParseIssue,
    ParseOptions,
    ParseResult,
    Statement,
    StatementFileError,
    StatementFormat,
    StatementKind,
)

_NAMESPACE = re.compile(r"camt\.(05[234])\.(\d{3}\.\d{2})")
_MESSAGES = {
    "052": StatementFormat.CAMT052,
    "053": StatementFormat.CAMT053,
    "054": StatementFormat.CAMT054,
}
_KINDS = {
    "Stmt": StatementKind.STATEMENT,
    "Rpt": StatementKind.REPORT,
    "Ntfctn": StatementKind.NOTIFICATION,
}
_FORMAT_OF_TAG = {
    "Stmt": StatementFormat.CAMT053,
    "Rpt": StatementFormat.CAMT052,
    "Ntfctn": StatementFormat.CAMT054,
}
_OPENING_CODES = ("OPBD", "PRCD")
_ACCOUNT_NUMBER_PATHS = ("Acct/Id/Othr/Id", "Acct/Id/PrtryAcct/Id", "Acct/Id/BBAN")


class _Builder:
    """Turns records into the model as the reader hands them over."""

    def __init__(self) -> None:
        self.statements: list[Statement] = []
        self.issues: list[ParseIssue] = []
        self.days = Days()
        self.first_tag: str | None = None
        # Entries of the statement being read: statements do not nest, so every entry that
        # ends belongs to the next statement to end.
        self._entries: list[Entry] = []

    def on_record(self, record: Record) -> bool:
        """Consume entries and statements as soon as they end; keep the rest."""
        if record.kind == ENTRY:
            entry = read_entry(record, self.days, self.issues)
            if entry is not None:
                self._entries.append(entry)
            return True
        if record.kind == STATEMENT:
            self.first_tag = self.first_tag or record.tag
            self.statements.append(self._statement(record))
            return True
        return False

    def _statement(self, record: Record) -> Statement:
        entries, self._entries = self._entries, []
        balances = [child for child in record.children if child.kind == BALANCE]
        currency = record.fields.get("Acct/Ccy") or _first_currency(entries, balances)
        for entry in entries:
            if currency and entry.currency != currency:
                self.issues.append(
                    ParseIssue(
                        entry.record,
                        f"entry in {entry.currency} on an account in {currency}",
                    )
                )
        kind = _KINDS[record.tag]
        opening = self._balance(balances, _OPENING_CODES, currency, last=False)
        closing = self._balance(balances, ("CLBD",), currency, last=False)
        if closing is None and kind is StatementKind.REPORT:
            closing = self._balance(balances, ("ITBD",), currency, last=True)
        return Statement(
            record=record.line,
            account=_account(record, currency),
            opening_balance=opening,
            closing_balance=closing,
            entries=entries,
            kind=kind,
            identifier=record.fields.get("Id"),
            from_date=self._period_day(record, "FrToDt/FrDtTm", "FrToDt/FrDt"),
            to_date=self._period_day(record, "FrToDt/ToDtTm", "FrToDt/ToDt"),
        )

    def _balance(
        self, balances: list[Record], codes: tuple[str, ...], currency: str | None, *, last: bool
    ) -> Balance | None:
        """The first (or last) balance with the first of `codes` the statement has."""
        for code in codes:
            found = [balance for balance in balances if _balance_code(balance) == code]
            if found:
                return self._read_balance(found[-1] if last else found[0], code, currency)
        return None

    def _read_balance(self, record: Record, code: str, currency: str | None) -> Balance | None:
        what = f"{code} balance"
        try:
            minor, balance_currency = amount_of(record.fields, "Amt", f"the {what}")
            sign = sign_of(record.fields, f"the {what}")
            text = record.fields.get("Dt/Dt") or record.fields.get("Dt/DtTm")
            day = None if text is None else self.days.day(text, f"{what} date")
        except EntryProblem as problem:
            self.issues.append(ParseIssue(record.line, f"{what} left out: {problem}"))
            return None
        if currency and balance_currency != currency:
            self.issues.append(
                ParseIssue(
                    record.line,
                    f"{what} left out: it is in {balance_currency}, the account in {currency}",
                )
            )
            return None
        return Balance(sign * minor, day)

    def _period_day(self, record: Record, *paths: str) -> date | None:
        for path in paths:
            text = record.fields.get(path)
            if text is not None:
                try:
                    return self.days.day(text, "statement period date")
                except EntryProblem as problem:
                    self.issues.append(ParseIssue(record.line, str(problem)))
                    return None
        return None


def _balance_code(record: Record) -> str | None:
    return record.fields.get("Tp/CdOrPrtry/Cd") or record.fields.get("Tp/Cd")


def _first_currency(entries: list[Entry], balances: list[Record]) -> str | None:
    if entries:
        return entries[0].currency
    for balance in balances:
        currency = balance.fields.get("Amt@Ccy")
        if currency:
            return currency
    return None


def _account(record: Record, currency: str | None) -> AccountId:
    iban = record.fields.get("Acct/Id/IBAN")
    number = None
    if iban is None:
        number = next(filter(None, map(record.fields.get, _ACCOUNT_NUMBER_PATHS)), None)
    return AccountId(iban=iban, account_number=number, currency=currency)


def parse(data: bytes, options: ParseOptions) -> ParseResult:
    """Read a camt.052, camt.053 or camt.054 message of any version."""
    builder = _Builder()
    _, namespace = read_records(data, builder.on_record)
    message_format, version = _message(namespace, builder.first_tag)
    if not builder.statements:
        raise StatementFileError(
            f"the {message_format} message has no statement, report or notification "
            "(Stmt, Rpt or Ntfctn inside BkToCstmr…)"
        )
    return ParseResult(
        format=message_format,
        statements=builder.statements,
        issues=builder.issues,
        version=version,
    )


def _message(namespace: str, first_tag: str | None) -> tuple[StatementFormat, str | None]:
    match = _NAMESPACE.search(namespace)
    if match is not None:
        return _MESSAGES[match.group(1)], match.group(2)
    if namespace and "camt." in namespace:
        raise StatementFileError(
            f"the XML namespace {namespace!r} is not a camt.052, camt.053 or camt.054 message"
        )
    if first_tag is None:
        raise StatementFileError(
            "the XML is not a camt.052, camt.053 or camt.054 message: no BkToCstmrStmt, "
            "BkToCstmrAcctRpt or BkToCstmrDbtCdtNtfctn with statements was found"
        )
    return _FORMAT_OF_TAG[first_tag], None
