"""Imports every model so that `Base.metadata` is complete (Alembic, tests)."""

from pointage.audit.models import AuditEvent
from pointage.auth.models import ApiKey, AuthFailure, IdempotencyKey, User, UserShop
from pointage.db.base import Base
from pointage.payment.models import Operation, Transaction
from pointage.reconciliation.models import (
    Match,
    MatchEntry,
    MatchRemittance,
    MatchReversal,
    MatchTransaction,
    ReconciliationRun,
    RunOpenItem,
    Suggestion,
)
from pointage.remittance.models import CaptureBatchRun, Remittance
from pointage.report.models import Delivery, DeliveryAttempt, GeneratedReport, ReportSetting
from pointage.shop.models import BankAccount, Contract, Merchant, Shop
from pointage.statement.models import (
    BankStatement,
    CsvMappingProfile,
    StatementEntry,
    StatementFile,
)
from pointage.status.models import (
    StatusComponent,
    StatusComponentChange,
    StatusIncident,
    StatusIncidentComponent,
    StatusIncidentUpdate,
    StatusNotification,
    StatusOperatorToken,
    StatusProbeReading,
    StatusSubscriber,
)
from pointage.webhook.models import (
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSubscription,
)

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuthFailure",
    "BankAccount",
    "BankStatement",
    "Base",
    "CaptureBatchRun",
    "Contract",
    "CsvMappingProfile",
    "Delivery",
    "DeliveryAttempt",
    "GeneratedReport",
    "IdempotencyKey",
    "Match",
    "MatchEntry",
    "MatchRemittance",
    "MatchReversal",
    "MatchTransaction",
    "Merchant",
    "Operation",
    "ReconciliationRun",
    "Remittance",
    "ReportSetting",
    "RunOpenItem",
    "Shop",
    "StatementEntry",
    "StatementFile",
    "StatusComponent",
    "StatusComponentChange",
    "StatusIncident",
    "StatusIncidentComponent",
    "StatusIncidentUpdate",
    "StatusNotification",
    "StatusOperatorToken",
    "StatusProbeReading",
    "StatusSubscriber",
    "Suggestion",
    "Transaction",
    "User",
    "UserShop",
    "WebhookDelivery",
    "WebhookDeliveryAttempt",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookSubscription",
]
