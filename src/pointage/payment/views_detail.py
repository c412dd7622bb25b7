"""Transaction detail page (/transactions/{uuid}): the timeline of what happened to one payment and
the actions its state allows.
"""

from __future__ import annotations

from pointage.web.backoffice import page_router

router = page_router()
