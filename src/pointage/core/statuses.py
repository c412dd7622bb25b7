"""The vocabularies of the gateway and of reconciliation (ARCHITECTURE.md §5).

Enums are `StrEnum` and stored as their string value.
"""

from __future__ import annotations

from enum import StrEnum


class DetailedStatus(StrEnum):
    AUTHORISED = "AUTHORISED"
    AUTHORISED_TO_VALIDATE = "AUTHORISED_TO_VALIDATE"
    WAITING_AUTHORISATION = "WAITING_AUTHORISATION"
    WAITING_AUTHORISATION_TO_VALIDATE = "WAITING_AUTHORISATION_TO_VALIDATE"
    CAPTURED = "CAPTURED"
    CAPTURE_FAILED = "CAPTURE_FAILED"
    REFUSED = "REFUSED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    ACCEPTED = "ACCEPTED"
    UNDER_VERIFICATION = "UNDER_VERIFICATION"
    SUSPENDED = "SUSPENDED"


class Status(StrEnum):
    """The rolled-up status the gateway shows next to the detailed one."""

    PAID = "PAID"
    RUNNING = "RUNNING"
    UNPAID = "UNPAID"
    ABANDONED = "ABANDONED"


class OperationType(StrEnum):
    DEBIT = "DEBIT"  # a payment
    CREDIT = "CREDIT"  # a refund, linked to its payment
    VERIFICATION = "VERIFICATION"  # a card check with no money moved


class ReconciliationStatus(StrEnum):
    NOT_APPLICABLE = "not_applicable"  # nothing will be credited (refused, cancelled…)
    PENDING = "pending"  # en attente de crédit, inside its expected window
    TO_REVIEW = "to_review"  # credit overdue, or the acquirer sends no data
    RECONCILED = "reconciled"  # matched automatically
    RECONCILED_MANUAL = "reconciled_manual"  # confirmed by a person, with a comment
    ANOMALY = "anomaly"  # matched with an unexplained difference


class DisputeFlag(StrEnum):
    YES = "yes"
    NO = "no"
    NA = "na"


class SettlementMode(StrEnum):
    """How the acquirer credits a remittance: the gross amount (fees debited apart) or net."""

    GROSS = "gross"
    NET = "net"


class OperationSource(StrEnum):
    BACK_OFFICE = "back_office"
    API = "api"
    BATCH = "batch"
    IPN = "ipn"
    FILE = "file"  # a transaction journal file import


class OperationKind(StrEnum):
    CREATE = "create"
    VALIDATE = "validate"
    CANCEL = "cancel"
    MODIFY = "modify"
    REFUND = "refund"
    DUPLICATE = "duplicate"
    CAPTURE = "capture"
    EXPIRE = "expire"
    UPDATE = "update"  # a later notification from the gateway changed the transaction


_ROLLUP: dict[DetailedStatus, Status] = {
    DetailedStatus.AUTHORISED: Status.PAID,
    DetailedStatus.CAPTURED: Status.PAID,
    DetailedStatus.ACCEPTED: Status.PAID,
    DetailedStatus.AUTHORISED_TO_VALIDATE: Status.RUNNING,
    DetailedStatus.WAITING_AUTHORISATION: Status.RUNNING,
    DetailedStatus.WAITING_AUTHORISATION_TO_VALIDATE: Status.RUNNING,
    DetailedStatus.UNDER_VERIFICATION: Status.RUNNING,
    DetailedStatus.SUSPENDED: Status.RUNNING,
    DetailedStatus.REFUSED: Status.UNPAID,
    DetailedStatus.CAPTURE_FAILED: Status.UNPAID,
    DetailedStatus.CANCELLED: Status.UNPAID,
    DetailedStatus.EXPIRED: Status.UNPAID,
}


def rolled_up(detailed: DetailedStatus) -> Status:
    """The gateway's rolled-up status for a detailed status."""
    return _ROLLUP[detailed]


# Detailed statuses of a transaction that has not been captured yet and may still be.
BEFORE_CAPTURE: frozenset[DetailedStatus] = frozenset(
    {
        DetailedStatus.AUTHORISED,
        DetailedStatus.AUTHORISED_TO_VALIDATE,
        DetailedStatus.WAITING_AUTHORISATION,
        DetailedStatus.WAITING_AUTHORISATION_TO_VALIDATE,
    }
)

# Statuses the daily batch captures when their capture date has come.
CAPTURABLE: frozenset[DetailedStatus] = frozenset(
    {DetailedStatus.AUTHORISED, DetailedStatus.WAITING_AUTHORISATION}
)

# Statuses that wait for the merchant's validation; unvalidated at the capture date, they expire.
TO_VALIDATE: frozenset[DetailedStatus] = frozenset(
    {DetailedStatus.AUTHORISED_TO_VALIDATE, DetailedStatus.WAITING_AUTHORISATION_TO_VALIDATE}
)


class Mode(StrEnum):
    """Test or production, as the gateway says it: of a transaction, and of the API key that
    may see it. A test-mode key sees only test-mode data."""

    TEST = "TEST"
    PRODUCTION = "PRODUCTION"


class Role(StrEnum):
    """What a back-office user may do on the shops they are given."""

    ADMIN = "admin"  # everything, including users, keys, contracts and webhooks
    ACCOUNTANT = "accountant"  # reconciliation, reports and exports; merchant operations
    READ_ONLY = "read_only"  # looks, exports, changes nothing
