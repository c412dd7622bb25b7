"""Building the demo: the merchant, then day after day its payments, operations and batches,
then the bank's statements, imported and reconciled.

One call, one unit of work (the caller's): a demo that fails leaves nothing behind. Within a
day, events follow the clock: the payments created before their contract's cut-off, then the
merchant's operations (all in office hours, before the cut-off), then the capture batch of
each contract, then the payments of the late evening, which the next day's batch captures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from pointage.core.errors import Conflict, InvalidInput
from pointage.core.statuses import OperationKind, OperationSource, OperationType
from pointage.demo import repository
from pointage.demo.bank import generate_bank
from pointage.demo.bank_files import GROUND_TRUTH, RenderedBank, render_bank, write_bank
from pointage.demo.bank_model import BankInput
from pointage.demo.repository import DemoCounts
from pointage.demo.setup import (
    SHOP_IDS,
    DemoShop,
    DemoUser,
    create_demo_merchant,
    create_demo_users,
)
from pointage.demo.simulator import DayPlan, PlannedOperation, PlannedPayment, simulate
from pointage.demo.status import build_status_demo
from pointage.demo.test_mode import plan_test_payments
from pointage.formats.statements.model import StatementFormat
from pointage.payment import service as payment_service
from pointage.payment.repository import TransactionRepository
from pointage.payment.service import Actor, IncomingTransaction
from pointage.payment.service.bulk import ingest_many
from pointage.reconciliation.models import RunTrigger
from pointage.reconciliation.service.report import RunReport
from pointage.reconciliation.service.run import run_reconciliation
from pointage.remittance import service as remittance_service
from pointage.shop.models import Contract, Shop
from pointage.statement.service import import_statement_file

DEMO_TIMEZONE = ZoneInfo("Europe/Paris")
MAX_DAYS = 366
MAX_PER_DAY = 5_000
# The gateway reports each payment to the back office by a signed notification.
GATEWAY = Actor("demo", OperationSource.IPN)


@dataclass(frozen=True, slots=True)
class DemoOptions:
    days: int = 60
    seed: int = 1
    per_day: int = 300
    last_day: date | None = None  # default: yesterday in the demo's time zone
    bank_dir: Path | None = None  # where the demo bank writes its files; None: no bank


@dataclass(frozen=True, slots=True)
class DemoShopSummary:
    shop_id: str
    name: str
    test_key: str
    production_key: str
    contracts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BankSummary:
    directory: Path
    files: int  # CFONB 120 files, as many camt.053 ones
    statements: int  # statements imported
    entries: int  # entries imported
    ground_truth: Path
    anomalies: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    shops: tuple[DemoShopSummary, ...]
    first_day: date
    last_day: date
    counts: DemoCounts
    bank: BankSummary | None = None
    reconciliation: RunReport | None = None  # the run after the bank's files, if any
    users: tuple[DemoUser, ...] = ()


def yesterday(now: datetime) -> date:
    return now.astimezone(DEMO_TIMEZONE).date() - timedelta(days=1)


def check_options(options: DemoOptions, now: datetime) -> date:
    """The last simulated day, once the options are known to make sense."""
    if not 1 <= options.days <= MAX_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_DAYS}", param="--days")
    if not 1 <= options.per_day <= MAX_PER_DAY:
        raise InvalidInput(
            f"payments per day must be between 1 and {MAX_PER_DAY}", param="--per-day"
        )
    last_day = options.last_day or yesterday(now)
    if last_day > yesterday(now):
        raise InvalidInput("the demo simulates past days only: the last day must be before today")
    return last_day


def build_demo(
    session: Session, options: DemoOptions, *, secret_key: str, now: datetime
) -> DemoSummary:
    """Create the demo merchant and simulate its activity; flushes, never commits."""
    last_day = check_options(options, now)
    first_day = last_day - timedelta(days=options.days - 1)
    if repository.existing_shop_ids(session, SHOP_IDS):
        raise Conflict(
            "the demo shops already exist in this database (use --if-empty to skip quietly)"
        )
    shops = create_demo_merchant(session, secret_key)
    users = create_demo_users(session)
    build_status_demo(session, now)
    day_runner = _DayRunner(session, shops)
    profiles = [demo_shop.profile for demo_shop in shops]
    tests = plan_test_payments(profiles, first_day=first_day, last_day=last_day, seed=options.seed)
    for plan in simulate(
        profiles, first_day=first_day, last_day=last_day, per_day=options.per_day, seed=options.seed
    ):
        day_runner.run(plan, tests.get(plan.day, []))
    summaries = tuple(
        DemoShopSummary(
            s.shop.shop_id,
            s.shop.name,
            s.test_key,
            s.production_key,
            tuple(c.number for c in s.contracts),
        )
        for s in shops
    )
    bank = reconciliation = None
    if options.bank_dir is not None:
        merchant_id = shops[0].shop.merchant_id
        bank = run_bank(session, options.bank_dir, merchant_id, first_day, last_day, options.seed)
        # One run once every file is in, as of the morning after the last day: the back
        # office then shows payments reconciled, pending, to review and in anomaly.
        reconciliation = run_reconciliation(
            session,
            merchant_id=merchant_id,
            trigger=RunTrigger.DEMO,
            actor=GATEWAY.name,
            today=last_day + timedelta(days=1),
        )
    counts = repository.counts(session)
    return DemoSummary(
        summaries, first_day, last_day, counts, bank, reconciliation, users=tuple(users)
    )


def bank_input(session: Session, first_day: date, last_day: date, seed: int) -> BankInput:
    """What the demo bank needs to know of the demo just built."""
    contracts = repository.demo_contracts(session, SHOP_IDS)
    return BankInput(
        accounts=tuple(repository.bank_accounts(session, contracts)),
        contracts=tuple(repository.bank_contracts(session, contracts)),
        remittances=tuple(repository.bank_remittances(session, contracts)),
        payments=tuple(repository.chargeback_candidates(session, contracts)),
        first_day=first_day,
        last_day=last_day,
        seed=seed,
    )


def run_bank(
    session: Session, bank_dir: Path, merchant_id: int, first_day: date, last_day: date, seed: int
) -> BankSummary:
    """Book the bank's statements, import their CFONB 120 files, then write the files.

    The camt.053 files carry the same movements as the CFONB ones: importing them too
    would add nothing, so they are written for other tools and for trying the import."""
    data = bank_input(session, first_day, last_day, seed)
    run = generate_bank(data)
    rendered = render_bank(data, run)
    statements, entries = import_bank(session, rendered, merchant_id)
    try:
        write_bank(rendered, bank_dir)
    except OSError as exc:
        raise InvalidInput(
            f"cannot write the bank files in {bank_dir}: {exc.strerror}", param="--bank-dir"
        ) from None
    return BankSummary(
        directory=bank_dir,
        files=len(rendered.files),
        statements=statements,
        entries=entries,
        ground_truth=bank_dir / GROUND_TRUTH,
        anomalies=tuple(anomaly.kind.value for anomaly, _ in run.anomalies),
    )


def import_bank(session: Session, rendered: RenderedBank, merchant_id: int) -> tuple[int, int]:
    """Import each account's CFONB 120 files day after day; (statements, entries) imported."""
    statements = entries = 0
    for day in rendered.files:
        report = import_statement_file(
            session,
            day.cfonb,
            filename=day.cfonb_path,
            actor=GATEWAY.name,
            format=StatementFormat.CFONB120,
            merchant_id=merchant_id,
        )
        statements += sum(1 for s in report.statements if s.statement_id is not None)
        entries += report.imported
    return statements, entries


