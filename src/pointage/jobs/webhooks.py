"""The webhook dispatcher of `pointage serve`: every `webhook_poll_seconds` (one second by
default) it sends the deliveries due (pointage.webhook.service.sending.deliver_due), in
worker threads so that the event loop keeps serving requests.

Several processes may run it at once, on one database: each delivery is claimed in a
transaction of its own (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL) and leased while it
is sent, so no two workers send the same attempt. `pointage webhooks deliver-due` runs the
same sending once, for deployments that schedule it from cron instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from pointage.settings import Settings
from pointage.webhook.service.sending import DeliverySummary, deliver_due
from pointage.webhook.transport import WebhookTransport

log = logging.getLogger(__name__)


class WebhookDispatcher:
    """Sends the due deliveries every `settings.webhook_poll_seconds` until stopped."""

    def __init__(
        self, factory: sessionmaker[Session], settings: Settings, transport: WebhookTransport
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.transport = transport
        self._stopping = threading.Event()  # read by the worker threads between deliveries
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def tick(self) -> DeliverySummary:
        """Send what is due now; returns what happened."""
        return deliver_due(self.factory, self.settings, self.transport, stopping=self._stopping)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="webhook-dispatcher")

    async def stop(self) -> None:
        """Ask the loop to stop and wait for it: deliveries being sent finish (each within
        the timeout); the others wait for the next start."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await asyncio.to_thread(self.tick)
            except Exception:
                # The database may be away for a moment: tried again at the next tick.
                log.exception("webhook dispatcher tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._wake.wait(), timeout=self.settings.webhook_poll_seconds
                )
