"""Statuspage-compatible JSON under /api/v2/ (summary, status, components, incidents, unresolved
incidents, upcoming and active scheduled maintenance): no login, no merchant data.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
