"""The status page's administration in the back office, for operators: incidents and scheduled
maintenance with their updates, component overrides.
"""

from __future__ import annotations

from pointage.web.backoffice import page_router

router = page_router()
