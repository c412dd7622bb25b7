"""What a journal line says of the bank entries a match claims: one value date, one label,
one reference and, for a chargeback, the bank's reason.

A match usually claims one entry. When it claims several (a remittance credited in two
parts), the line shows the latest value date (the day the credit was complete) and the
labels and references of all, in value-date order, joined by " | ".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pointage.report.journals.queries_bank import EntryFacts

JOIN = " | "
# The reference that names the movement at the bank, by format, best first: the CFONB
# 120 reference zone, camt's account servicer reference, MT940's bank reference, OFX's
# FITID, then the weaker ones. Other references (internal codes, flags) are not shown.
REFERENCE_NAMES = (
    "reference",
    "AcctSvcrRef",
    "bank_reference",
    "FITID",
    "entry_number",
    "NtryRef",
    "EndToEndId",
    "customer_reference",
)
# "MOTIF 4853 LITIGE COMMERCIAL" in a complement or the label: the reason is what follows.
_REASON = re.compile(r"\bMOTIF\b[ :.-]*(?P<reason>\S.*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class BankLine:
    currency: str | None  # the account's: what a match's difference is counted in
    value_date: date | None
    label: str
    reference: str | None
    reason: str | None


def reference_of(references: dict[str, str]) -> str | None:
    for name in REFERENCE_NAMES:
        value = references.get(name)
        if value:
            return value
    return None


def reason_of(label: str, details: Iterable[dict[str, object]]) -> str | None:
    """The text after MOTIF in the entry's complements, else in its label."""
    texts = [d.get("text") for d in details]
    for text in [*(t for t in texts if isinstance(t, str)), label]:
        found = _REASON.search(text)
        if found:
            return found.group("reason").strip()
    return None


# What a row shows when no bank line stands behind it.
NO_LINE = BankLine(None, None, "", None, None)


def by_match(entries: Iterable[EntryFacts]) -> dict[int, BankLine]:
    """Match id → its bank line, from entries sorted by match."""
    grouped: dict[int, list[EntryFacts]] = {}
    for entry in entries:
        grouped.setdefault(entry.match_id, []).append(entry)
    return {match_id: _line(group) for match_id, group in grouped.items()}


def _line(entries: list[EntryFacts]) -> BankLine:
    days = [e.value_date or e.booking_date for e in entries]
    references = [r for r in (reference_of(e.references) for e in entries) if r]
    reasons = [r for r in (reason_of(e.label, e.details) for e in entries) if r]
    return BankLine(
        currency=entries[0].currency,
        value_date=max((d for d in days if d is not None), default=None),
        label=JOIN.join(e.label for e in entries),
        reference=JOIN.join(references) or None,
        reason=reasons[0] if reasons else None,
    )
