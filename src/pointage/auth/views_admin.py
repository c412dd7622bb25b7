"""Administration pages under /settings: back-office users and API keys (administrators only).
"""

from __future__ import annotations

from pointage.web.backoffice import page_router

router = page_router()
