"""Webhooks' business operations. Importing the package gives the emission calls the
domains make in their units of work (`emit`); endpoints, deliveries and sending are
imported by their own modules."""

from pointage.webhook.service.emit import (
    batch_captured,
    chargebacks_received,
    reconciliation_status_changing,
    remittances_credited,
    report_ready,
    statement_imported,
    transaction_updated,
    transactions_updated,
)

__all__ = [
    "batch_captured",
    "chargebacks_received",
    "reconciliation_status_changing",
    "remittances_credited",
    "report_ready",
    "statement_imported",
    "transaction_updated",
    "transactions_updated",
]
