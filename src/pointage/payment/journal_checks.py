"""Checks of a parsed transaction journal against itself and the database, before import.

Everything that could make the insert fail or store something wrong is found here, with
the line it comes from, so that a refused file lists every problem at once and the
insert that follows a clean check cannot fail on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pointage.core.errors import FileRejected
from pointage.core.statuses import OperationType
from pointage.formats.transaction_journal import JournalRow
from pointage.payment.bulk import StoredTransaction, TransactionBulk
from pointage.payment.repository import DEAD_REFUND_STATUSES
from pointage.shop.models import Contract, Shop


class Problems:
    """Problems found so far, as 'file:line: column: problem' lines, up to a limit."""

    def __init__(self, filename: str, limit: int) -> None:
        self.filename = filename
        self.limit = limit
        self.lines: list[str] = []

    @property
    def full(self) -> bool:
        return len(self.lines) >= self.limit

    def add(self, line: int, column: str | None, message: str) -> None:
        if not self.full:
            where = f" {column}:" if column else ""
            self.lines.append(f"{self.filename}:{line}:{where} {message}")

    def extend(self, lines: list[str]) -> None:
        self.lines.extend(lines[: self.limit - len(self.lines)])

    def raise_if_any(self) -> None:
        if self.lines:
            more = " (the first ones)" if self.full else ""
            raise FileRejected(
                f"{self.filename} refused, nothing imported: {len(self.lines)} problems{more}",
                self.lines,
            )


@dataclass
class ImportPlan:
    """What the checks decided, for the insert to follow without asking again."""

    skipped: set[str] = field(default_factory=set)  # uuids already stored as they are
    contract_ids: list[int | None] = field(default_factory=list)  # one per row
    stored_parents: dict[str, int] = field(default_factory=dict)  # parent uuid -> pk


def local_days(rows: list[JournalRow], shops: dict[str, Shop]) -> list[date | None]:
    """Each row's day in its shop's time zone (None for an unknown shop)."""
    zones = {shop_id: ZoneInfo(shop.timezone) for shop_id, shop in shops.items()}
    # Instants repeat (a day has 86,400 seconds) and the parser shares equal ones: memoise.
    memo: dict[tuple[str, datetime], date] = {}
    days: list[date | None] = []
    append = days.append
    for row in rows:
        key = (row.shop_id, row.created_at)
        day = memo.get(key)
        if day is None:
            zone = zones.get(row.shop_id)
            if zone is None:
                append(None)
                continue
            day = memo[key] = row.created_at.astimezone(zone).date()
        append(day)
    return days


def check_against_database(
    bulk: TransactionBulk,
    rows: list[JournalRow],
    days: list[date | None],
    shops: dict[str, Shop],
    problems: Problems,
) -> ImportPlan:
    plan = ImportPlan()
    _unknown_shops(rows, shops, problems)
    if problems.lines:
        return plan  # every other check needs the shop
    _duplicates_in_file(rows, days, problems)
    _stored(bulk, rows, days, shops, plan, problems)
    plan.contract_ids = _contracts(bulk, rows, shops, problems)
    _parents(bulk, rows, shops, plan, problems)
    return plan


def _unknown_shops(rows: list[JournalRow], shops: dict[str, Shop], problems: Problems) -> None:
    first_line: dict[str, int] = {}
    count: dict[str, int] = {}
    for row in rows:
        if row.shop_id not in shops:
            first_line.setdefault(row.shop_id, row.line)
            count[row.shop_id] = count.get(row.shop_id, 0) + 1
    for shop_id, line in first_line.items():
        problems.add(
            line, "SHOP_ID", f"unknown shop {shop_id} ({count[shop_id]} transactions of the file)"
        )


def _duplicates_in_file(
    rows: list[JournalRow], days: list[date | None], problems: Problems
) -> None:
    shop_ids = [row.shop_id for row in rows]
    keys = zip(shop_ids, days, [row.transaction_id for row in rows], strict=True)
    if len({row.uuid for row in rows}) == len(rows) and len(set(keys)) == len(rows):
        return  # the usual case, decided by two sets; the lines are looked for below
    keys = zip(shop_ids, days, [row.transaction_id for row in rows], strict=True)
    by_uuid: dict[str, int] = {}
    by_key: dict[tuple[str, date | None, str], int] = {}
    for row, key in zip(rows, keys, strict=True):
        line = by_uuid.setdefault(row.uuid, row.line)
        if line != row.line:
            problems.add(row.line, "TRANSACTION_UUID", f"same uuid as line {line}")
        line = by_key.setdefault(key, row.line)
        if line != row.line:
            problems.add(
                row.line,
                "TRANSACTION_ID",
                f"transaction id {row.transaction_id} is used twice on {key[1]} (line {line} too)",
            )
        if problems.full:
            return


def _stored(
    bulk: TransactionBulk,
    rows: list[JournalRow],
    days: list[date | None],
    shops: dict[str, Shop],
    plan: ImportPlan,
    problems: Problems,
) -> None:
    """Skip the rows stored already; refuse those that clash with another stored one."""
    ranges: dict[str, tuple[date, date]] = {}
    for shop_id, day in set(zip([row.shop_id for row in rows], days, strict=True)):
        assert day is not None  # every shop is known here
        low, high = ranges.get(shop_id, (day, day))
        ranges[shop_id] = (min(low, day), max(high, day))
    for shop_id, (first, last) in ranges.items():
        stored = bulk.stored_between(shops[shop_id].id, first, last)
        if not stored:
            continue
        taken = {key: uuid for uuid, key in stored.items()}
        for row, day in zip(rows, days, strict=True):
            if row.shop_id != shop_id:
                continue
            key = (day, row.transaction_id)
            if stored.get(row.uuid) == key:
                plan.skipped.add(row.uuid)
            elif row.uuid in stored:
                day_, tx_id = stored[row.uuid]
                problems.add(
                    row.line,
                    "TRANSACTION_UUID",
                    f"this uuid is stored as transaction {tx_id} of {day_}, not as this one",
                )
            elif key in taken:
                problems.add(
                    row.line,
                    "TRANSACTION_ID",
                    f"transaction id {row.transaction_id} of {day} is already used by "
                    f"transaction {taken[key]}",
                )


def _contracts(
    bulk: TransactionBulk, rows: list[JournalRow], shops: dict[str, Shop], problems: Problems
) -> list[int | None]:
    """The contract of each row: its CONTRACT, else the shop's contract for the card brand,
    else the shop's first contract, else none."""
    contracts = bulk.contracts(shop.id for shop in shops.values())
    memo: dict[tuple[str, str | None, str | None], int | None] = {}
    chosen: list[int | None] = []
    for row in rows:
        key = (row.shop_id, row.contract_number, row.card_brand)
        if key not in memo:
            memo[key] = _contract_for(contracts.get(shops[row.shop_id].id, []), key)
        contract_id = memo[key]
        if contract_id == -1:
            problems.add(
                row.line,
                "CONTRACT",
                f"{row.contract_number} is not a contract of shop {row.shop_id}",
            )
        chosen.append(contract_id)
    return chosen


