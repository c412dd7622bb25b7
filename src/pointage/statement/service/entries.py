"""De-duplication keys of entries, and entries as rows for the bulk insert.

An entry's key says "this movement" for its bank account, whichever file brings it:
- `ref:<bank reference>` when the format gives the bank's own unique reference of the
  movement (camt AcctSvcrRef, OFX FITID); `ref:sha256:<hex>` for one too long to store;
- otherwise `fp:<day>:<fingerprint>:<n>`: the SHA-256 (hex) of the account, booking date,
  value date, amount, currency, label, operation code and the references sorted by name,
  then the occurrence of that same fingerprint in the file (1, 2, 3… in file order). Two
  identical lines of one file are two movements (two equal transfers the same day) and are
  both kept; a later file that carries the same two lines again brings nothing new, and one
  that carries three brings the third. `<day>` is the value date (else the booking date, else
  "-"), already part of the fingerprint, written first so that the keys of one day sit
  together in the unique index: a file, in date order, then inserts into a few pages of the
  index instead of random ones, twice as fast for a million entries on SQLite.

This runs once per movement of the file: the loops keep what they use in locals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from hashlib import sha256
from json.encoder import encode_basestring_ascii as _quote  # what json.dumps uses for str
from typing import Any

from pointage.formats.statements.model import BANK_REFERENCE_KEYS, Entry, EntryDetail

MAX_REFERENCE_KEY = 196  # the key column holds 200 characters
# Fields are separated by \x1f and reference pairs by \x1e: characters no bank text holds.
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
        return self.keys(bank_account_id, [entry])[0]

    def keys(self, bank_account_id: int, entries: list[Entry]) -> list[str]:
        """The entries' keys, in order. One loop with its names in locals: it runs once
        per movement of the file."""
        occurrences, days, hashed = self._occurrences, self._days, sha256
        out: list[str] = []
        append = out.append
        for entry in entries:
            references = entry.references
            reference = _bank_reference(references) if references else None
            if reference:
                append(_reference_key(reference))
                continue
            booking = days.get(entry.booking_date)
            if booking is None:
                booking = days[entry.booking_date] = entry.booking_date.isoformat()  # type: ignore[union-attr]
            value = days.get(entry.value_date)
            if value is None:
                value = days[entry.value_date] = entry.value_date.isoformat()  # type: ignore[union-attr]
            pairs = (
                _PAIR.join([f"{k}={v}" for k, v in sorted(references.items())])
                if references
                else ""
            )
            digest = hashed(
                f"{bank_account_id}\x1f{booking}\x1f{value}\x1f{entry.amount_minor}\x1f"
                f"{entry.currency}\x1f{entry.label}\x1f{entry.bank_operation_code or ''}\x1f"
                f"{pairs}".encode()
            ).hexdigest()
            occurrence = occurrences[digest] = occurrences.get(digest, 0) + 1
            append(f"fp:{value or booking or '-'}:{digest}:{occurrence}")
        return out


def _bank_reference(references: dict[str, str]) -> str | None:
    """`Entry.bank_reference`, from the references at hand."""
    for name in BANK_REFERENCE_KEYS:
        value = references.get(name)
        if value:
            return value
    return None


def _reference_key(reference: str) -> str:
    if len(reference) > MAX_REFERENCE_KEY - len("ref:"):
        return "ref:sha256:" + sha256(reference.encode()).hexdigest()
    return "ref:" + reference


class RowMaker:
    """Entries as tuples in `repository.ENTRY_COLUMNS` order, values dumped for the database.

    `dump` gives the bind processor of a column (dates and instants are text on SQLite).
    The JSON columns are written here rather than by `json.dumps` on built dicts, a third
    of the time of the rows: the same text `json.dumps` writes for `json_view`'s shape
    (a test holds them equal)."""

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
        dump_day, file_id, now = self.dump_day, self.file_id, self.now
        reversal = {False: self.dump_bool(False), True: self.dump_bool(True)}
        days: dict[date | None, Any] = {}
        out: list[tuple[Any, ...]] = []
        append = out.append
        for entry, key in new:
            booking, value = entry.booking_date, entry.value_date
            booking_text = days.get(booking)
            if booking_text is None:
                booking_text = days[booking] = dump_day(booking)
            value_text = days.get(value)
            if value_text is None:
                value_text = days[value] = dump_day(value)
            references, details = entry.references, entry.details
            append((
                bank_account_id, statement_id, file_id, entry.record, entry.amount_minor,
                entry.currency or currency, booking_text, value_text, entry.label,
                entry.bank_operation_code,
                references_json(references) if references else "{}",
                details_json(details) if details else "[]",
                entry.status, reversal[entry.reversal], key, now,
            ))  # fmt: skip
        return out


def references_json(references: dict[str, str]) -> str:
    """`json.dumps(references)`, faster for a dict of strings."""
    quote = _quote
    return "{" + ", ".join([f"{quote(k)}: {quote(v)}" for k, v in references.items()]) + "}"


def details_json(details: list[EntryDetail]) -> str:
    """`json.dumps([json_view.detail_to_json(d) for d in details])`, faster."""
    quote = _quote
    parts = [
        f'{{"record": {d.record}, '
        f'"qualifier": {"null" if d.qualifier is None else quote(d.qualifier)}, '
        f'"text": {"null" if d.text is None else quote(d.text)}, '
        f'"amount_minor": {"null" if d.amount_minor is None else int(d.amount_minor)}, '
        f'"references": {references_json(d.references) if d.references else "{}"}}}'
        for d in details
    ]
    return "[" + ", ".join(parts) + "]"
