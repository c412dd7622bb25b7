"""One MT940/MT942 statement while its fields are read, then the `Statement` it makes.

Fields are kept as read (text, line number) until the statement ends, because the amounts
of its lines can only be converted once its currency is known, which some files give only
in the closing balance. `finish` then converts, checks and reports in the file's order.
"""

from __future__ import annotations

import re
from datetime import date

from pointage.core.money import is_currency
from pointage.formats.statements.checks import format_amount, statement_name
from pointage.formats.statements.model import (
    AccountId,
    Balance,
    Entry,
    EntryDetail,
    ParseIssue,
    Statement,
    StatementKind,
)
from pointage.formats.statements.mt940_fields import (
    BALANCE,
    DATE_TIME,
    ENTRY_TOTALS,
    FLOOR_LIMIT,
    NO_CURRENCY,
    StatementLine,
    currency_digits,
    entry_date,
    minor_units,
    read_account,
    read_information,
    read_statement_line,
    swift_date,
)

FIELD_NAMES = {
    "20": "transaction reference",
    "21": "related reference",
    "25": "account identification",
    "28": "statement number",
    "28C": "statement number",
    "34F": "floor limit",
    "13D": "date and time of the report",
    "60F": "opening balance",
    "60M": "intermediate opening balance",
    "61": "statement line",
    "86": "information to account owner",
    "NS": "non-SWIFT details",
    "90D": "number and sum of debits",
    "90C": "number and sum of credits",
    "62F": "closing balance",
    "62M": "intermediate closing balance",
    "64": "closing available balance",
    "65": "forward available balance",
}
_REQUIRED = {
    StatementKind.STATEMENT: ("20", "25", "28C", "60F", "62F"),
    StatementKind.INTERIM: ("20", "25", "28C", "34F", "13D"),
}
_CREDIT_MARKS = frozenset({"C", "RD", "EC"})


