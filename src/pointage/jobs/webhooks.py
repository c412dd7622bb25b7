"""The webhook dispatcher of `pointage serve`: every `webhook_poll_seconds` (one second by
default) it sends the deliveries due (pointage.webhook.service.sending.deliver_due), in
worker threads so that the event loop keeps serving requests.

Several processes may run it at once, on one database: each delivery is claimed in a
transaction of its own (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL) and leased while it
is sent, so no two workers send the same attempt. `pointage webhooks deliver-due` runs the
same sending once, for deployments that schedule it from cron instead.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from pointage.jobs.periodic import PeriodicJob
from pointage.settings import Settings
from pointage.webhook.service.sending import DeliverySummary, deliver_due
from pointage.webhook.transport import WebhookTransport


class WebhookDispatcher(PeriodicJob):
    """Sends the due deliveries every `settings.webhook_poll_seconds` until stopped."""

    name = "webhook-dispatcher"

    def __init__(
        self, factory: sessionmaker[Session], settings: Settings, transport: WebhookTransport
    ) -> None:
        super().__init__(settings.webhook_poll_seconds)
        self.factory = factory
        self.settings = settings
        self.transport = transport

    def tick(self) -> DeliverySummary:
        """Send what is due now; returns what happened."""
        return deliver_due(self.factory, self.settings, self.transport, stopping=self._stopping)
