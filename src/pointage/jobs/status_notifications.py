"""The status page's notification sender of `pointage serve`: every `webhook_poll_seconds`
(one second by default) it sends the status notifications due
(pointage.status.notify.send_due: confirmation e-mails, incident and maintenance e-mails and
webhooks), in a worker thread so that the event loop keeps serving requests.

Several processes may run it at once on one database: each row is claimed in a transaction
of its own (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL) and leased while it is sent, so
no two senders send the same one.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from pointage.jobs.periodic import PeriodicJob
from pointage.settings import Settings
from pointage.status.notify import NotifySummary, send_due
from pointage.status.notify_email import StatusMailer
from pointage.webhook.transport import WebhookTransport


class StatusNotificationJob(PeriodicJob):
    """Sends the due status notifications every `settings.webhook_poll_seconds`."""

    name = "status-notifications"

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        transport: WebhookTransport,
        mailer: StatusMailer | None = None,
    ) -> None:
        super().__init__(settings.webhook_poll_seconds)
        self.factory = factory
        self.settings = settings
        self.transport = transport
        self.mailer = mailer or StatusMailer()

    def tick(self) -> NotifySummary:
        """Send what is due now; returns what happened."""
        return send_due(
            self.factory, self.settings, self.transport, self.mailer, stopping=self._stopping
        )
