"""De-duplication keys of entries, and entries as rows for the bulk insert.

An entry's key says "this movement" for its bank account, whichever file brings it:
- `ref:<bank reference>` when the format gives the bank's own unique reference of the
  movement (camt AcctSvcrRef, OFX FITID); `ref:sha256:<hex>` for one too long to store;
- otherwise `fp:<fingerprint>:<n>`: the SHA-256 (hex) of the account, booking date, value
  date, amount, currency, label, operation code and the references sorted by name, then the
  occurrence of that same fingerprint in the file (1, 2, 3… in file order). Two identical
  lines of one file are two movements (two equal transfers the same day) and are both kept;
  a later file that carries the same two lines again brings nothing new, and one that carries
  three brings the third.

This runs once per movement of the file: the loops keep what they use in locals.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from hashlib import sha256
from typing import Any

from pointage.formats.statements.json_view import detail_to_json
from pointage.formats.statements.model import Entry

MAX_REFERENCE_KEY = 196  # the key column holds 200 characters
_FIELD = "\x1f"  # separators that no bank text contains
_PAIR = "\x1e"


def is_booked(entry: Entry) -> bool:
    """A movement that moved the booked balance (camt PDNG and INFO did not)."""
    return entry.status is None or entry.status == "BOOK"


class KeyMaker:
    """The keys of one file's entries, asked in file order."""

    def __init__(self) -> None:
        self._occurrences: dict[str, int] = {}
        self._days: dict[date | None, str] = {None: ""}

    def key(self, bank_account_id: int, entry: Entry) -> str:
        reference = entry.bank_reference
        if reference:
            if len(reference) > MAX_REFERENCE_KEY - len("ref:"):
                return "ref:sha256:" + sha256(reference.encode()).hexdigest()
            return "ref:" + reference
        days = self._days
        booking = days.get(entry.booking_date)
        if booking is None:
            booking = days[entry.booking_date] = entry.booking_date.isoformat()  # type: ignore[union-attr]
        value = days.get(entry.value_date)
        if value is None:
            value = days[entry.value_date] = entry.value_date.isoformat()  # type: ignore[union-attr]
        references = entry.references
        text = _FIELD.join((
            str(bank_account_id), booking, value, str(entry.amount_minor), entry.currency,
            entry.label, entry.bank_operation_code or "",
            _PAIR.join(f"{k}={references[k]}" for k in sorted(references)) if references else "",
        ))  # fmt: skip
        digest = sha256(text.encode()).hexdigest()
        occurrence = self._occurrences.get(digest, 0) + 1
        self._occurrences[digest] = occurrence
        return f"fp:{digest}:{occurrence}"


class RowMaker:
    """Entries as tuples in `repository.ENTRY_COLUMNS` order, values dumped for the database.

    `dump` gives the bind processor of a column (dates and instants are text on SQLite)."""

    def __init__(self, dump: Callable[[str], Callable[[Any], Any]], file_id: int, now: Any) -> None:
        self.dump_day = dump("booking_date")
        self.dump_bool = dump("reversal")
        self.file_id = file_id
        self.now = dump("created_at")(now)

    def rows(
        self,
        bank_account_id: int,
        statement_id: int,
        currency: str,
        new: list[tuple[Entry, str]],
    ) -> list[tuple[Any, ...]]:
        dump_day, dump_bool, file_id, now = self.dump_day, self.dump_bool, self.file_id, self.now
        dumps = json.dumps
        out: list[tuple[Any, ...]] = []
        append = out.append
        for entry, key in new:
            references = entry.references
            details = entry.details
            append((
                bank_account_id, statement_id, file_id, entry.record, entry.amount_minor,
                entry.currency or currency, dump_day(entry.booking_date),
                dump_day(entry.value_date), entry.label, entry.bank_operation_code,
                dumps(references, ensure_ascii=False) if references else "{}",
                dumps([detail_to_json(d) for d in details], ensure_ascii=False)
                if details else "[]",
                entry.status, dump_bool(entry.reversal), key, now,
            ))  # fmt: skip
        return out
