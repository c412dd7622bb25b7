"""What the export says of the match that reconciles a transaction: a short evidence text,
its bank entries, the day the money was credited and the difference.

The text is built from the match's stored evidence, criterion by criterion, e.g.
"remittance_credit, score 130: reference 000123 7012345 pass; amount net pass; value date
pass". `pointage reconcile explain` gives the whole story; this is the line's summary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pointage.reconciliation.models import ClaimRole, MatchOrigin
from pointage.report.export.repository import EntryRow, MatchRow

MAX_EVIDENCE_CHARS = 400
_VARIANT = re.compile(r"\(([^)]+)\)\s*$")  # "99.15 EUR (net)" -> "net"


@dataclass(frozen=True, slots=True)
class MatchFacts:
    """A match as the export's columns show it (the same on every line it reconciles)."""

    evidence: str
    bank_entry: str | None  # "releve.txt #12; releve.txt #14"
    bank_label: str | None
    credited_on: date | None  # the latest value date of the entries crediting it
    difference_minor: int
    difference_currency: str | None  # the entries' currency; None without a bank entry


def facts_of(match: MatchRow, entries: Sequence[EntryRow]) -> MatchFacts:
    credits = [e for e in entries if e.role == ClaimRole.CREDIT.value] or list(entries)
    days = [day for e in credits if (day := e.value_date or e.booking_date) is not None]
    currencies = {e.currency for e in credits}
    return MatchFacts(
        evidence=evidence_text(match),
        bank_entry="; ".join(f"{e.filename} #{e.record}" for e in entries) or None,
        bank_label=" | ".join(e.label for e in entries) or None,
        credited_on=max(days, default=None),
        difference_minor=match.difference_minor,
        difference_currency=currencies.pop() if len(currencies) == 1 else None,
    )


def evidence_text(match: MatchRow) -> str:
    """Rule, who decided when not the engine, score, then each criterion and its outcome."""
    head = match.rule
    if match.origin != MatchOrigin.ENGINE.value:
        head += f" ({match.origin.replace('_', ' ')})"
    criteria = "; ".join(_criterion(item) for item in match.evidence)
    text = (
        f"{head}, score {match.score}: {criteria}" if criteria else f"{head}, score {match.score}"
    )
    if match.anomaly:
        text += f"; anomaly: {match.anomaly}"
    if match.comment:
        text += f"; comment: {match.comment}"
    if len(text) > MAX_EVIDENCE_CHARS:
        text = text[: MAX_EVIDENCE_CHARS - 1] + "…"
    return text


def _criterion(item: dict[str, Any]) -> str:
    name = str(item.get("name", ""))
    outcome = str(item.get("outcome", ""))
    if name == "remittance_reference":
        # What the line shows: the zone holding the remittance's number and contract.
        actual = str(item.get("actual") or "").strip()
        shown = f"reference {actual}" if actual and actual != "-" else "reference"
    elif name == "amount":
        variant = _VARIANT.search(str(item.get("expected") or ""))
        shown = f"amount {variant.group(1)}" if variant else "amount"
    else:
        shown = name.replace("_", " ")
    return f"{shown} {outcome}".strip()
