"""Writing a checked file's statements and new entries (steps 4 and 5 of the import)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pointage.formats.statements.checks import continuity_issue
from pointage.formats.statements.model import Balance, Entry, ParseResult, Statement
from pointage.shop.models import BankAccount
from pointage.statement.models import BankStatement
from pointage.statement.repository import StatementRepository
from pointage.statement.service.checks import CheckedFile
from pointage.statement.service.entries import KeyMaker, RowMaker, is_booked
from pointage.statement.service.report import ImportReport, StatementReport

INSERT_CHUNK = 50_000  # rows per executemany / COPY: bounds the memory of the tuples


@dataclass
class PlannedStatement:
    """A statement of the file and the stored statement its entries go to: its own new
    row, or the identical one stored before (`known_id`, or an earlier one of the file)."""

    statement: Statement
    account: BankAccount
    row: BankStatement
    report: StatementReport
    known_id: int | None = None

    @property
    def statement_id(self) -> int:
        return self.known_id if self.known_id is not None else self.row.id


# Closing balances met so far in the file, per account: (date, position in file, amount).
Closings = dict[int, list[tuple[date, int, int]]]


def store_statements(
    repository: StatementRepository,
    result: ParseResult,
    checked: CheckedFile,
    report: ImportReport,
) -> list[PlannedStatement]:
    planned: list[PlannedStatement] = []
    new_rows: list[BankStatement] = []
    in_file: dict[tuple[Any, ...], BankStatement] = {}
    closings: Closings = defaultdict(list)
    for position, (statement, account, difference) in enumerate(
        zip(result.statements, checked.accounts, checked.differences, strict=True)
    ):
        row = _row(report.file_id, account, statement, difference)
        item = PlannedStatement(statement, account, row, _statement_report(statement, account))
        item.report.balance_difference_minor = difference
        signature = _signature(account.id, row)
        if signature is not None and signature in in_file:
            item.row, item.report.already_known = in_file[signature], True
        elif signature is not None and (known := repository.identical_statement(account.id, row)):
            item.known_id, item.report.already_known = known, True
        else:
            _continuity(repository, item, closings, report.warnings)
            new_rows.append(row)
            if signature is not None:
                in_file[signature] = row
        if row.closing_amount_minor is not None and row.closing_date is not None:
            closings[account.id].append((row.closing_date, position, row.closing_amount_minor))
        planned.append(item)
        report.statements.append(item.report)
    repository.add_statements(new_rows)
    for item in planned:
        item.report.statement_id = item.statement_id
    return planned


def _row(
    file_id: int, account: BankAccount, statement: Statement, difference: int | None
) -> BankStatement:
    opening, closing = statement.opening_balance, statement.closing_balance
    return BankStatement(
        file_id=file_id,
        bank_account_id=account.id,
        record=statement.record,
        identifier=statement.identifier[:140] if statement.identifier else None,
        kind=str(statement.kind),
        currency=account.currency,
        opening_amount_minor=opening.amount_minor if opening else None,
        opening_date=opening.date if opening else None,
        closing_amount_minor=closing.amount_minor if closing else None,
        closing_date=closing.date if closing else None,
        from_date=statement.from_date,
        to_date=statement.to_date,
        entry_count=len(statement.entries),
        balance_difference_minor=difference,
    )


def _statement_report(statement: Statement, account: BankAccount) -> StatementReport:
    opening, closing = statement.opening_balance, statement.closing_balance
    return StatementReport(
        record=statement.record,
        identifier=statement.identifier,
        bank_account_id=account.id,
        account_label=account.label,
        iban=account.iban,
        currency=account.currency,
        opening_date=opening.date if opening else None,
        closing_date=closing.date if closing else None,
        entries=len(statement.entries),
    )


def _signature(account_id: int, row: BankStatement) -> tuple[Any, ...] | None:
    """What makes two statements the same one, whatever the format they came in: the
    account's balance on a date and its balance on a later date. None for a statement
    without both dated balances, which nothing identifies (its entries are still
    de-duplicated one by one)."""
    balances = (
        row.opening_amount_minor,
        row.opening_date,
        row.closing_amount_minor,
        row.closing_date,
    )
    if any(value is None for value in balances):
        return None
    return (account_id, *balances)


def _continuity(
    repository: StatementRepository,
    item: PlannedStatement,
    closings: Closings,
    warnings: list[str],
) -> None:
    """Gap between the opening balance and the account's previous closing balance: the
    latest closing dated no later than the opening, in the database or earlier in the file."""
    opening = item.statement.opening_balance
    since = (opening.date if opening else None) or item.statement.from_date
    if opening is None or since is None:
        return
    candidates = [c for c in closings.get(item.account.id, []) if c[0] <= since]
    stored = repository.previous_statement(item.account.id, since)
    if stored is not None and stored.closing_date is not None:
        candidates.append((stored.closing_date, -1, stored.closing_amount_minor))
    if not candidates:
        return
    closing_date, _, closing_amount = max(candidates)
    gap = opening.amount_minor - closing_amount
    item.row.continuity_gap_minor = item.report.continuity_gap_minor = gap
    issue = continuity_issue(Balance(closing_amount, closing_date), item.statement)
    if issue is not None:
        warnings.append(f"record {issue.record}: {issue.message}")


def store_entries(
    repository: StatementRepository,
    planned: list[PlannedStatement],
    file_id: int,
    report: ImportReport,
) -> None:
    """Insert the entries not known yet for their account; count the others with why."""
    keyed, dates, refs = _keys(planned)
    known = {
        account_id: _stored_keys(repository, account_id, dates[account_id], refs[account_id])
        for account_id in dates
    }
    seen_refs: dict[tuple[int, str], int] = {}
    rows = RowMaker(repository.dumper, file_id, datetime.now(UTC))
    with repository.large_page_cache():
        for item, entries in zip(planned, keyed, strict=True):
            new = _new_entries(item, entries, known[item.account.id], seen_refs)
            if item.known_id is not None and new:
                new = _not_in_known_statement(repository, item, new)
            item.report.imported = len(new)
            for start in range(0, len(new), INSERT_CHUNK):
                chunk = new[start : start + INSERT_CHUNK]
                repository.insert_entries(
                    rows.rows(item.account.id, item.statement_id, item.account.currency, chunk)
                )


def _not_in_known_statement(
    repository: StatementRepository, item: PlannedStatement, new: list[tuple[Entry, str]]
) -> list[tuple[Entry, str]]:
    """The entries of a statement stored before that are not among its stored movements.

    The same statement sent in two formats (the CFONB 120 and the camt.053 of a day) gives
    its movements different keys: camt has bank references, CFONB has none. Its dated
    balances say it is the same statement; its movements are then matched by dates and
    amount, one for one, so that none is imported twice.
    """
    stored: Counter[tuple[Any, ...]] = Counter()
    files: dict[tuple[Any, ...], int] = {}
    for booking_date, value_date, amount, file_id in repository.movements_of_statement(
        item.statement_id
    ):
        stored[booking_date, value_date, amount] += 1
        files[booking_date, value_date, amount] = file_id
    kept: list[tuple[Entry, str]] = []
    for entry, key in new:
        movement = (entry.booking_date, entry.value_date, entry.amount_minor)
        if stored[movement] > 0:
            stored[movement] -= 1
            reason = f"same movement of the same statement imported from file #{files[movement]}"
            item.report.skip_reasons[reason] += 1
        else:
            kept.append((entry, key))
    return kept


def _keys(
    planned: list[PlannedStatement],
) -> tuple[list[list[tuple[Entry, str]]], dict[int, set[date | None]], dict[int, list[str]]]:
    """Each booked entry with its key; per account, the value dates and bank references."""
    maker = KeyMaker()
    keyed: list[list[tuple[Entry, str]]] = []
    dates: dict[int, set[date | None]] = defaultdict(set)
    refs: dict[int, list[str]] = defaultdict(list)
    for item in planned:
        account_id = item.account.id
        booked = [entry for entry in item.statement.entries if is_booked(entry)]
        if len(booked) < len(item.statement.entries):
            for entry in item.statement.entries:
                if not is_booked(entry):
                    item.report.skip_reasons[f"not booked (status {entry.status})"] += 1
        keys = maker.keys(account_id, booked)
        keyed.append(list(zip(booked, keys, strict=True)))
        dates[account_id].update([entry.value_date for entry in booked])
        refs[account_id].extend([key for key in keys if key[:4] == "ref:"])
    return keyed, dates, refs


def _stored_keys(
    repository: StatementRepository, account_id: int, dates: set[date | None], refs: list[str]
) -> dict[str, int]:
    """Key -> file id of the account's stored entries that this file may repeat: those of
    the file's value dates in one query, then any bank reference not among them."""
    dated = [day for day in dates if day is not None]
    found = repository.keys_between(
        account_id, min(dated, default=None), max(dated, default=None), undated=None in dates
    )
    missing = [ref for ref in refs if ref not in found]
    if missing:
        found.update(repository.keys_among(account_id, missing))
    return found


def _new_entries(
    item: PlannedStatement,
    entries: list[tuple[Entry, str]],
    known: dict[str, int],
    seen_refs: dict[tuple[int, str], int],
) -> list[tuple[Entry, str]]:
    reasons = item.report.skip_reasons
    account_id = item.account.id
    new: list[tuple[Entry, str]] = []
    append = new.append
    for entry, key in entries:
        file_id = known.get(key)
        if file_id is not None:
            reasons[f"already imported from file #{file_id}"] += 1
        elif key[:4] == "ref:":
            first = seen_refs.setdefault((account_id, key), entry.record)
            if first != entry.record:
                reasons[f"same bank reference as record {first} of this file"] += 1
            else:
                append((entry, key))
        else:
            append((entry, key))
    return new
