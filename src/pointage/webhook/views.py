"""Webhook pages under /settings: endpoints, their events and the delivery log with replay
(administrators only).
"""

from __future__ import annotations

from pointage.web.backoffice import page_router

router = page_router()
