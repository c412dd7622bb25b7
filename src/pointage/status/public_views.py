"""The public status page (/status) and its feeds of incidents (Atom and RSS): no login, no
merchant data.
"""

from __future__ import annotations

from pointage.web.backoffice import page_router

router = page_router()
