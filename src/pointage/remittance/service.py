"""The daily capture batch: one unit of work per contract and business day.

For a day D and a contract, the batch
- captures the authorised payments and refunds due by D (expected capture date <= D) and
  groups them into one remittance per currency, numbered after the contract's last one;
- captures the test-mode ones due by D too, as the gateway does, but into no remittance: no
  bank ever credits them, so their reconciliation status is `not_applicable`;
- expires the transactions still waiting for the merchant's validation at their date;
- writes one operations-log entry per transaction it changed.

The run first inserts its claim (contract, D): the unique constraint on it makes a second run,
even one started at the same moment by another process, change nothing. Services never commit;
the caller's unit of work does (see pointage.jobs.capture).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from pointage.core.calendar import add_business_days
from pointage.core.errors import InvalidInput, NotFound
from pointage.core.money import percentage_of
from pointage.core.statuses import (
    OperationSource,
    OperationType,
    SettlementMode,
)
from pointage.remittance.models import Remittance
from pointage.remittance.repository import RemittanceRepository
from pointage.shop.models import Contract, Shop
from pointage.shop.repository import ShopRepository
from pointage.webhook import service as webhooks


@dataclass(frozen=True, slots=True)
class RemittanceSummary:
    number: int
    currency: str
    payment_count: int
    refund_count: int
    gross_minor: int
    refunds_minor: int
    fee_minor: int
    net_minor: int
    expected_credit_minor: int
    expected_credit_date: date


@dataclass(frozen=True, slots=True)
class ContractBatchResult:
    """What one (contract, day) run did; `already_done` when an earlier run had claimed it."""

    contract_number: str
    business_date: date
    already_done: bool
    captured_count: int = 0  # production and test mode
    expired_count: int = 0
    remittances: tuple[RemittanceSummary, ...] = ()
    test_captured_count: int = 0  # test-mode transactions captured, in no remittance


@dataclass(frozen=True, slots=True)
class ContractSchedule:
    """When a contract's batch runs: its cut-off time in its shop's time zone."""

    contract_id: int
    shop_pk: int
    timezone: str
    cutoff_time: time


def fee_of_payments(amounts: Iterable[tuple[int, int]], rate_bp: int, fixed_minor: int) -> int:
    """Commission on (amount, count) pairs: rate and fixed part per payment, each payment's
    fee rounded half up on its own, as acquirers compute it."""
    return sum((percentage_of(amount, rate_bp) + fixed_minor) * count for amount, count in amounts)


def cutoff_instant(shop: Shop, contract: Contract, day: date) -> datetime:
    """The UTC instant of the contract's cut-off on `day`, in the shop's time zone."""
    local = datetime.combine(day, contract.cutoff_time, tzinfo=ZoneInfo(shop.timezone))
    return local.astimezone(UTC)


def capture_contract(
    session: Session,
    contract_id: int,
    day: date,
    *,
    now: datetime | None = None,
    source: str = OperationSource.BATCH.value,
) -> ContractBatchResult:
    """Run the capture batch of one contract for `day` (see the module docstring).

    `now` dates the captures and the log entries; by default, the cut-off instant of `day`,
    so that a late or replayed run books its captures on the day they belong to.
    """
    repo = RemittanceRepository(session)
    contract = repo.lock_contract(contract_id)
    if contract is None:
        raise NotFound(f"contract {contract_id} not found", param="contract")
    claim = repo.claim(contract, day, source)
    if claim is None:
        return ContractBatchResult(contract.number, day, already_done=True)
    shop = repo.shop(contract.shop_id)
    assert shop is not None  # a foreign key guarantees it
    at = now or cutoff_instant(shop, contract, day)
    remittances = _capture(repo, contract, day, at)
    test_captured = repo.capture_test(contract, day, at)
    expired = repo.expire(contract, day, at)
    webhooks.batch_captured(session, contract.shop_id, contract.id, at)
    claim.captured_count = test_captured + sum(
        r.payment_count + r.refund_count for r in remittances
    )
    claim.expired_count = expired
    claim.remittance_count = len(remittances)
    session.flush()
    return ContractBatchResult(
        contract.number,
        day,
        already_done=False,
        captured_count=claim.captured_count,
        expired_count=expired,
        remittances=tuple(remittances),
        test_captured_count=test_captured,
    )


def _capture(
    repo: RemittanceRepository, contract: Contract, day: date, at: datetime
) -> list[RemittanceSummary]:
    number = repo.last_number(contract.id)
    summaries = []
    for currency in repo.currencies_due(contract, day):
        summary = _capture_currency(repo, contract, day, currency, number + 1, at)
        if summary is not None:
            number += 1
            summaries.append(summary)
    return summaries


def _capture_currency(
    repo: RemittanceRepository,
    contract: Contract,
    day: date,
    currency: str,
    number: int,
    at: datetime,
) -> RemittanceSummary | None:
    # The remittance is inserted first so the captured rows can point to it; its totals are
    # then computed from exactly the rows captured, whatever changed since the first look.
    remittance = repo.add(_empty_remittance(contract, day, currency, number))
    if repo.capture(contract, day, currency, remittance.id, at) == 0:
        repo.discard(remittance)  # cancelled meanwhile by the merchant
        return None
    _fill_totals(repo, contract, remittance)
    repo.session.flush()
    return _summary(remittance)


def _empty_remittance(contract: Contract, day: date, currency: str, number: int) -> Remittance:
    return Remittance(
        shop_id=contract.shop_id,
        contract_id=contract.id,
        currency=currency,
        remittance_date=day,
        number=number,
        payment_count=0,
        refund_count=0,
        gross_minor=0,
        refunds_minor=0,
        fee_minor=0,
        net_minor=0,
        expected_credit_minor=0,
        expected_credit_date=add_business_days(day, contract.credit_delay_days),
    )


def _fill_totals(repo: RemittanceRepository, contract: Contract, remittance: Remittance) -> None:
    totals = repo.totals(remittance.id)
    remittance.payment_count, remittance.gross_minor = totals.get(OperationType.DEBIT.value, (0, 0))
    remittance.refund_count, remittance.refunds_minor = totals.get(
        OperationType.CREDIT.value, (0, 0)
    )
    remittance.fee_minor = fee_of_payments(
        repo.payment_amounts(remittance.id), contract.fee_rate_bp, contract.fee_fixed_minor
    )
    remittance.net_minor = remittance.gross_minor - remittance.refunds_minor - remittance.fee_minor
    if contract.settlement_mode == SettlementMode.GROSS:
        # Fees are debited apart, usually once a month.
        remittance.expected_credit_minor = remittance.gross_minor - remittance.refunds_minor
    else:
        remittance.expected_credit_minor = remittance.net_minor


def _summary(remittance: Remittance) -> RemittanceSummary:
    return RemittanceSummary(
        number=remittance.number,
        currency=remittance.currency,
        payment_count=remittance.payment_count,
        refund_count=remittance.refund_count,
        gross_minor=remittance.gross_minor,
        refunds_minor=remittance.refunds_minor,
        fee_minor=remittance.fee_minor,
        net_minor=remittance.net_minor,
        expected_credit_minor=remittance.expected_credit_minor,
        expected_credit_date=remittance.expected_credit_date,
    )


# -- what to run --------------------------------------------------------------------------


def contract_schedules(session: Session) -> list[ContractSchedule]:
    return [ContractSchedule(*row) for row in RemittanceRepository(session).schedules()]


def runs_since(session: Session, first_day: date) -> set[tuple[int, date]]:
    """The (contract id, business date) runs already claimed from `first_day` on."""
    return RemittanceRepository(session).runs_since(first_day)


@dataclass(frozen=True, slots=True)
class BatchTargets:
    """What a run for a day covers: the contracts to run, and the transactions due that no
    contract can capture (shop id → count), which the run reports and leaves as they are."""

    contract_ids: list[int]
    without_contract: dict[str, int]


def batch_targets(session: Session, day: date, shop_id: str | None, now: datetime) -> BatchTargets:
    """The contracts of every shop, or of one, for a run of `day`.

    A day still to come in a shop's time zone is refused: its batch would capture early and
    claim the day before all its payments have arrived.
    """
    repo = RemittanceRepository(session)
    shop_pk = None
    if shop_id is not None:
        shop = ShopRepository(session).shop_by_shop_id(shop_id)
        if shop is None:
            raise NotFound(f"shop {shop_id} not found", param="shop")
        shop_pk = shop.id
    for timezone in repo.time_zones(shop_pk):
        today = now.astimezone(ZoneInfo(timezone)).date()
        if day > today:
            raise InvalidInput(
                f"{day.isoformat()} has not come yet in time zone {timezone} "
                f"(today is {today.isoformat()})",
                param="date",
            )
    return BatchTargets(repo.contract_ids_of(shop_pk), repo.count_without_contract(day, shop_pk))


def transactions_without_contract(
    session: Session, day: date, shop_pk: int | None = None
) -> dict[str, int]:
    """Shop id → transactions due by `day` that no contract can capture."""
    return RemittanceRepository(session).count_without_contract(day, shop_pk)