class _DayRunner:
    def __init__(self, session: Session, shops: list[DemoShop]) -> None:
        self.session = session
        self.shops: dict[str, Shop] = {s.shop.shop_id: s.shop for s in shops}
        self.contracts: dict[str, Contract] = {c.number: c for s in shops for c in s.contracts}
        self.transactions = TransactionRepository(session)

    def run(self, plan: DayPlan, test_payments: list[PlannedPayment]) -> None:
        """The day's real payments and operations, and its test-mode payments (all in office
        hours, before the cut-off), then the capture batch, then the late payments."""
        cutoffs = {
            number: remittance_service.cutoff_instant(
                self.shops_by_pk()[contract.shop_id], contract, plan.day
            )
            for number, contract in self.contracts.items()
        }
        late = [p for p in plan.payments if p.created_at >= cutoffs[p.contract_number]]
        on_time = [p for p in plan.payments if p.created_at < cutoffs[p.contract_number]]
        self.ingest(on_time + test_payments)
        for operation in plan.operations:
            self.apply(operation)
        for contract in self.contracts.values():
            remittance_service.capture_contract(self.session, contract.id, plan.day)
        # The batch changed rows with set-based UPDATEs: objects in memory are stale.
        self.session.expire_all()
        self.ingest(late)

    def shops_by_pk(self) -> dict[int, Shop]:
        return {shop.id: shop for shop in self.shops.values()}

    def ingest(self, payments: list[PlannedPayment]) -> None:
        for shop_id, shop in self.shops.items():
            incomings = [_incoming(p) for p in payments if p.shop_id == shop_id]
            if incomings:
                ingest_many(self.session, shop, incomings, GATEWAY)

    def apply(self, operation: PlannedOperation) -> None:
        shop = self.shops[operation.shop_id]
        tx = self.transactions.by_uuid(operation.payment_uuid)
        assert tx is not None  # the simulator only plans operations on its own payments
        actor = Actor("demo", operation.source)
        at = operation.at
        if operation.kind is OperationKind.VALIDATE:
            payment_service.validate(self.session, tx, actor, now=at)
        elif operation.kind is OperationKind.CANCEL:
            payment_service.cancel(self.session, tx, actor, comment="commande annulée", now=at)
        elif operation.kind is OperationKind.MODIFY:
            payment_service.modify(
                self.session, shop, tx, actor, amount_minor=operation.amount_minor, now=at
            )
        elif operation.kind is OperationKind.REFUND:
            payment_service.refund(
                self.session,
                shop,
                tx,
                actor,
                amount_minor=operation.amount_minor,
                comment="retour client",
                now=at,
                uuid=operation.new_uuid,
                transaction_id=operation.new_transaction_id,
            )
        elif operation.kind is OperationKind.DUPLICATE:
            payment_service.duplicate(
                self.session,
                shop,
                tx,
                actor,
                comment="nouvelle commande",
                now=at,
                uuid=operation.new_uuid,
                transaction_id=operation.new_transaction_id,
            )


def _incoming(payment: PlannedPayment) -> IncomingTransaction:
    return IncomingTransaction(
        operation_type=OperationType.DEBIT,
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        detailed_status=payment.status,
        created_at=payment.created_at,
        uuid=payment.uuid,
        transaction_id=payment.transaction_id,
        order_id=payment.order_id,
        card_brand=payment.card_brand,
        card_masked=payment.card_masked,
        authorisation_number=payment.authorisation_number,
        customer_reference=payment.customer_reference,
        expected_capture_date=payment.expected_capture_date,
        contract_number=payment.contract_number,
        mode=payment.mode,
    )
