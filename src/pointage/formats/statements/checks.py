"""Checks every statement gets, whatever its format.

A statement that carries both balances must add up: opening + movements = closing. The
continuity with the previous statement of the same account needs the database, so the import
asks `continuity_issue` with the closing balance it has on record.
"""

from __future__ import annotations

from pointage.core.money import format_amount as _format_known
from pointage.core.money import is_currency
from pointage.formats.statements.model import (
    Balance,
    ParseIssue,
    Statement,
    StatementKind,
)


def format_amount(minor: int, currency: str) -> str:
    """Amount with its currency's decimals; minor units as they are for a code we do not
    know, so that a message about a broken file never fails itself."""
    if is_currency(currency):
        return f"{_format_known(minor, currency)} {currency}"
    return f"{minor} (minor units)"


def movements_total(statement: Statement) -> int:
    """Sum of the booked entries, minor units. A camt entry whose status says it is not
    booked (PDNG, INFO) does not move the booked balance."""
    return sum(
        entry.amount_minor
        for entry in statement.entries
        if entry.status is None or entry.status == "BOOK"
    )


def balance_difference(statement: Statement) -> int | None:
    """closing - (opening + movements), or None when the statement lacks a balance or is
    not a booked statement (intraday reports and notifications need not add up)."""
    if statement.kind is not StatementKind.STATEMENT:
        return None
    if statement.opening_balance is None or statement.closing_balance is None:
        return None
    expected = statement.opening_balance.amount_minor + movements_total(statement)
    return statement.closing_balance.amount_minor - expected


def statement_name(statement: Statement) -> str:
    """How a person finds the statement in the file: its account, id and first record."""
    account = statement.account
    name = account.iban or " ".join(
        part for part in (account.bank_code, account.branch_code, account.account_number) if part
    )
    identifier = f" {statement.identifier}" if statement.identifier else ""
    return f"statement{identifier} of account {name or '(unnamed)'} (record {statement.record})"


def balance_issues(statement: Statement) -> list[ParseIssue]:
    difference = balance_difference(statement)
    if not difference:
        return []
    assert statement.opening_balance is not None and statement.closing_balance is not None
    currency = statement.account.currency or "EUR"
    return [
        ParseIssue(
            statement.record,
            f"{statement_name(statement)} does not add up: opening balance "
            f"{format_amount(statement.opening_balance.amount_minor, currency)} + movements "
            f"{format_amount(movements_total(statement), currency)} = "
            f"{format_amount(statement.opening_balance.amount_minor + movements_total(statement), currency)}"  # noqa: E501
            f", but the closing balance is "
            f"{format_amount(statement.closing_balance.amount_minor, currency)} "
            f"(difference {format_amount(difference, currency)})",
        )
    ]


def continuity_issue(previous_closing: Balance, statement: Statement) -> ParseIssue | None:
    """The opening balance must be where the previous statement of the account closed."""
    opening = statement.opening_balance
    if opening is None or opening.amount_minor == previous_closing.amount_minor:
        return None
    currency = statement.account.currency or "EUR"
    when = previous_closing.date.isoformat() if previous_closing.date else "its last statement"
    return ParseIssue(
        statement.record,
        f"{statement_name(statement)} opens at {format_amount(opening.amount_minor, currency)}"
        f" but the account closed at {format_amount(previous_closing.amount_minor, currency)}"
        f" on {when} (gap {format_amount(opening.amount_minor - previous_closing.amount_minor, currency)}):"  # noqa: E501
        " a statement may be missing",
    )
