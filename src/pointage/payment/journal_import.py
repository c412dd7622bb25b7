"""Import of the gateway's transaction journal (JT) file: all or nothing, idempotent.

The whole file is read and checked first: its format (`formats.transaction_journal`), then
against the database (shops, contracts, refunds' payments, ids already used). Any problem
refuses the file as a whole with every problem listed (up to MAX_ERRORS), and nothing is
written. A valid file is inserted in bulk inside the caller's transaction.

Importing the same file again is harmless: a transaction whose uuid is already stored for
the same shop, day and transaction id is skipped and counted, never updated (later status
changes come through notifications and operations, which keep the operations log).

The journal is the gateway's own record of each transaction's creation, so an import writes
one audit event per file and no operations-log entry per transaction (measured: a third more
time on a million rows); docs/formats/transaction-journal.md says so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.core.gc_pause import cycle_collection_paused
from pointage.core.statuses import (
    DetailedStatus,
    DisputeFlag,
    OperationType,
    ReconciliationStatus,
    rolled_up,
)
from pointage.formats.transaction_journal import JournalError, JournalRow, parse
from pointage.payment.bulk import DuplicateKey, TransactionBulk
from pointage.payment.journal_checks import (
    ImportPlan,
    Problems,
    check_against_database,
    local_days,
)
from pointage.shop.models import Shop

MAX_ERRORS = 100


@dataclass
class ShopCounts:
    shop_id: str
    read: int = 0
    imported: int = 0
    skipped: int = 0


@dataclass
class JournalImport:
    """What an import did: transactions read, inserted, and skipped as already stored."""

    filename: str
    read: int = 0
    imported: int = 0
    skipped: int = 0
    shops: dict[str, ShopCounts] = field(default_factory=dict)


def import_journal(
    session: Session, data: bytes, *, filename: str, actor: str = "system"
) -> JournalImport:
    """Check the whole journal, then insert its new transactions, or raise FileRejected."""
    with cycle_collection_paused(keep_result=False):
        return _import(session, data, filename, actor)


def _import(session: Session, data: bytes, filename: str, actor: str) -> JournalImport:
    rows = read_rows(data, filename)
    bulk = TransactionBulk(session)
    shops = bulk.shops(row.shop_id for row in rows)
    problems = Problems(filename, MAX_ERRORS)
    days = local_days(rows, shops)
    plan = check_against_database(bulk, rows, days, shops, problems)
    problems.raise_if_any()
    result = _counts(filename, rows, plan.skipped)
    try:
        with session.begin_nested(), bulk.large_page_cache():
            _insert(bulk, rows, days, shops, plan)
    except DuplicateKey:
        _explain_duplicate(bulk, rows, filename)
        raise
    record(
        session,
        actor,
        "transactions.journal_imported",
        "journal_file",
        filename[-64:],
        detail={
            "read": result.read,
            "imported": result.imported,
            "skipped": result.skipped,
            "shops": {s.shop_id: [s.read, s.imported, s.skipped] for s in result.shops.values()},
        },
    )
    return result


def read_rows(data: bytes, filename: str) -> list[JournalRow]:
    """Every transaction of the file, or FileRejected with the file's format problems."""
    rows: list[JournalRow] = []
    problems = Problems(filename, MAX_ERRORS)
    append = rows.append
    for item in parse(data, filename=filename):
        if type(item) is JournalRow:
            append(item)
        elif type(item) is JournalError:
            problems.lines.append(str(item))
            if problems.full:
                break
    problems.raise_if_any()
    return rows


def _counts(filename: str, rows: list[JournalRow], skipped: set[str]) -> JournalImport:
    result = JournalImport(filename, read=len(rows))
    read = Counter(row.shop_id for row in rows)
    already = Counter(row.shop_id for row in rows if row.uuid in skipped) if skipped else {}
    for shop_id in sorted(read):
        counts = ShopCounts(shop_id, read=read[shop_id], skipped=already.get(shop_id, 0))
        counts.imported = counts.read - counts.skipped
        result.shops[shop_id] = counts
    result.skipped = len(skipped)
    result.imported = result.read - result.skipped
    return result


