"""Business operations on transactions: ingestion from the gateway and merchant operations.

Services take a Session and never commit; the caller's unit of work does.
"""

from pointage.payment.service.common import Actor
from pointage.payment.service.ingest import IncomingTransaction, IngestResult, ingest
from pointage.payment.service.operations import cancel, duplicate, modify, refund, validate

__all__ = [
    "Actor",
    "IncomingTransaction",
    "IngestResult",
    "cancel",
    "duplicate",
    "ingest",
    "modify",
    "refund",
    "validate",
]
