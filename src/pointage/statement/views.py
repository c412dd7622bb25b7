"""Bank statement pages (/statements): upload, statements per account with balances and continuity
warnings, entries with their match state.
"""

from __future__ import annotations

from pointage.web.backoffice import page_router

router = page_router()