# (detailed status, operation type) -> the stored words that follow from them.
_STATUS_COLUMNS: dict[tuple[DetailedStatus, OperationType], tuple[str, str, str, str, str]] = {}
for _status in DetailedStatus:
    for _kind in OperationType:
        _moves_money = (
            _status is DetailedStatus.CAPTURED and _kind is not OperationType.VERIFICATION
        )
        _STATUS_COLUMNS[_status, _kind] = (
            _kind.value,
            _status.value,
            rolled_up(_status).value,
            (
                ReconciliationStatus.PENDING
                if _moves_money
                else ReconciliationStatus.NOT_APPLICABLE
            ).value,
            (DisputeFlag.NO if _moves_money else DisputeFlag.NA).value,
        )


def _insert(
    bulk: TransactionBulk,
    rows: list[JournalRow],
    days: list[date | None],
    shops: dict[str, Shop],
    plan: ImportPlan,
) -> None:
    """Payments and verifications first, then refunds, which need their payment's key."""
    payments: list[int] = []
    refunds: list[int] = []
    skipped = plan.skipped
    for i, row in enumerate(rows):
        if skipped and row.uuid in skipped:
            continue
        (payments if row.parent_uuid is None else refunds).append(i)
    as_tuples = _TupleMaker(bulk, rows, days, shops, plan.contract_ids)
    bulk.insert(as_tuples(payments, {}))
    if refunds:
        parents = dict(plan.stored_parents)
        from_file = {str(rows[i].parent_uuid) for i in refunds} - parents.keys()
        parents.update({uuid: stored.pk for uuid, stored in bulk.by_uuids(from_file).items()})
        bulk.insert(as_tuples(refunds, parents))


class _TupleMaker:
    """Rows as tuples in the bulk insert's column order, dates dumped for the database."""

    def __init__(
        self,
        bulk: TransactionBulk,
        rows: list[JournalRow],
        days: list[date | None],
        shops: dict[str, Shop],
        contract_ids: list[int | None],
    ) -> None:
        self.rows, self.days, self.contract_ids = rows, days, contract_ids
        self.shop_pks = {shop_id: shop.id for shop_id, shop in shops.items()}
        self.dump_day = bulk.dumper("transaction_date")
        self.dump_instant = bulk.dumper("created_at")
        self.now = bulk.dumper("updated_at")(datetime.now(UTC))

    def __call__(self, indices: list[int], parents: dict[str, int]) -> list[tuple[Any, ...]]:
        # One loop with everything in locals: this runs once per transaction of the file.
        rows, days, contract_ids, shop_pks = self.rows, self.days, self.contract_ids, self.shop_pks
        dump_day, dump_instant, now, statuses = (
            self.dump_day,
            self.dump_instant,
            self.now,
            _STATUS_COLUMNS,
        )
        dumped_days: dict[date | None, Any] = {}  # memos read inline: no call per row
        dumped_instants: dict[datetime, Any] = {}
        out: list[tuple[Any, ...]] = []
        append = out.append
        for i in indices:
            row = rows[i]
            kind, status, rolled, reconciliation, dispute = statuses[
                row.detailed_status, row.operation_type
            ]
            day = dumped_days.get(days[i])
            if day is None:
                day = dumped_days[days[i]] = dump_day(days[i])
            instant = dumped_instants.get(row.created_at)
            if instant is None:
                instant = dumped_instants[row.created_at] = dump_instant(row.created_at)
            capture = row.expected_capture_date
            append((
                row.uuid, shop_pks[row.shop_id], row.transaction_id, day, row.order_id, kind,
                row.amount_minor, row.original_amount_minor, row.currency, status, rolled,
                row.card_brand, row.card_masked, row.authorisation_number, row.customer_reference,
                instant, day if capture is None else dump_day(capture),
                contract_ids[i], parents.get(row.parent_uuid) if row.parent_uuid else None,
                reconciliation, dispute, now,
            ))  # fmt: skip
        return out


def _explain_duplicate(bulk: TransactionBulk, rows: list[JournalRow], filename: str) -> None:
    """The database refused a uuid the checks did not see (stored for another shop or day):
    name the lines, then refuse the file."""
    stored = bulk.by_uuids(row.uuid for row in rows)
    problems = Problems(filename, MAX_ERRORS)
    for row in rows:
        if row.uuid in stored:
            problems.add(
                row.line, "TRANSACTION_UUID", "this uuid is stored for another shop or day"
            )
    if not problems.lines:
        problems.add(0, None, "a transaction of this file clashes with a stored one")
    problems.raise_if_any()
