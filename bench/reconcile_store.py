"""Writing bench/reconcile.py's data into a fresh migrated database.

The merchant, its shops, accounts and contracts go through `pointage.shop.service`, as a
real merchant's would. Remittances and the million payments are bulk-inserted
(`pointage.db.bulk.insert_rows`) as the capture batch leaves them: captured, attached to
their remittance, pending. The bank lines are written as one CFONB 120 file per account
(one statement per business day, balances that add up) and imported by
`pointage.statement.service.import_statement_file`, the import `pointage statements import`
runs (itself a bulk insert), so the entries carry exactly what a real import stores.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from reconcile_data import BANKS, BenchData, GenLine, order_id, payments_of, transaction_id
from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.core.calendar import add_business_days
from pointage.core.statuses import SettlementMode
from pointage.db.bulk import column_dumper, insert_rows, large_page_cache
from pointage.demo.setup import french_iban
from pointage.formats.statements import cfonb120
from pointage.formats.statements.model import (
    AccountId,
    Balance,
    Entry,
    EntryDetail,
    Statement,
    StatementFormat,
)
from pointage.payment.bulk import INSERT_COLUMNS
from pointage.payment.models import Transaction
from pointage.remittance.models import Remittance
from pointage.shop import service as shops
from pointage.statement.models import StatementEntry
from pointage.statement.service import import_statement_file

ROWS_PER_INSERT = 100_000
REMITTANCE_COLUMNS = (
    "shop_id",
    "contract_id",
    "currency",
    "remittance_date",
    "number",
    "payment_count",
    "refund_count",
    "gross_minor",
    "refunds_minor",
    "fee_minor",
    "net_minor",
    "expected_credit_minor",
    "expected_credit_date",
    "created_at",
)
TRANSACTION_COLUMNS = (*INSERT_COLUMNS, "remittance_id", "captured_at")


@dataclass(frozen=True, slots=True)
class Stored:
    merchant_id: int
    account_ids: list[int]
    contract_ids: list[int]
    shop_ids: list[int]


class Refused(Exception):
    """A bulk insert refused a row: the generator made a duplicate, a bug of the bench."""


def write(session: Session, data: BenchData) -> Stored:
    """Everything of `data`, in the caller's unit of work; sets the ids of `data`."""
    stored = _merchant(session, data)
    with large_page_cache(session):
        _remittances(session, data, stored)
        _transactions(session, data, stored)
        _statements(session, data, stored)
    return stored


def _merchant(session: Session, data: BenchData) -> Stored:
    merchant = shops.create_merchant(session, "Benchmark merchant", actor="bench")
    shop_rows = [
        shops.create_shop(session, merchant, shop_id=f"{90_000_001 + n}", name=f"Shop {n + 1}")
        for n in range(data.shops)
    ]
    accounts = [
        shops.create_bank_account(
            session, merchant, iban=french_iban(*bank), label=f"Account {bank[0]}"
        )
        for bank in BANKS
    ]
    contracts = [
        shops.create_contract(
            session,
            shop_rows[spec.shop],
            accounts[spec.account],
            number=spec.number,
            acquirer="Bench acquirer",
            fee_rate_bp=spec.fee_bp,
            fee_fixed_minor=spec.fee_fixed,
            settlement_mode=SettlementMode(spec.settlement),
            credit_delay_days=spec.delay,
            brands="AMEX" if spec.settlement == "gross" else "CB,VISA,MASTERCARD",
        )
        for spec in data.contracts
    ]
    session.flush()
    return Stored(
        merchant.id, [a.id for a in accounts], [c.id for c in contracts], [s.id for s in shop_rows]
    )


def _dumper(session: Session, table: Any, column: str) -> Callable[[Any], Any]:
    return column_dumper(session, table.c[column])


def _remittances(session: Session, data: BenchData, stored: Stored) -> None:
    day = _dumper(session, Remittance.__table__, "remittance_date")
    now = _dumper(session, Remittance.__table__, "created_at")(datetime.now(UTC))
    rows = [
        (
            stored.shop_ids[data.contracts[r.contract].shop],
            stored.contract_ids[r.contract],
            r.currency,
            day(r.day),
            r.number,
            r.count - r.refund_count,
            r.refund_count,
            r.gross,
            r.refunds,
            r.fee,
            r.net,
            r.expected,
            day(r.expected_date),
            now,
        )
        for r in data.remittances
    ]
    insert_rows(session, "remittance", REMITTANCE_COLUMNS, rows, duplicate=Refused)
    keys = {
        (contract_id, number): pk
        for pk, contract_id, number in session.execute(
            select(Remittance.id, Remittance.contract_id, Remittance.number)
        )
    }
    for r in data.remittances:
        r.id = keys[(stored.contract_ids[r.contract], r.number)]


