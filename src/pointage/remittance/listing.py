"""What the resource API says of remittances: the list's filters checked, and a remittance's
reconciliation status, computed as reconciliation computes it (reconciliation.status).

The status is not stored on the remittance: its active credit match decides (`reconciled`,
`reconciled_manual`, `anomaly`); without one, `pending` until its expected credit date plus
its contract's grace period (business days), then `to_review`; `not_applicable` when there
is nothing to credit. The list filters on it in SQL: per grace period of the shop's
contracts, the last expected credit date already overdue today is computed here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from pointage.core.errors import InvalidInput
from pointage.core.money import is_currency
from pointage.core.statuses import ReconciliationStatus
from pointage.payment.filters import known
from pointage.reconciliation.status import of_match, review_from, without_credit
from pointage.remittance.models import Remittance
from pointage.remittance.repository.reads import RemittanceFacts, RemittanceQuery, RemittanceReads


@dataclass(frozen=True, slots=True)
class RemittanceFilters:
    """The list's query parameters as given (repeatable ones as lists)."""

    contract: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: list[str] | None = None
    currency: list[str] | None = None


def query_of(
    session: Session, shop_pk: int, filters: RemittanceFilters, today: date
) -> RemittanceQuery:
    """The filters checked, or InvalidInput naming the parameter at fault."""
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput("`date_from` is after `date_to`", param="date_from")
    if filters.contract is not None and not 0 < len(filters.contract) <= 20:
        raise InvalidInput("a contract number has 1 to 20 characters", param="contract")
    statuses = known(filters.status, ReconciliationStatus, "status")
    overdue: tuple[tuple[int, date], ...] = ()
    if {"pending", "to_review"} & set(statuses):
        graces = RemittanceReads(session).grace_periods(shop_pk)
        overdue = tuple((grace, last_overdue(grace, today)) for grace in graces)
    return RemittanceQuery(
        contract=filters.contract,
        date_from=filters.date_from,
        date_to=filters.date_to,
        currencies=_currencies(filters.currency),
        statuses=statuses,
        overdue_until=overdue,
    )


def _currencies(values: list[str] | None) -> tuple[str, ...]:
    out = []
    for given in values or ():
        for part in given.split(","):
            code = part.strip().upper()
            if not is_currency(code):
                raise InvalidInput(
                    f"{part.strip()!r} is not an ISO 4217 currency code", param="currency"
                )
            out.append(code)
    return tuple(dict.fromkeys(out))


def last_overdue(grace_business_days: int, today: date) -> date:
    """The last expected credit date whose uncredited remittance is `to_review` today: the
    first overdue day (reconciliation.status.review_from) only grows with the date."""
    day = today - timedelta(days=1)
    while review_from(day, grace_business_days) > today:
        day -= timedelta(days=1)
    return day


def status_of(
    remittance: Remittance, facts: RemittanceFacts | None, today: date
) -> ReconciliationStatus:
    if facts is not None and facts.credit is not None:
        return of_match(facts.credit.origin, facts.credit.anomaly)
    grace = facts.grace_business_days if facts is not None else 0
    return without_credit(
        remittance.expected_credit_minor, remittance.expected_credit_date, grace, today
    )
