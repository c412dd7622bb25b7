"""Remittance tracking pages (/remittances): every remittance sent to the bank and, in its detail,
its transactions and the bank entry that credited it.
"""

from __future__ import annotations

from pointage.web.backoffice import page_router

router = page_router()
