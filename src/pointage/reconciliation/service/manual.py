"""What a person does to reconciliation: confirm or reject a suggestion, match by hand,
mark reconciled without a bank entry, undo a match.

Every action is recorded with its actor, time and comment, leaves an audit event, and
deletes nothing: an undo is a reversal record, and the match stays in the history. After
each action the statuses of the transactions concerned are recomputed from the active
claims (`reconciliation.status`). The caller's unit of work commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.core.errors import Conflict, InvalidInput
from pointage.db.base import utcnow
from pointage.matching.model import Rule
from pointage.payment.models import Transaction
from pointage.reconciliation import status
from pointage.reconciliation.models import (
    ClaimRole,
    Match,
    MatchOrigin,
    Suggestion,
    SuggestionStatus,
)
from pointage.reconciliation.repository import manual as queries
from pointage.reconciliation.repository.manual import Scope
from pointage.reconciliation.service import manual_evidence as evidence
from pointage.reconciliation.service.apply import evidence_of
from pointage.reconciliation.service.manual_claims import (
    Claims,
    claim,
    decide,
    suggestion_claims,
    supersede,
)
from pointage.reconciliation.service.manual_scope import (
    captured_transactions,
    found_all,
    optional_comment,
    required_comment,
    still_open,
    suggestion_in_reach,
    visible_match,
)
from pointage.reconciliation.service.run import business_today
from pointage.remittance.models import Remittance


def confirm_suggestion(
    session: Session,
    merchant_id: int,
    suggestion_id: int,
    actor: str,
    comment: str | None = None,
    *,
    shop_pk: int | None = None,
    today: date | None = None,
) -> Match:
    """Apply an open suggestion as a match (origin `confirmed`), with its evidence."""
    scope = Scope(merchant_id, shop_pk)
    proposed = suggestion_in_reach(session, scope, suggestion_id)
    still_open(proposed)
    entries, remittances, transactions = suggestion_claims(proposed)
    match = Match(
        merchant_id=merchant_id,
        run_id=proposed.run_id,
        rule=proposed.rule,
        origin=MatchOrigin.CONFIRMED.value,
        score=proposed.score,
        evidence=list(proposed.evidence),
        difference_minor=proposed.difference_minor,
        late_business_days=proposed.late_business_days,
        anomaly=proposed.anomaly,
        actor=actor,
        comment=optional_comment(comment),
        suggestion_id=proposed.id,
    )
    claim(session, match, entries, remittances, transactions)
    at = utcnow()
    decide(proposed, SuggestionStatus.CONFIRMED, actor, at, match.comment)
    proposed.match_id = match.id
    supersede(session, merchant_id, match, proposed.id, actor, at)
    _refresh(session, today, remittances, transactions)
    _audit(session, actor, "reconciliation.suggestion_confirmed", match, scope, proposed.id)
    return match


def reject_suggestion(
    session: Session,
    merchant_id: int,
    suggestion_id: int,
    actor: str,
    comment: str,
    *,
    shop_pk: int | None = None,
) -> Suggestion:
    """Refuse an open suggestion; the next runs do not propose it again."""
    text = required_comment(comment)
    scope = Scope(merchant_id, shop_pk)
    proposed = suggestion_in_reach(session, scope, suggestion_id)
    still_open(proposed)
    decide(proposed, SuggestionStatus.REJECTED, actor, utcnow(), text)
    session.flush()
    record(
        session,
        actor,
        "reconciliation.suggestion_rejected",
        "reconciliation_suggestion",
        proposed.id,
        shop_pk=shop_pk,
        detail={"comment": text, "rule": proposed.rule},
    )
    return proposed


def match_by_hand(
    session: Session,
    merchant_id: int,
    entry_ids: Sequence[int],
    remittance_ids: Sequence[int],
    transaction_uuids: Sequence[str],
    actor: str,
    comment: str,
    *,
    shop_pk: int | None = None,
    today: date | None = None,
) -> Match:
    """Match bank entries to remittances, or to transactions, picked by a person.

    The difference between what the entries book and what the picked objects expect is
    recorded with the evidence; the person's comment explains it."""
    text = required_comment(comment)
    if not entry_ids:
        raise InvalidInput("pick at least one bank entry", param="entry_ids")
    if bool(remittance_ids) == bool(transaction_uuids):
        raise InvalidInput(
            "pick remittances or transactions to match the entries to, not both",
            param="remittance_ids",
        )
    scope = Scope(merchant_id, shop_pk)
    entries = found_all(
        queries.entries_in_scope(session, scope, set(entry_ids)), entry_ids, "entry", "entry_ids"
    )
    remittances = found_all(
        queries.remittances_in_scope(session, scope, set(remittance_ids)),
        remittance_ids,
        "remittance",
        "remittance_ids",
    )
    transactions = captured_transactions(session, scope, transaction_uuids)
    contracts = {r.contract_id for r in remittances} | {
        tx.contract_id for tx in transactions if tx.contract_id is not None
    }
    criteria, difference, late = evidence.by_hand(
        entries,
        remittances,
        transactions,
        queries.remittances_by_pk(
            session, {tx.remittance_id for tx in transactions if tx.remittance_id}
        ),
        queries.grace_days(session, contracts),
    )
    match = Match(
        merchant_id=merchant_id,
        rule=Rule.MANUAL.value,
        origin=MatchOrigin.MANUAL.value,
        evidence=evidence_of(criteria),
        difference_minor=difference,
        late_business_days=late,
        actor=actor,
        comment=text,
    )
    credit = ClaimRole.CREDIT.value
    remittance_claims = [(r.id, credit) for r in remittances]
    transaction_claims = [(tx.id, credit) for tx in transactions]
    claim(session, match, [(e.id, credit) for e in entries], remittance_claims, transaction_claims)
    supersede(session, merchant_id, match, None, actor, utcnow())
    _refresh(session, today, remittance_claims, transaction_claims)
    _audit(session, actor, "reconciliation.matched_by_hand", match, scope, None)
    return match