def _contract_for(contracts: list[Contract], key: tuple[str, str | None, str | None]) -> int | None:
    """The contract id for (shop, contract number, brand); -1 for a number not of the shop."""
    _, number, brand = key
    if number is not None:
        return next((c.id for c in contracts if c.number == number), -1)
    for contract in contracts:
        if brand and brand in contract.brands.split(","):
            return contract.id
    return contracts[0].id if contracts else None


def _parents(
    bulk: TransactionBulk,
    rows: list[JournalRow],
    shops: dict[str, Shop],
    plan: ImportPlan,
    problems: Problems,
) -> None:
    """A refund's payment is a DEBIT of the same shop and currency, in the file or already
    stored, and its refunds never add up above its amount."""
    refunds = [row for row in rows if row.parent_uuid is not None]
    if not refunds:
        return
    parent_uuids = {str(row.parent_uuid) for row in refunds}
    in_file = {row.uuid: row for row in rows if row.uuid in parent_uuids}
    shop_ids = {shop.id: shop.shop_id for shop in shops.values()}
    # A payment of the file is looked up only if it is stored already (a re-import): its
    # stored refunds then count too.
    stored = bulk.by_uuids(u for u in parent_uuids if u not in in_file or u in plan.skipped)
    left = _left_to_refund(bulk, in_file, stored)
    for refund in refunds:
        parent_uuid = str(refund.parent_uuid)
        parent = _parent_of(parent_uuid, in_file, stored, shop_ids)
        if parent is None:
            problems.add(refund.line, "PARENT_TRANSACTION_UUID", f"no payment {parent_uuid}")
            continue
        if parent_uuid in stored:
            plan.stored_parents[parent_uuid] = stored[parent_uuid].pk
        shop_id, kind, currency = parent
        if shop_id != refund.shop_id or kind != OperationType.DEBIT.value:
            problems.add(
                refund.line,
                "PARENT_TRANSACTION_UUID",
                f"{parent_uuid} is not a payment (DEBIT) of shop {refund.shop_id}",
            )
        elif refund.currency != currency:
            problems.add(refund.line, "CURRENCY", f"the refunded payment is in {currency}")
        elif refund.uuid not in plan.skipped and _counts_against_its_payment(refund):
            left[parent_uuid] -= refund.amount_minor
            if left[parent_uuid] < 0:
                problems.add(
                    refund.line,
                    "AMOUNT",
                    f"refunds of {parent_uuid} would exceed the payment's amount "
                    f"by {-left[parent_uuid]} (minor units)",
                )


def _parent_of(
    uuid: str,
    in_file: dict[str, JournalRow],
    stored: dict[str, StoredTransaction],
    shop_ids: dict[int, str],
) -> tuple[str, str, str] | None:
    """(shop id, operation type, currency) of a refund's payment, wherever it is."""
    if uuid in in_file:
        row = in_file[uuid]
        return row.shop_id, row.operation_type.value, row.currency
    if uuid in stored:
        found = stored[uuid]
        return shop_ids.get(found.shop_pk, ""), found.operation_type, found.currency
    return None


def _left_to_refund(
    bulk: TransactionBulk,
    in_file: dict[str, JournalRow],
    stored: dict[str, StoredTransaction],
) -> dict[str, int]:
    """Payment uuid -> amount still refundable before this file's refunds."""
    refunded = bulk.refunded_totals(found.pk for found in stored.values())
    left = {uuid: row.amount_minor for uuid, row in in_file.items()}
    for uuid, found in stored.items():
        left[uuid] = found.amount_minor - refunded.get(found.pk, 0)
    return left


def _counts_against_its_payment(refund: JournalRow) -> bool:
    """Cancelled, refused, expired or failed refunds give nothing back."""
    return refund.detailed_status.value not in DEAD_REFUND_STATUSES
