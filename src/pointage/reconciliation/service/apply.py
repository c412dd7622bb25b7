"""A run's middle: load what is open, let the engine decide, store its decisions.

The engine is a parameter (`engine`, `clues`) so that the storing can be tested on
decisions chosen by the test; by default it is `pointage.matching.engine.reconcile`, and
the chargeback clues `pointage.matching.chargebacks.chargeback_clues`.
Nothing here commits: the run's transaction makes it all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from pointage.matching.chargebacks import chargeback_clues
from pointage.matching.engine import reconcile
from pointage.matching.model import (
    BankMovement,
    ChargebackClue,
    Criterion,
    EngineInput,
    EngineResult,
    OpenItem,
    OpenReason,
    Proposal,
    Rule,
)
from pointage.matching.settings import EngineSettings
from pointage.reconciliation.models import ClaimRole, MatchOrigin, SuggestionStatus
from pointage.reconciliation.repository import manual as manual_queries
from pointage.reconciliation.repository import run_records as records
from pointage.reconciliation.repository import runs as queries
from pointage.reconciliation.repository import status as status_queries
from pointage.webhook import service as webhooks

Engine = Callable[[EngineInput, EngineSettings], EngineResult]
_CREDIT = ClaimRole.CREDIT.value
_TAKEN = ClaimRole.CHARGEBACK.value
Clues = Callable[[Sequence[BankMovement], EngineSettings], list[ChargebackClue]]
ENGINE_ACTOR = "engine"


def default_engine(data: EngineInput, settings: EngineSettings) -> EngineResult:
    return reconcile(data, settings)


def default_clues(
    entries: Sequence[BankMovement], settings: EngineSettings
) -> list[ChargebackClue]:
    return chargeback_clues(entries, settings)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the engine decided on what was open, plus what the app ring keeps apart."""

    data: EngineInput
    result: EngineResult
    reversals: tuple[OpenItem, ...]  # reversal entries, never matched automatically


def decide(
    session: Session,
    merchant_id: int,
    today: date,
    settings: EngineSettings,
    *,
    engine: Engine | None = None,
    clues: Clues | None = None,
) -> Decision:
    """Load what is open for the merchant and let the engine (default: the real one,
    looked up at call time) decide on it."""
    engine = engine or default_engine
    clues = clues or default_clues
    remittances = queries.open_remittances(session, merchant_id)
    entries, reversal_ids = queries.unclaimed_entries(session, merchant_id)
    payments = queries.chargeback_candidates(
        session, merchant_id, clues(entries, settings), settings.chargeback_max_age_days
    )
    data = EngineInput(remittances=remittances, entries=entries, payments=payments, today=today)
    reversals = tuple(
        OpenItem(
            "entry",
            entry_id,
            OpenReason.NOT_GATEWAY,
            "the bank reverses an earlier movement here: a person checks it",
        )
        for entry_id in reversal_ids
    )
    result = without_undone(
        engine(data, settings), manual_queries.reversed_claim_keys(session, merchant_id)
    )
    taken_back = status_queries.chargeback_claimed(session, {p.id for p in payments})
    return Decision(data, second_chargebacks_suggested(result, taken_back), reversals)


def second_chargebacks_suggested(result: EngineResult, taken_back: set[int]) -> EngineResult:
    """A chargeback of a payment an earlier match already took back is real (a second
    dispute after re-presentment) but never automatic: a person decides."""
    if not taken_back:
        return result
    again = [
        m
        for m in result.matches
        if m.rule == Rule.CHARGEBACK and taken_back.intersection(m.transaction_ids)
    ]
    if not again:
        return result
    return EngineResult(
        matches=[m for m in result.matches if m not in again],
        suggestions=[
            *result.suggestions,
            *(
                replace(
                    m,
                    automatic=False,
                    reason="the payment was already taken back by an earlier chargeback",
                )
                for m in again
            ),
        ],
        open_entries=[
            *result.open_entries,
            *(
                OpenItem("entry", i, OpenReason.ALREADY_CLAIMED, "a second chargeback of a payment")
                for m in again
                for i in m.entry_ids
            ),
        ],
        open_remittances=result.open_remittances,
    )


def without_undone(result: EngineResult, undone: set[str]) -> EngineResult:
    """The engine's result without the pairings a person undid: such a match is never
    applied again, nor suggested; its entries and remittances stay open, saying why."""
    if not undone:
        return result
    kept = [m for m in result.matches if claim_key(m) not in undone]
    dropped = [m for m in result.matches if claim_key(m) in undone]
    why = "a person undid this pairing: it is not applied again (match it by hand if needed)"
    return EngineResult(
        matches=kept,
        suggestions=[s for s in result.suggestions if claim_key(s) not in undone],
        open_entries=[
            *result.open_entries,
            *(OpenItem("entry", i, OpenReason.UNDONE, why) for m in dropped for i in m.entry_ids),
        ],
        open_remittances=[
            *result.open_remittances,
            *(
                OpenItem("remittance", i, OpenReason.UNDONE, why)
                for m in dropped
                for i in m.remittance_ids
            ),
        ],
    )


# -- storing ----------------------------------------------------------------------------------


