"""Running the capture batch: each (contract, day) in its own unit of work.

Shared by `pointage batch run` and the in-process scheduler. One contract's failure or
'already done' never undoes another contract's remittances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker

from pointage.db.session import unit_of_work
from pointage.remittance import service
from pointage.remittance.service import ContractBatchResult


@dataclass(frozen=True, slots=True)
class DayReport:
    """The outcome of a run for one day: per contract, and per shop the transactions due
    that no contract could capture (they stay as they are until they get one)."""

    business_date: date
    results: list[ContractBatchResult] = field(default_factory=list)
    without_contract: dict[str, int] = field(default_factory=dict)


def run_contract(
    factory: sessionmaker[Session],
    contract_id: int,
    day: date,
    *,
    source: str,
    now: datetime | None = None,
) -> ContractBatchResult:
    with unit_of_work(factory) as session:
        return service.capture_contract(session, contract_id, day, now=now, source=source)


def run_day(
    factory: sessionmaker[Session],
    day: date,
    *,
    shop_id: str | None = None,
    source: str = "cli",
    now: datetime | None = None,
) -> DayReport:
    """Run the batch of `day` for every contract (of one shop, if given)."""
    with unit_of_work(factory) as session:
        targets = service.batch_targets(session, day, shop_id, now or datetime.now(UTC))
    results = [run_contract(factory, pk, day, source=source) for pk in targets.contract_ids]
    return DayReport(day, results, targets.without_contract)
