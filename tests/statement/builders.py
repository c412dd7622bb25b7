"""Statements built in code, and a stand-in parser that returns them for given bytes.

The import's rules do not depend on a format: these tests give it parse results directly
(a byte string stands for each file), so that each rule is tested on exactly the case it
is about. The command and API tests use real CFONB 120 files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from pointage.formats.statements.model import (
    AccountId,
    Balance,
    Entry,
    ParseOptions,
    ParseResult,
    Statement,
    StatementFormat,
    StatementKind,
)
from tests.factories import IBAN_BANK_A

DAY = date(2026, 3, 2)


def entry(
    amount: int,
    label: str = "VIR SEPA CLIENT",
    *,
    day: date = DAY,
    record: int = 2,
    currency: str = "EUR",
    reference: str | None = None,
    code: str | None = "05",
    status: str | None = None,
) -> Entry:
    return Entry(
        record=record,
        amount_minor=amount,
        currency=currency,
        booking_date=day,
        value_date=day,
        label=label,
        bank_operation_code=code,
        references={"AcctSvcrRef": reference} if reference else {},
        status=status,
    )


def statement(
    *entries: Entry,
    opening: int = 100_000,
    day: date = DAY,
    iban: str | None = IBAN_BANK_A,
    account: AccountId | None = None,
    record: int = 1,
    closing: int | None = None,
    kind: StatementKind = StatementKind.STATEMENT,
) -> Statement:
    """A day's statement that adds up unless `closing` says otherwise; entries numbered
    from the statement's record on."""
    for number, item in enumerate(entries, start=record + 1):
        item.record = number
    total = sum(item.amount_minor for item in entries)
    return Statement(
        record=record,
        account=account or AccountId(iban=iban, currency="EUR"),
        opening_balance=Balance(opening, day - timedelta(days=1)),
        closing_balance=Balance(opening + total if closing is None else closing, day),
        entries=list(entries),
        kind=kind,
    )


def result(*statements: Statement) -> ParseResult:
    return ParseResult(StatementFormat.CAMT053, list(statements))


@dataclass
class FakeParser:
    """Returns the parse result registered for a file's bytes."""

    files: dict[bytes, ParseResult] = field(default_factory=dict)
    calls: int = 0

    def add(self, data: bytes, parsed: ParseResult) -> bytes:
        self.files[data] = parsed
        return data

    def __call__(
        self,
        data: bytes,
        format: StatementFormat | None = None,
        options: ParseOptions | None = None,
    ) -> ParseResult:
        self.calls += 1
        return self.files[data]
