"""Imports every model so that `Base.metadata` is complete (Alembic, tests)."""

from pointage.audit.models import AuditEvent
from pointage.db.base import Base
from pointage.payment.models import Operation, Transaction
from pointage.remittance.models import CaptureBatchRun, Remittance
from pointage.shop.models import BankAccount, Contract, Merchant, Shop

__all__ = [
    "AuditEvent",
    "BankAccount",
    "Base",
    "CaptureBatchRun",
    "Contract",
    "Merchant",
    "Operation",
    "Remittance",
    "Shop",
    "Transaction",
]
