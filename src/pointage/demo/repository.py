"""The queries of the demo command: is there anything yet, what was built, and what the
demo bank needs to know of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import exists, func, inspect, select
from sqlalchemy.orm import Session, aliased

from pointage.core.statuses import DetailedStatus, Mode, OperationType
from pointage.demo.bank_model import (
    BankAccountInput,
    ContractInput,
    PaymentInput,
    RemittanceInput,
)
from pointage.payment.models import Operation, Transaction
from pointage.remittance.models import Remittance
from pointage.shop.models import BankAccount, Contract, Shop
from pointage.statement.models import BankStatement, StatementEntry


@dataclass(frozen=True, slots=True)
class DemoCounts:
    transactions_by_status: dict[str, int]
    """Production transactions per (operation type, detailed status), e.g. 'DEBIT CAPTURED'."""
    operations: int
    remittances: int
    contracts: int
    test_transactions: int = 0
    """Test-mode transactions, seen only with a test key."""

    @property
    def transactions(self) -> int:
        return sum(self.transactions_by_status.values())


def schema_present(session: Session) -> bool:
    """Whether the database has been migrated (the shop table exists)."""
    return inspect(session.connection()).has_table(Shop.__tablename__)


def any_shop(session: Session) -> bool:
    return session.scalar(select(Shop.id).limit(1)) is not None


def existing_shop_ids(session: Session, shop_ids: Iterable[str]) -> list[str]:
    return list(
        session.scalars(
            select(Shop.shop_id).where(Shop.shop_id.in_(list(shop_ids))).order_by(Shop.shop_id)
        )
    )


def counts(session: Session) -> DemoCounts:
    rows = session.execute(
        select(Transaction.operation_type, Transaction.detailed_status, func.count(Transaction.id))
        .where(Transaction.mode == Mode.PRODUCTION.value)
        .group_by(Transaction.operation_type, Transaction.detailed_status)
        .order_by(Transaction.operation_type, Transaction.detailed_status)
    )
    by_status = {f"{kind} {status}": int(count) for kind, status, count in rows}
    tests = select(func.count(Transaction.id)).where(Transaction.mode == Mode.TEST.value)
    return DemoCounts(
        transactions_by_status=by_status,
        operations=int(session.scalar(select(func.count(Operation.id))) or 0),
        remittances=int(session.scalar(select(func.count(Remittance.id))) or 0),
        contracts=int(session.scalar(select(func.count(Contract.id))) or 0),
        test_transactions=int(session.scalar(tests) or 0),
    )


def statement_counts(session: Session) -> tuple[int, int]:
    """How many bank statements and statement entries the database holds."""
    statements = session.scalar(select(func.count(BankStatement.id))) or 0
    entries = session.scalar(select(func.count(StatementEntry.id))) or 0
    return int(statements), int(entries)


def demo_contracts(session: Session, shop_ids: Iterable[str]) -> list[Contract]:
    return list(
        session.scalars(
            select(Contract)
            .join(Shop, Shop.id == Contract.shop_id)
            .where(Shop.shop_id.in_(list(shop_ids)))
            .order_by(Contract.id)
        )
    )


def bank_accounts(session: Session, contracts: list[Contract]) -> list[BankAccountInput]:
    """The accounts the contracts credit, in the order they were opened."""
    accounts = session.scalars(
        select(BankAccount)
        .where(BankAccount.id.in_({contract.bank_account_id for contract in contracts}))
        .order_by(BankAccount.id)
    )
    return [
        BankAccountInput(
            iban=account.iban,
            bank_code=account.bank_code or "",
            branch_code=account.branch_code or "",
            account_number=account.account_number or "",
            currency=account.currency,
        )
        for account in accounts
    ]


def bank_contracts(session: Session, contracts: list[Contract]) -> list[ContractInput]:
    rows = session.execute(
        select(BankAccount.id, BankAccount.iban).where(
            BankAccount.id.in_({contract.bank_account_id for contract in contracts})
        )
    )
    ibans = {account_id: iban for account_id, iban in rows}
    return [
        ContractInput(
            number=contract.number,
            # American Express names its own scheme; the others are CB-network contracts.
            scheme="AMEX" if contract.brands == "AMEX" else "CB",
            account_iban=ibans[contract.bank_account_id],
            settlement_mode=contract.settlement_mode,
        )
        for contract in contracts
    ]


def bank_remittances(session: Session, contracts: list[Contract]) -> list[RemittanceInput]:
    numbers = {contract.id: contract.number for contract in contracts}
    remittances = session.scalars(
        select(Remittance)
        .where(Remittance.contract_id.in_(list(numbers)))
        .order_by(Remittance.contract_id, Remittance.number)
    )
    return [
        RemittanceInput(
            contract_number=numbers[r.contract_id],
            number=r.number,
            remittance_date=r.remittance_date,
            currency=r.currency,
            gross_minor=r.gross_minor,
            refunds_minor=r.refunds_minor,
            fee_minor=r.fee_minor,
            expected_credit_minor=r.expected_credit_minor,
            expected_credit_date=r.expected_credit_date,
        )
        for r in remittances
    ]


def chargeback_candidates(session: Session, contracts: list[Contract]) -> list[PaymentInput]:
    """Captured payments of the contracts that were never refunded, with their remittance."""
    refund = aliased(Transaction)
    refunded = exists().where(
        refund.parent_id == Transaction.id,
        refund.operation_type == OperationType.CREDIT.value,
    )
    rows = session.execute(
        select(
            Transaction.uuid,
            Transaction.transaction_id,
            Transaction.order_id,
            Transaction.amount_minor,
            Transaction.currency,
            Transaction.card_masked,
            Contract.number,
            Remittance.remittance_date,
        )
        .join(Remittance, Remittance.id == Transaction.remittance_id)
        .join(Contract, Contract.id == Remittance.contract_id)
        .where(
            Remittance.contract_id.in_([contract.id for contract in contracts]),
            Transaction.operation_type == OperationType.DEBIT.value,
            Transaction.detailed_status == DetailedStatus.CAPTURED.value,
            ~refunded,
        )
        .order_by(Transaction.uuid)
    )
    return [PaymentInput(*row) for row in rows]
