"""Report pages (/reports): the daily journals' history with download and re-send, failed
deliveries, and report settings per shop.
"""

from __future__ import annotations

from pointage.web.backoffice import page_router

router = page_router()