class StatementDraft:
    """The fields of one statement, kept until it ends; `finish` makes the `Statement` and
    reports what is wrong in it. The order of the fields is the reader's business."""

    def __init__(self, record: int, issues: list[ParseIssue]) -> None:
        self.record = record
        self.issues = issues
        self.present: set[str] = set()  # slots read: "25", "28C", "60F", "62F"…
        self.account = AccountId()
        self.identifier: str | None = None
        self.balances: dict[str, tuple[int, re.Match[str]]] = {}
        self.totals: dict[str, tuple[int, re.Match[str]]] = {}
        self.currencies: list[str] = []  # of floor limit and totals, when nothing else
        self.report_date: tuple[int, str] | None = None
        self.lines: list[StatementLine] = []

    def add_field(self, tag: str, slot: str, record: int, body: str) -> None:
        self.present.add(slot)
        if tag == "61":
            self._add_line(record, body)
            return
        value = body.replace("\n", "").strip()  # a wrapped single-line field, joined
        if tag == "25":
            self.account, problem = read_account(value)
            if problem:
                self.issues.append(ParseIssue(record, problem))
        elif tag in ("28", "28C"):
            self.identifier = value or None
        elif slot in ("60F", "62F", "64", "65"):
            self._add_balance(tag, slot, record, value)
        elif tag in ("90D", "90C", "34F"):
            self._add_summary(tag, record, value)
        elif tag == "13D":
            self.report_date = record, value

    def _add_line(self, record: int, body: str) -> None:
        line = read_statement_line(body)
        if line is None:
            first_line = body.partition("\n")[0]
            self._problem(record, f"statement line {_quote(first_line)} cannot be read; ignored")
        else:
            line.record = record
            self.lines.append(line)

    def _add_balance(self, tag: str, slot: str, record: int, value: str) -> None:
        match = BALANCE.match(value)
        if match is None:
            self._problem(record, f"{FIELD_NAMES[tag]} {_quote(value)} cannot be read; ignored")
        elif slot in ("60F", "62F"):  # available balances (64, 65) are checked, not kept
            self.balances[slot] = record, match
            if match.group(3):
                self.currencies.append(match.group(3))

    def _add_summary(self, tag: str, record: int, value: str) -> None:
        match = (FLOOR_LIMIT if tag == "34F" else ENTRY_TOTALS).match(value)
        if match is None:
            self._problem(record, f"{FIELD_NAMES[tag]} {_quote(value)} cannot be read; ignored")
            return
        self.currencies.append(match.group(1 if tag == "34F" else 2))
        if tag != "34F":
            self.totals[tag] = record, match

    def add_entry_detail(self, tag: str, record: int, body: str) -> None:
        """A :86: or :NS: after a statement line belongs to it (Rabobank writes several)."""
        if not self.lines:
            return
        last = self.lines[-1]
        if tag == "NS":
            last.non_swift = [*(last.non_swift or []), (record, body)]
        elif last.information is None:
            last.information, last.information_record = [body], record
        else:
            last.information.append(body)

    def _problem(self, record: int, message: str) -> None:
        self.issues.append(ParseIssue(record, message))

    # --- the statement --------------------------------------------------------------

    def finish(self) -> Statement:
        kind = StatementKind.INTERIM if {"34F", "13D"} & self.present else StatementKind.STATEMENT
        currency = self._currency()
        digits = currency_digits(currency)
        statement = Statement(
            self.record,
            self.account,
            self._balance("60F", currency, digits),
            self._balance("62F", currency, digits),
            kind=kind,
            identifier=self.identifier,
        )
        statement.to_date = self._report_day()
        debits: list[int] = []
        credits: list[int] = []
        for line in self.lines:
            entry = self._entry(line, currency, digits)
            if entry is not None:
                statement.entries.append(entry)
                (credits if line.mark in _CREDIT_MARKS else debits).append(entry.amount_minor)
        missing = [
            f":{tag}: {FIELD_NAMES[tag]}" for tag in _REQUIRED[kind] if tag not in self.present
        ]
        if missing:
            self._problem(self.record, f"{statement_name(statement)} has no {', '.join(missing)}")
        self._check_totals("90D", debits, currency, digits)
        self._check_totals("90C", credits, currency, digits)
        return statement

    def _currency(self) -> str:
        """The account's currency (field 25), else that of the balances and totals."""
        currency = self.account.currency or next(iter(self.currencies), None)
        has_amounts = self.lines or self.balances or self.totals
        if currency is None:
            if has_amounts:
                self._problem(
                    self.record,
                    "the statement names no currency (no balance, no currency in :25:); "
                    "its amounts are read with 2 decimals",
                )
            return NO_CURRENCY
        self.account.currency = currency
        if not is_currency(currency) and has_amounts:
            self._problem(
                self.record,
                f"{currency} is not an ISO 4217 currency in use; amounts read with 2 decimals",
            )
        return currency

    def _balance(self, slot: str, currency: str, digits: int) -> Balance | None:
        if slot not in self.balances:
            return None
        record, match = self.balances[slot]
        mark, day, balance_currency, amount_text = match.groups()
        name = FIELD_NAMES[slot]
        if balance_currency is None:
            self._problem(record, f"the {name} names no currency; read in {currency}")
        elif balance_currency != currency:
            self._problem(record, f"the {name} is in {balance_currency}, the account in {currency}")
        amount = minor_units(amount_text, digits)
        if amount is None:
            self._problem(
                record, f"{name} amount {amount_text} is not an amount in {currency}; ignored"
            )
            return None
        return Balance(amount if mark == "C" else -amount, self._date(record, day, name))

    def _date(self, record: int, text: str, what: str) -> date | None:
        read = swift_date(text)
        if read is None:
            self._problem(record, f"the {what} date {text} is not a date; left empty")
            return None
        day, moved = read
        if moved:
            self._moved(record, text, what, day)
        return day

    def _moved(self, record: int, text: str, what: str, day: date) -> None:
        self._problem(
            record,
            f"the {what} date {text} does not exist; read as {day.isoformat()}, the last day "
            "of that month",
        )

    def _report_day(self) -> date | None:
        """MT942 :13D: (YYMMDDhhmm±hhmm): the day the report runs to."""
        if self.report_date is None:
            return None
        record, value = self.report_date
        match = DATE_TIME.match(value)
        if match is None:
            self._problem(record, f"date and time of the report {_quote(value)} cannot be read")
            return None
        return self._date(record, match.group(1), "report")

    def _entry(self, line: StatementLine, currency: str, digits: int) -> Entry | None:
        read = swift_date(line.value_date)
        amount = minor_units(line.amount, digits)
        if read is None or amount is None:
            wrong = (
                f"value date {line.value_date} is not a date"
                if read is None
                else f"amount {line.amount} is not an amount in {currency}"
            )
            self._problem(line.record, f"statement line whose {wrong}; ignored")
            return None
        value_date = read[0]
        if read[1]:
            self._moved(line.record, line.value_date, "value", value_date)
        entry = Entry(
            line.record,
            amount if line.mark in _CREDIT_MARKS else -amount,
            currency,
            self._booking_date(line, value_date),
            value_date,
            "",
            line.transaction_type,
            reversal=line.mark in ("RC", "RD"),
            status="PDNG" if line.mark in ("EC", "ED") else None,
        )
        if line.customer_reference:
            entry.references["customer_reference"] = line.customer_reference
        if line.bank_reference:
            entry.references["bank_reference"] = line.bank_reference
        self._describe(entry, line)
        return entry

    def _booking_date(self, line: StatementLine, value_date: date) -> date | None:
        text = line.entry_date
        if text is None:
            return None
        read = entry_date(text, value_date)
        if read is None:
            self._problem(line.record, f"the entry date {text} is not a date; left empty")
            return None
        if read[1]:
            self._moved(line.record, text, "entry", read[0])
        return read[0]

    def _describe(self, entry: Entry, line: StatementLine) -> None:
        """Label, details and references from the supplementary details, :86: and :NS:."""
        supplementary = line.supplementary_details
        if supplementary:
            entry.details.append(EntryDetail(line.record, "supplementary_details", supplementary))
        if line.information:
            record = line.information_record
            problem = read_information(entry, line.information, record)
            if problem:
                self._problem(record, f"information to account owner: {problem}")
        texts = _non_swift(entry, line.non_swift) if line.non_swift else []
        if not entry.label:
            entry.label = supplementary or " ".join(texts)

    def _check_totals(self, tag: str, amounts: list[int], currency: str, digits: int) -> None:
        """MT942 :90D:/:90C: must count and sum the report's debit/credit lines."""
        if tag not in self.totals:
            return
        record, match = self.totals[tag]
        count, _, amount_text = match.groups()
        stated = minor_units(amount_text, digits)
        total = abs(sum(amounts))
        if stated is None or int(count) != len(amounts) or stated != total:
            side = "debit" if tag == "90D" else "credit"
            said = (
                f"{amount_text} {currency}" if stated is None else format_amount(stated, currency)
            )
            self._problem(
                record,
                f"number and sum of {side}s: the report says {int(count)} for {said}, its "
                f"statement lines make {len(amounts)} for {format_amount(total, currency)}",
            )


def _non_swift(entry: Entry, fields: list[tuple[int, str]]) -> list[str]:
    """:NS: lines are a 2-digit code and a text whose meaning is each bank's own. Returns
    the texts, the label of a line that has no :86:."""
    texts = []
    for record, body in fields:
        for line in body.split("\n"):
            if line.strip():
                text = line[2:].strip()
                entry.details.append(EntryDetail(record, "NS" + line[:2], text or None))
                texts += [text] if text else []
    return texts


def _quote(text: str) -> str:
    """A field's text in a message: quoted, and cut when long."""
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")
