"""The evidence of a match made by a person: what the picked entries book against what the
picked remittances or transactions expect, the difference, and the dates.

The criteria score nothing (a person decided, not the engine); they keep, for the
explanation, the figures the person had in front of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from pointage.core.calendar import add_business_days, business_days_between
from pointage.core.statuses import OperationType
from pointage.matching.evidence import amount_text, day_text, failed, info, passed
from pointage.matching.model import Criterion
from pointage.payment.models import Transaction
from pointage.remittance.models import Remittance
from pointage.statement.models import StatementEntry


def expected_of_transaction(tx: Transaction) -> int:
    """What a transaction brings to the account: a refund takes its amount back."""
    return -tx.amount_minor if tx.operation_type == OperationType.CREDIT.value else tx.amount_minor


def by_hand(
    entries: Sequence[StatementEntry],
    remittances: Sequence[Remittance],
    transactions: Sequence[Transaction],
    remittances_of_transactions: Mapping[int, Remittance],
    grace_by_contract: Mapping[int, int],
) -> tuple[list[Criterion], int, int]:
    """(criteria, difference booked - expected in minor units, business days late)."""
    booked = sum(entry.amount_minor for entry in entries)
    booked_currency = _one({entry.currency for entry in entries})
    if remittances:
        expected = sum(r.expected_credit_minor for r in remittances)
        expected_currency = _one({r.currency for r in remittances})
        what = _count(len(remittances), "remittance")
        dated = list(remittances)
    else:
        expected = sum(expected_of_transaction(tx) for tx in transactions)
        expected_currency = _one({tx.currency for tx in transactions})
        what = _count(len(transactions), "transaction")
        dated = [
            remittances_of_transactions[tx.remittance_id]
            for tx in transactions
            if tx.remittance_id is not None and tx.remittance_id in remittances_of_transactions
        ]
    picked = info(
        "picked_by_hand",
        what,
        _count(len(entries), "bank entry"),
        "matched by a person, who explained it in the comment",
    )
    criteria = [picked]
    difference = 0
    if booked_currency is None or expected_currency is None or booked_currency != expected_currency:
        criteria.append(
            info(
                "amount",
                _amount_or_mixed(expected, expected_currency),
                _amount_or_mixed(booked, booked_currency),
                "different currencies: no difference computed",
            )
        )
    else:
        difference = booked - expected
        criteria += _amount_criteria(expected, booked, booked_currency)
    credited = [entry.value_date or entry.booking_date for entry in entries]
    last_credit = max((day for day in credited if day is not None), default=None)
    late = _late(dated, grace_by_contract, last_credit)
    criteria.append(_dates(dated, credited, late))
    return criteria, difference, late


def without_entry(
    remittances: Sequence[Remittance], transactions: Sequence[Transaction]
) -> list[Criterion]:
    if remittances:
        (remittance,) = remittances
        amount = amount_text(remittance.expected_credit_minor, remittance.currency)
        what = f"remittance {remittance.number} of {remittance.remittance_date.isoformat()}"
    else:
        (tx,) = transactions
        amount = amount_text(expected_of_transaction(tx), tx.currency)
        what = f"transaction {tx.uuid}"
    return [
        info(
            "bank_entry",
            "a bank entry",
            "none",
            "marked reconciled by a person, with no bank entry",
        ),
        info("amount", amount, "-", f"what {what} should have brought"),
    ]


def _amount_criteria(expected: int, booked: int, currency: str) -> list[Criterion]:
    expected_text, booked_text = amount_text(expected, currency), amount_text(booked, currency)
    difference = booked - expected
    if difference == 0:
        return [
            passed("amount", expected_text, booked_text, 0, "the entries book what was expected")
        ]
    return [
        failed(
            "amount",
            expected_text,
            booked_text,
            "the entries do not book what was expected; the comment says why",
        ),
        info("difference", amount_text(0, currency), amount_text(difference, currency)),
    ]


def _dates(
    remittances: Sequence[Remittance], credited: Sequence[date | None], late: int
) -> Criterion:
    expected = sorted({r.expected_credit_date for r in remittances})
    actual = sorted({day for day in credited if day is not None})
    note = f"{late} business day(s) after the expected date and its grace" if late else ""
    return info("value_date", _span(expected), _span(actual), note)


def _late(
    remittances: Sequence[Remittance], grace_by_contract: Mapping[int, int], last: date | None
) -> int:
    """Business days the last credit came after the earliest due date plus grace."""
    if last is None or not remittances:
        return 0
    due = min(
        add_business_days(r.expected_credit_date, grace_by_contract[r.contract_id])
        for r in remittances
    )
    return max(0, business_days_between(due, last))


def _span(days: Sequence[date]) -> str:
    if not days:
        return "-"
    if len(days) == 1:
        return day_text(days[0])
    return f"{day_text(days[0])} to {day_text(days[-1])}"


def _one(currencies: set[str]) -> str | None:
    return next(iter(currencies)) if len(currencies) == 1 else None


def _amount_or_mixed(minor: int, currency: str | None) -> str:
    return amount_text(minor, currency) if currency else "several currencies"


def _count(count: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{count} {noun if count == 1 else plural}"
