"""The mistakes the demo bank makes on purpose, one of each, for reconciliation to find.

- missing: a remittance that was due and is never credited, overdue by the last day;
- short: a remittance credited a few euros less than expected;
- late: a remittance credited three to five business days after its expected date;
- duplicate: a remittance credit line booked twice in the same statement.

They are drawn among remittances in the account's currency, of at least `MIN_AMOUNT_MINOR`,
whose (late) credit falls inside the demo, so each one is visible in the statements. A demo
too short for one of them (a late credit needs a few business days after the expected date)
goes without it; the ground truth lists those injected.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

from pointage.core.calendar import add_business_days
from pointage.demo.bank_model import (
    Anomaly,
    AnomalyKind,
    BankLine,
    LineKind,
    RemittanceInput,
)

MIN_AMOUNT_MINOR = 20_00
SHORT_BY_RANGE = (2_00, 9_00)
LATE_BY_RANGE = (3, 5)
# Reconciliation calls a credit missing only once its expected date and the contract's grace
# period (2 business days for the demo's contracts) are past: the missing credit is one
# expected this many business days before the last day or earlier, so the demo shows it.
MISSING_AFTER_BUSINESS_DAYS = 2 + 1


def choose(
    rng: random.Random,
    remittances: list[RemittanceInput],
    currencies: dict[str, str],
    last_day: date,
) -> dict[tuple[str, int], Anomaly]:
    """The anomalous remittances, by (contract number, remittance number)."""
    eligible = [
        remittance
        for remittance in remittances
        if remittance.currency == currencies[remittance.contract_number]
        and remittance.expected_credit_minor >= MIN_AMOUNT_MINOR
        and remittance.expected_credit_date <= last_day
    ]
    picks: dict[tuple[str, int], Anomaly] = {}
    late_by = rng.randint(*LATE_BY_RANGE)
    late_deadline = add_business_days(last_day, -late_by)
    in_time = [r for r in eligible if r.expected_credit_date <= late_deadline]
    if in_time:
        picks[_key(rng.choice(in_time))] = Anomaly(AnomalyKind.LATE, late_by_business_days=late_by)
    for anomaly, candidates in (
        (
            Anomaly(AnomalyKind.MISSING),
            [r for r in eligible if _overdue_on(r.expected_credit_date, last_day)],
        ),
        (Anomaly(AnomalyKind.SHORT, short_by_minor=rng.randint(*SHORT_BY_RANGE)), eligible),
    ):
        remaining = [r for r in candidates if _key(r) not in picks]
        if remaining:
            picks[_key(rng.choice(remaining))] = anomaly
    return picks


def _overdue_on(expected_credit_date: date, day: date) -> bool:
    return add_business_days(expected_credit_date, MISSING_AFTER_BUSINESS_DAYS) <= day


def _key(remittance: RemittanceInput) -> tuple[str, int]:
    return (remittance.contract_number, remittance.number)


def duplicate_one_credit(rng: random.Random, lines: list[BankLine]) -> BankLine | None:
    """Book one ordinary remittance credit twice: the copy goes right after it in `lines`."""
    ordinary = [
        index
        for index, line in enumerate(lines)
        if line.kind is LineKind.REMITTANCE_CREDIT
        and line.anomaly is None
        and line.amount_minor >= MIN_AMOUNT_MINOR
    ]
    if not ordinary:
        return None
    index = rng.choice(ordinary)
    original = lines[index]
    copy = replace(
        original,
        kind=LineKind.DUPLICATE_LINE,
        remittances=(),
        anomaly=Anomaly(AnomalyKind.DUPLICATE),
        duplicate_of=original,
    )
    lines.insert(index + 1, copy)
    return copy
