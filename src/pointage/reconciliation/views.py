"""Reconciliation pages (/reconciliation): unmatched bank entries with the engine's suggestions to
confirm or reject, and manual matches.
"""

from __future__ import annotations

from pointage.web.backoffice import page_router

router = page_router()
