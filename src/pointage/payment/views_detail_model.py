"""What the transaction detail page shows (`payment.views_detail`): the header's facts, the
timeline of everything that happened to the transaction, and the actions its state and the
user's role allow.

The timeline is read from the services that own each part: the operations log (payment,
merchant operations, capture, expiry, gateway notifications), the transactions derived from
it (refunds, duplicates), and the reconciliation's explanation (remittance, the bank entry
with its file and record number, each criterion of the match, chargebacks, undone matches,
suggestions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from pointage.auth.models import User
from pointage.auth.service.users import Action, can
from pointage.core.statuses import (
    BEFORE_CAPTURE,
    TO_VALIDATE,
    DetailedStatus,
    Mode,
    OperationKind,
    OperationType,
)
from pointage.payment.models import Operation, Transaction
from pointage.payment.repository import TransactionLinks, TransactionRepository
from pointage.payment.views import INDICATORS, Indicator
from pointage.reconciliation.models import ClaimRole, MatchOrigin
from pointage.reconciliation.service.explain import explain_transaction
from pointage.reconciliation.service.explain_views import (
    Explanation,
    MatchView,
    RemittanceView,
    SuggestionView,
)
from pointage.shop.models import Shop

_DUPLICABLE = frozenset({DetailedStatus.CAPTURED, DetailedStatus.CANCELLED, DetailedStatus.EXPIRED})

# The fields of the operations log's snapshots whose changes are shown: keys of
# `payment.detail.views.CHANGE_LABELS`.
CHANGED_FIELDS = ("detailed_status", "amount_minor", "expected_capture_date")
# Events are titled by keys of `payment.detail.views.EVENT_TITLES`: an operation by its
# kind, a match by its origin.
_LOGGED = frozenset(kind.value for kind in OperationKind)
MATCH_TITLES = {
    MatchOrigin.ENGINE.value: "match_engine",
    MatchOrigin.CONFIRMED.value: "match_confirmed",
    MatchOrigin.MANUAL.value: "match_manual",
    MatchOrigin.WITHOUT_ENTRY.value: "match_without_entry",
}


@dataclass(frozen=True)
class Change:
    field: str  # a key of payment.detail.views.CHANGE_LABELS
    before: Any
    after: Any


@dataclass
class Event:
    """One line of the timeline."""

    at: datetime
    kind: str  # a CSS modifier: payment, operation, capture, refund, match, chargeback…
    title: str  # a key of payment.detail.views.EVENT_TITLES
    actor: str | None = None
    source: str | None = None
    comment: str | None = None
    changes: list[Change] = field(default_factory=list)
    related: Transaction | None = None  # a refund or duplicate, or the parent
    remittance: RemittanceView | None = None
    match: MatchView | None = None
    suggestion: SuggestionView | None = None


@dataclass(frozen=True)
class Allowed:
    """The actions shown: allowed by the transaction's state and the user's role."""

    validate: bool = False
    cancel: bool = False
    modify: bool = False
    refund: bool = False
    duplicate: bool = False
    reconcile: bool = False
    confirm: tuple[int, ...] = ()  # the open suggestions the user may confirm
    unmatch: tuple[int, ...] = ()  # the active matches the user may undo

    @property
    def any(self) -> bool:
        return any(
            (self.validate, self.cancel, self.modify, self.refund, self.duplicate, self.reconcile)
        ) or bool(self.confirm or self.unmatch)


@dataclass
class Detail:
    transaction: Transaction
    links: TransactionLinks
    indicator: Indicator
    explanation: Explanation
    timeline: list[Event]
    allowed: Allowed
    refundable_minor: int
    test_mode: bool
    may_operate: bool
    may_reconcile: bool
    active_matches: list[MatchView]


def build_detail(session: Session, user: User, shop: Shop, tx: Transaction) -> Detail:
    repo = TransactionRepository(session)
    found = repo.with_links(tx.uuid)
    links = found[1] if found is not None else TransactionLinks()
    explanation = explain_transaction(session, shop.merchant_id, tx.uuid, shop_pk=shop.id)
    children = list(repo.children(tx.id))
    parent = repo.get(tx.parent_id) if tx.parent_id is not None else None
    refundable = 0
    if tx.operation_type == OperationType.DEBIT.value:
        refundable = tx.amount_minor - repo.refunded_total(tx.id)
    active = [m for m in (explanation.credit_match, *explanation.claims) if m is not None]
    allowed = _allowed(user, tx, refundable, explanation, active)
    events = _operations(repo.operations_of(tx.id), tx, parent, explanation.remittance)
    events += _derived(repo, children)
    events += _reconciliation(explanation)
    if tx.captured_at is not None and not any(e.kind == "capture" for e in events):
        events.append(_capture(tx.captured_at, explanation.remittance))
    events.sort(key=lambda event: event.at)
    return Detail(
        transaction=tx,
        links=links,
        indicator=INDICATORS.get(tx.reconciliation_status, INDICATORS["not_applicable"]),
        explanation=explanation,
        timeline=events,
        allowed=allowed,
        refundable_minor=max(refundable, 0),
        test_mode=tx.mode == Mode.TEST.value,
        may_operate=can(user, Action.OPERATE),
        may_reconcile=can(user, Action.RECONCILE),
        active_matches=active,
    )


def _allowed(
    user: User,
    tx: Transaction,
    refundable: int,
    explanation: Explanation,
    active: Sequence[MatchView],
) -> Allowed:
    operate = can(user, Action.OPERATE)
    reconcile = can(user, Action.RECONCILE)
    status = DetailedStatus(tx.detailed_status)
    debit = tx.operation_type == OperationType.DEBIT.value
    not_captured = status in BEFORE_CAPTURE and tx.remittance_id is None
    return Allowed(
        validate=operate and status in TO_VALIDATE,
        cancel=operate and not_captured,
        modify=operate and not_captured,
        refund=operate and debit and status == DetailedStatus.CAPTURED and refundable > 0,
        duplicate=operate and debit and status in _DUPLICABLE,
        reconcile=reconcile and tx.remittance_id is not None and explanation.credit_match is None,
        confirm=tuple(s.id for s in explanation.open_suggestions) if reconcile else (),
        unmatch=tuple(m.id for m in active) if reconcile else (),
    )


def _operations(
    log: Sequence[Operation],
    tx: Transaction,
    parent: Transaction | None,
    remittance: RemittanceView | None,
) -> list[Event]:
    events = []
    for op in log:
        if op.kind == OperationKind.CAPTURE.value:
            event = _capture(op.at, remittance)
        else:
            title = op.kind if op.kind in _LOGGED else "operation"
            if op.kind == OperationKind.CREATE.value and tx.operation_type != "DEBIT":
                title = "create_other"
            related = parent if op.kind in (OperationKind.REFUND, OperationKind.DUPLICATE) else None
            event = Event(op.at, "operation", title, related=related)
            if op.kind == OperationKind.CREATE.value:
                event.kind = "payment"
        event.actor, event.source, event.comment = op.actor, op.source, op.comment
        event.changes = _changes(op.before, op.after)
        events.append(event)
    return events


def _capture(at: datetime, remittance: RemittanceView | None) -> Event:
    title = "capture_remittance" if remittance is not None else "capture"
    return Event(at, "capture", title, remittance=remittance)


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    if not before or not after:
        return []
    changes = []
    for name in CHANGED_FIELDS:
        old, new = before.get(name), after.get(name)
        if old != new:
            if name == "expected_capture_date":
                old, new = _as_date(old), _as_date(new)
            changes.append(Change(name, old, new))
    return changes


def _as_date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _derived(repo: TransactionRepository, children: Sequence[Transaction]) -> list[Event]:
    """The refunds and copies made from the transaction, with who made them and why."""
    events = []
    for child in children:
        refund = child.operation_type == OperationType.CREDIT.value
        title = "refunded" if refund else "copied"
        event = Event(child.created_at, "refund" if refund else "duplicate", title, related=child)
        first = next(iter(repo.operations_of(child.id)), None)
        if first is not None:
            event.actor, event.source, event.comment = first.actor, first.source, first.comment
        events.append(event)
    return events


def _reconciliation(explanation: Explanation) -> list[Event]:
    events = []
    for match in (explanation.credit_match, *explanation.claims, *explanation.history):
        if match is None:
            continue
        events.append(
            Event(
                match.created_at,
                _match_kind(match),
                _match_title(match),
                actor=match.actor,
                comment=match.comment,
                match=match,
            )
        )
        if match.reversal is not None:
            events.append(
                Event(
                    match.reversal.at,
                    "reversal",
                    "reversal",
                    actor=match.reversal.actor,
                    comment=match.reversal.comment,
                    match=match,
                )
            )
    for proposed in explanation.decided_suggestions:
        if proposed.status in ("rejected", "superseded") and proposed.decided_at is not None:
            events.append(
                Event(
                    proposed.decided_at,
                    "suggestion",
                    f"suggestion_{proposed.status}",
                    actor=proposed.decided_by,
                    comment=proposed.comment,
                    suggestion=proposed,
                )
            )
    return events


def _roles(match: MatchView) -> set[str | None]:
    return {e.role for e in match.entries} | {t.role for t in match.transactions}


def _match_kind(match: MatchView) -> str:
    if ClaimRole.CHARGEBACK.value in _roles(match):
        return "chargeback"
    return "match" if match.active else "match-undone"


def _match_title(match: MatchView) -> str:
    roles = _roles(match)
    if ClaimRole.CHARGEBACK.value in roles:
        return "chargeback"
    if ClaimRole.FEE.value in roles and ClaimRole.CREDIT.value not in roles:
        return "commission"
    return MATCH_TITLES.get(match.origin, "match")