def _transactions(session: Session, data: BenchData, stored: Stored) -> None:
    table = Transaction.__table__
    day = _dumper(session, table, "transaction_date")
    instant = _dumper(session, table, "created_at")
    rows: list[tuple[Any, ...]] = []
    for r in data.remittances:
        contract = data.contracts[r.contract]
        shop, contract_id = stored.shop_ids[contract.shop], stored.contract_ids[r.contract]
        created = datetime.combine(r.day, time(9, 0), tzinfo=UTC)
        captured = instant(datetime.combine(r.day, time(21, 0), tzinfo=UTC))
        remittance_day = day(r.day)
        for position, (refund, amount, last4) in enumerate(
            payments_of(data.seed, r, contract.price)
        ):
            n = r.first_payment + position
            at = instant(created + timedelta(seconds=position * 7))
            rows.append((
                f"{n:032x}", shop, transaction_id(n), remittance_day, order_id(n),
                "CREDIT" if refund else "DEBIT", amount, amount, r.currency, "CAPTURED",
                "PAID", "CB", f"497010XXXXXX{last4}", "123456", None, at, remittance_day,
                contract_id, None, "pending", "na" if refund else "no", at, r.id, captured,
            ))  # fmt: skip
        if len(rows) >= ROWS_PER_INSERT:
            insert_rows(session, "transaction", TRANSACTION_COLUMNS, rows, duplicate=Refused)
            rows = []
    insert_rows(session, "transaction", TRANSACTION_COLUMNS, rows, duplicate=Refused)


def _statements(session: Session, data: BenchData, stored: Stored) -> None:
    """One CFONB 120 file per account, imported; each line gets its entry's id."""
    by_day: dict[int, dict[date, list[GenLine]]] = defaultdict(lambda: defaultdict(list))
    for line in data.lines:
        by_day[line.account][line.day].append(line)
    for account, days in sorted(by_day.items()):
        ordered = [line for day in sorted(days) for line in days[day]]
        content = cfonb120.write(_account_statements(account, days))
        report = import_statement_file(
            session,
            content,
            filename=f"{BANKS[account][0]}-{BANKS[account][2]}.cfonb120.txt",
            actor="bench",
            format=StatementFormat.CFONB120,
            merchant_id=stored.merchant_id,
        )
        file_id = report.file_id
        rows = session.execute(
            select(StatementEntry.id, StatementEntry.record)
            .where(StatementEntry.file_id == file_id)
            .order_by(StatementEntry.record)
        ).all()
        for line, (entry_id, record) in zip(ordered, rows, strict=True):
            line.id, line.record, line.file_id = entry_id, record, file_id


def _account_statements(account: int, days: dict[date, list[GenLine]]) -> list[Statement]:
    bank, branch, number = BANKS[account]
    balance = 10_000_000_00
    statements = []
    for day in sorted(days):
        lines = days[day]
        closing = balance + sum(line.amount for line in lines)
        statements.append(
            Statement(
                record=0,
                account=AccountId(french_iban(bank, branch, number), bank, branch, number, "EUR"),
                opening_balance=Balance(balance, add_business_days(day, -1)),
                closing_balance=Balance(closing, day),
                entries=[_entry(line) for line in lines],
                from_date=day,
                to_date=day,
            )
        )
        balance = closing
    return statements


def _entry(line: GenLine) -> Entry:
    references = {}
    if line.entry_number is not None:
        references["entry_number"] = line.entry_number
    if line.reference is not None:
        references["reference"] = line.reference
    return Entry(
        record=0,
        amount_minor=line.amount,
        currency="EUR",
        booking_date=line.day,
        value_date=line.value_date,
        label=line.label,
        bank_operation_code=line.code,
        references=references,
        details=[EntryDetail(record=0, qualifier="LIB", text=text) for text in line.details],
    )
