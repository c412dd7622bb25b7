"""Publishing the events of a unit of work when it commits: each event's payload, the
object as the API shows it, rendered once every change of the unit is made; then a pending
delivery per subscribed endpoint. Called by `emit` from the session's `before_commit`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pointage.webhook.models import EventType
from pointage.webhook.repository import events as queries
from pointage.webhook.service import render

_RENDERERS: dict[str, render.Renderer] = {
    EventType.TRANSACTION_UPDATED.value: render.transactions,
    EventType.RECONCILIATION_STATUS_CHANGED.value: render.transactions,
    EventType.REMITTANCE_CREDITED.value: render.remittances,
    EventType.CHARGEBACK_RECEIVED.value: render.chargebacks,
    EventType.REPORT_READY.value: render.reports,
    EventType.STATEMENT_IMPORTED.value: render.statements,
}
RENDER_CHUNK = 1_000


def publish(session: Session, event_ids: Collection[int], at: datetime) -> None:
    """Render the payloads of these events and fan them out to their endpoints."""
    for chunk in queries.chunks(event_ids):
        by_type: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for event_id, event_type, subject_id in queries.unpublished(session, chunk):
            by_type[event_type].append((event_id, subject_id))
        payloads: dict[int, dict[str, Any]] = {}
        vanished: list[int] = []
        for event_type, pairs in by_type.items():
            for start in range(0, len(pairs), RENDER_CHUNK):
                part = pairs[start : start + RENDER_CHUNK]
                rendered = _RENDERERS[event_type](session, {s for _, s in part})
                for event_id, subject_id in part:
                    if subject_id in rendered:
                        payloads[event_id] = rendered[subject_id]
                    else:
                        vanished.append(event_id)
        queries.set_payloads(session, payloads)
        queries.drop_events(session, vanished)
        queries.fan_out(session, payloads.keys(), at)
