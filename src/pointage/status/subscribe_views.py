"""Subscriptions to the status page: e-mail with double opt-in and one-click unsubscribe, and
webhook subscribers.
"""

from __future__ import annotations

from pointage.web.backoffice import page_router

router = page_router()
