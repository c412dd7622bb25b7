"""Per-transaction reconciliation status, recomputed from the active claims (issue: statuses).

A remittance's credit match fans out to all its transactions; a transaction reconciled on
its own by a person keeps its own status; without a credit, a transaction is `pending`
until its remittance's expected credit date plus the contract's grace period (business
days), then `to_review`. A remittance with nothing to credit (refunds equal to payments)
is `not_applicable`: no bank line will ever prove it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from functools import lru_cache

from sqlalchemy.orm import Session

from pointage.core.calendar import add_business_days
from pointage.core.statuses import ReconciliationStatus
from pointage.payment.service import reconciliation as marks
from pointage.reconciliation.models import MatchOrigin
from pointage.reconciliation.repository import status as queries
from pointage.webhook import service as webhooks


def of_match(origin: str, anomaly: str | None) -> ReconciliationStatus:
    """What an active credit match makes of its transactions."""
    if anomaly:
        return ReconciliationStatus.ANOMALY
    if origin == MatchOrigin.ENGINE.value:
        return ReconciliationStatus.RECONCILED
    return ReconciliationStatus.RECONCILED_MANUAL


@lru_cache(maxsize=4096)
def review_from(expected_credit_date: date, grace_business_days: int) -> date:
    """The first day an uncredited remittance is overdue: after expected date + grace."""
    return add_business_days(add_business_days(expected_credit_date, 0), grace_business_days + 1)


def without_credit(
    expected_credit_minor: int, expected_credit_date: date, grace_business_days: int, today: date
) -> ReconciliationStatus:
    if expected_credit_minor == 0:
        return ReconciliationStatus.NOT_APPLICABLE
    if today >= review_from(expected_credit_date, grace_business_days):
        return ReconciliationStatus.TO_REVIEW
    return ReconciliationStatus.PENDING


def refresh(
    session: Session,
    *,
    today: date,
    remittance_ids: Collection[int] = (),
    transaction_ids: Collection[int] = (),
) -> dict[ReconciliationStatus, int]:
    """Recompute and store the status of these remittances' transactions and of these
    transactions; returns how many remittances ended in each status.

    The webhook events of the transactions whose status changes are written first, while
    their status before is still there to compare with."""
    remittances = set(remittance_ids) | queries.remittances_of_transactions(
        session, transaction_ids
    )
    grouped = _remittance_statuses(session, remittances, today)
    own: dict[ReconciliationStatus, list[int]] = defaultdict(list)
    for claim in queries.own_claims(session, remittances, transaction_ids):
        own[of_match(claim.match_origin, claim.match_anomaly)].append(claim.transaction_id)
    apart = {transaction_id for ids in own.values() for transaction_id in ids}
    for status, ids in grouped.items():
        webhooks.reconciliation_status_changing(session, status, remittance_ids=ids, exclude=apart)
    for status, ids in own.items():
        webhooks.reconciliation_status_changing(session, status, transaction_ids=ids)
    for status, ids in grouped.items():
        marks.set_status_by_remittance(session, ids, status)
    for status, ids in own.items():
        marks.set_status_of_transactions(session, ids, status)
    return {status: len(ids) for status, ids in grouped.items()}


def _remittance_statuses(
    session: Session, remittances: Collection[int], today: date
) -> dict[ReconciliationStatus, list[int]]:
    """Status → the remittances whose transactions it is."""
    grouped: dict[ReconciliationStatus, list[int]] = defaultdict(list)
    for state in queries.remittance_states(session, remittances):
        if state.match_origin is not None:
            status = of_match(state.match_origin, state.match_anomaly)
        else:
            status = without_credit(
                state.expected_credit_minor,
                state.expected_credit_date,
                state.grace_business_days,
                today,
            )
        grouped[status].append(state.remittance_id)
    return grouped


def refresh_disputes(session: Session, transaction_ids: Collection[int]) -> None:
    """Set the dispute flag of the transactions an active chargeback takes back, and clear
    it on the others among `transaction_ids` (a chargeback match undone)."""
    taken_back = queries.chargeback_claimed(session, transaction_ids)
    marks.set_dispute(session, taken_back, True)
    marks.set_dispute(session, set(transaction_ids) - taken_back, False)