def roles_of(rule: Rule | str) -> tuple[ClaimRole, ClaimRole, ClaimRole]:
    """The roles a match of `rule` claims its entries, remittances and transactions in."""
    if rule == Rule.COMMISSION_DEBIT:
        return ClaimRole.FEE, ClaimRole.FEE, ClaimRole.FEE
    if rule == Rule.CHARGEBACK:
        return ClaimRole.CHARGEBACK, ClaimRole.CHARGEBACK, ClaimRole.CHARGEBACK
    return ClaimRole.CREDIT, ClaimRole.CREDIT, ClaimRole.CREDIT


def evidence_of(criteria: Iterable[Criterion]) -> list[dict[str, Any]]:
    """The criteria as stored on a match or a suggestion, in order."""
    return [
        {
            "name": c.name,
            "expected": c.expected,
            "actual": c.actual,
            "outcome": c.outcome.value,
            "points": c.points,
            "note": c.note,
        }
        for c in criteria
    ]


def claim_key(proposal: Proposal) -> str:
    """What a proposal would claim, as 'e:1,2|r:7|t:' (sorted ids): a suggestion rejected
    once is not proposed again while it would claim the same rows."""

    def ids(values: Iterable[int]) -> str:
        return ",".join(str(v) for v in sorted(values))

    return (
        f"e:{ids(proposal.entry_ids)}|r:{ids(proposal.remittance_ids)}"
        f"|t:{ids(proposal.transaction_ids)}"
    )


def _common(proposal: Proposal, merchant_id: int, run_id: int, at: datetime) -> dict[str, Any]:
    return {
        "merchant_id": merchant_id,
        "run_id": run_id,
        "rule": proposal.rule.value,
        "score": proposal.score,
        "evidence": evidence_of(proposal.criteria),
        "difference_minor": proposal.difference_minor,
        "late_business_days": proposal.late_business_days,
        "anomaly": proposal.anomaly,
        "created_at": at,
    }


def store_matches(
    session: Session, merchant_id: int, run_id: int, matches: Sequence[Proposal], at: datetime
) -> list[int]:
    """Store the automatic matches and their claims; their ids, in order."""
    rows = [
        {
            **_common(p, merchant_id, run_id, at),
            "origin": MatchOrigin.ENGINE.value,
            "actor": ENGINE_ACTOR,
            "comment": None,
            "suggestion_id": None,
            "reversed_at": None,
        }
        for p in matches
    ]
    ids = records.insert_matches(session, run_id, rows)
    entries: list[tuple[int, int, str]] = []
    remittances: list[tuple[int, int, str]] = []
    transactions: list[tuple[int, int, str]] = []
    for match_id, proposal in zip(ids, matches, strict=True):
        entry_role, remittance_role, transaction_role = roles_of(proposal.rule)
        entries += [(match_id, i, entry_role.value) for i in proposal.entry_ids]
        remittances += [(match_id, i, remittance_role.value) for i in proposal.remittance_ids]
        transactions += [(match_id, i, transaction_role.value) for i in proposal.transaction_ids]
    records.insert_claims(
        session, entries=entries, remittances=remittances, transactions=transactions
    )
    webhooks.remittances_credited(session, [i for _, i, role in remittances if role == _CREDIT])
    webhooks.chargebacks_received(session, [i for _, i, role in transactions if role == _TAKEN])
    return ids


def fresh_suggestions(
    suggestions: Sequence[Proposal], rejected: set[str]
) -> tuple[list[Proposal], int]:
    """The suggestions a person has not rejected before, and how many were left out."""
    kept = [s for s in suggestions if claim_key(s) not in rejected]
    return kept, len(suggestions) - len(kept)


def store_suggestions(
    session: Session, merchant_id: int, run_id: int, suggestions: Sequence[Proposal], at: datetime
) -> list[int]:
    """Bring the merchant's open suggestions to this run's: one already open for the same
    claims stays as it is (a person may be confirming it by its id right now), the other
    open ones are marked superseded (kept in the history), the new ones inserted; the ids
    of this run's suggestions, in order."""
    already_open = records.open_suggestion_keys(session, merchant_id)
    keys = [claim_key(s) for s in suggestions]
    records.supersede_open_suggestions(
        session, merchant_id, at, keep={already_open[k] for k in keys if k in already_open}
    )
    new = [(s, key) for s, key in zip(suggestions, keys, strict=True) if key not in already_open]
    rows = [
        {
            **_common(s, merchant_id, run_id, at),
            "entry_ids": sorted(s.entry_ids),
            "remittance_ids": sorted(s.remittance_ids),
            "transaction_ids": sorted(s.transaction_ids),
            "reason": s.reason,
            "claim_key": key,
            "status": SuggestionStatus.OPEN.value,
        }
        for s, key in new
    ]
    inserted = iter(records.insert_suggestions(session, run_id, rows))
    return [already_open[key] if key in already_open else next(inserted) for key in keys]


def store_open_items(session: Session, run_id: int, items: Iterable[OpenItem]) -> None:
    records.insert_open_items(
        session, run_id, ((i.kind, i.id, i.reason.value, i.detail) for i in items)
    )
