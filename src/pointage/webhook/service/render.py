"""The payload of each event type: the object as the API shows it, as JSON values.

Transactions, remittances, reports and statement files are rendered by the API's own
schemas, so that an event and a GET of the same object agree field for field; a remittance
comes with its credit (the match and the bank entries). A chargeback, which has no route of
its own, is the payment taken back, the amount, and the match with the bank's debit, in the
shapes of the same schemas. Amounts are integer minor units.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy.orm import Session

from pointage.payment.repository import TransactionRepository
from pointage.payment.schemas import TransactionOut
from pointage.reconciliation.service.run import business_today
from pointage.remittance.listing import status_of
from pointage.remittance.repository.reads import CreditMatch, RemittanceReads
from pointage.remittance.schemas import CreditOut, RemittanceOut
from pointage.report.schemas import ReportOut
from pointage.statement.schemas import StatementFileOut
from pointage.statement.service import file_summary
from pointage.webhook.repository import subjects

Payload = dict[str, Any]
Renderer = Callable[[Session, Collection[int]], dict[int, Payload]]


def transactions(session: Session, ids: Collection[int]) -> dict[int, Payload]:
    rows = subjects.transactions(session, ids)
    links = TransactionRepository(session).links([tx.id for tx, _ in rows])
    return {
        tx.id: TransactionOut.of(tx, shop_id, links.get(tx.id)).model_dump(mode="json")
        for tx, shop_id in rows
    }


def reports(session: Session, ids: Collection[int]) -> dict[int, Payload]:
    return {
        report.id: ReportOut.of(report).model_dump(mode="json")
        for report in subjects.reports(session, ids)
    }


def statements(session: Session, file_ids: Collection[int]) -> dict[int, Payload]:
    rendered = {}
    for file_id in file_ids:
        summary = file_summary(session, file_id)
        if summary is not None:
            rendered[file_id] = StatementFileOut.of(summary).model_dump(mode="json")
    return rendered


def remittances(session: Session, ids: Collection[int]) -> dict[int, Payload]:
    """The remittance as GET /v1/remittances/{id} shows it, with its credit (not its
    transactions: they have their own events)."""
    reads = RemittanceReads(session)
    facts = reads.facts(ids)
    today = business_today()
    rendered = {}
    for remittance in subjects.remittances(session, ids):
        known = facts.get(remittance.id)
        credit = known.credit if known is not None else None
        summary = RemittanceOut.of(remittance, known, status_of(remittance, known, today))
        shown = None
        if credit is not None:
            shown = CreditOut.of(credit, reads.credit_entries(credit.id)).model_dump(mode="json")
        rendered[remittance.id] = {**summary.model_dump(mode="json"), "credit": shown}
    return rendered


def chargebacks(session: Session, transaction_ids: Collection[int]) -> dict[int, Payload]:
    """The payment taken back, the amount, and the match with the bank's debit."""
    taken_back = subjects.chargebacks(session, transaction_ids)
    payments = transactions(session, taken_back.keys())
    rendered = {}
    for transaction_id, chargeback in taken_back.items():
        if transaction_id not in payments:
            continue
        match = chargeback.match
        found = CreditMatch(
            match.id,
            match.rule,
            match.origin,
            match.anomaly,
            match.difference_minor,
            match.late_business_days,
            match.created_at,
            None,
        )
        rendered[transaction_id] = {
            "object": "chargeback",
            "amount_minor": -sum(row.entry.amount_minor for row in chargeback.entries),
            "currency": payments[transaction_id]["currency"],
            "match": CreditOut.of(found, chargeback.entries).model_dump(mode="json"),
            "transaction": payments[transaction_id],
        }
    return rendered
