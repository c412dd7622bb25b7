"""The JSON view of a parse result, for scripts and tests (`pointage statements parse --json`).

The schema is documented in docs/statements.md; fields a format does not carry are null.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pointage.formats.statements.model import (
    AccountId,
    Balance,
    Entry,
    EntryDetail,
    ParseResult,
    Statement,
)


def result_to_json(result: ParseResult) -> dict[str, Any]:
    return {
        "format": str(result.format),
        "version": result.version,
        "statements": [statement_to_json(statement) for statement in result.statements],
        "issues": [{"record": issue.record, "message": issue.message} for issue in result.issues],
    }


def statement_to_json(statement: Statement) -> dict[str, Any]:
    return {
        "account": account_to_json(statement.account),
        "kind": str(statement.kind),
        "identifier": statement.identifier,
        "record": statement.record,
        "opening_balance": balance_to_json(statement.opening_balance),
        "closing_balance": balance_to_json(statement.closing_balance),
        "entries": [entry_to_json(entry) for entry in statement.entries],
    }


def account_to_json(account: AccountId) -> dict[str, Any]:
    return {
        "iban": account.iban,
        "bank_code": account.bank_code,
        "branch_code": account.branch_code,
        "account_number": account.account_number,
        "currency": account.currency,
    }


def balance_to_json(balance: Balance | None) -> dict[str, Any] | None:
    if balance is None:
        return None
    return {"amount_minor": balance.amount_minor, "date": _day(balance.date)}


def entry_to_json(entry: Entry) -> dict[str, Any]:
    return {
        "amount_minor": entry.amount_minor,
        "currency": entry.currency,
        "booking_date": _day(entry.booking_date),
        "value_date": _day(entry.value_date),
        "label": entry.label,
        "bank_operation_code": entry.bank_operation_code,
        "references": dict(entry.references),
        "details": [detail_to_json(detail) for detail in entry.details],
        "status": entry.status,
        "reversal": entry.reversal,
        "record": entry.record,
    }


def detail_to_json(detail: EntryDetail) -> dict[str, Any]:
    return {
        "record": detail.record,
        "qualifier": detail.qualifier,
        "text": detail.text,
        "amount_minor": detail.amount_minor,
        "references": dict(detail.references),
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