def mark_reconciled_without_entry(
    session: Session,
    merchant_id: int,
    actor: str,
    comment: str,
    *,
    transaction_uuid: str | None = None,
    remittance_id: int | None = None,
    shop_pk: int | None = None,
    today: date | None = None,
) -> Match:
    """Mark a transaction, or a whole remittance, reconciled with no bank entry to show
    (`reconciled_manual`): paid by another way, credited on an account not imported…"""
    text = required_comment(comment)
    if (transaction_uuid is None) == (remittance_id is None):
        raise InvalidInput("give a transaction or a remittance to mark", param="transaction_uuid")
    scope = Scope(merchant_id, shop_pk)
    remittances: list[Remittance] = []
    transactions: list[Transaction] = []
    if remittance_id is not None:
        remittances = found_all(
            queries.remittances_in_scope(session, scope, {remittance_id}),
            [remittance_id],
            "remittance",
            "remittance_id",
        )
    else:
        assert transaction_uuid is not None  # one of them is given, checked above
        transactions = captured_transactions(session, scope, [transaction_uuid], "uuid")
    match = Match(
        merchant_id=merchant_id,
        rule=Rule.MANUAL.value,
        origin=MatchOrigin.WITHOUT_ENTRY.value,
        evidence=evidence_of(evidence.without_entry(remittances, transactions)),
        actor=actor,
        comment=text,
    )
    credit = ClaimRole.CREDIT.value
    remittance_claims = [(r.id, credit) for r in remittances]
    transaction_claims = [(tx.id, credit) for tx in transactions]
    claim(session, match, [], remittance_claims, transaction_claims)
    supersede(session, merchant_id, match, None, actor, utcnow())
    _refresh(session, today, remittance_claims, transaction_claims)
    _audit(session, actor, "reconciliation.marked_without_entry", match, scope, None)
    return match


def unmatch(
    session: Session,
    merchant_id: int,
    match_id: int,
    actor: str,
    comment: str,
    *,
    shop_pk: int | None = None,
    today: date | None = None,
) -> Match:
    """Undo a match: a reversal record, its claims released, statuses recomputed. The
    match stays, with `reversed_at`, in the history of what it claimed."""
    text = required_comment(comment)
    scope = Scope(merchant_id, shop_pk)
    match = visible_match(session, scope, match_id, lock=True)
    if match.reversed_at is not None:
        raise Conflict(f"match {match_id} was already undone", param="match_id")
    links = queries.links(session, match.id)
    queries.reverse(session, match, actor, text, utcnow())
    _refresh(session, today, links.remittances, links.transactions)
    _audit(session, actor, "reconciliation.match_reversed", match, scope, None, text)
    return match


def _refresh(
    session: Session, today: date | None, remittances: Claims, transactions: Claims
) -> None:
    session.flush()
    day = today or business_today()  # the banks' day decides what is overdue
    status.refresh(
        session,
        today=day,
        remittance_ids={i for i, role in remittances if role == ClaimRole.CREDIT.value},
        transaction_ids={i for i, _ in transactions},
    )
    taken_back = {i for i, role in transactions if role == ClaimRole.CHARGEBACK.value}
    if taken_back:
        status.refresh_disputes(session, taken_back)


def _audit(
    session: Session,
    actor: str,
    action: str,
    match: Match,
    scope: Scope,
    suggestion_id: int | None,
    comment: str | None = None,
) -> None:
    links = queries.links(session, match.id)
    detail: dict[str, Any] = {
        "rule": match.rule,
        "origin": match.origin,
        "entries": [i for i, _ in links.entries],
        "remittances": [i for i, _ in links.remittances],
        "transactions": [i for i, _ in links.transactions],
        "difference_minor": match.difference_minor,
        "comment": comment if comment is not None else match.comment,
    }
    if suggestion_id is not None:
        detail["suggestion"] = suggestion_id
    record(
        session,
        actor,
        action,
        "reconciliation_match",
        match.id,
        shop_pk=scope.shop_pk,
        detail=detail,
    )
