"""Settings pages (/settings): the settings index, contracts and bank accounts.
"""

from __future__ import annotations

from pointage.web.backoffice import page_router

router = page_router()
