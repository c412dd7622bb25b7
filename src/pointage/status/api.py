"""The operators' API of the status page under /v1/status/: incidents, scheduled maintenance, their
updates, component overrides (Bearer operator tokens).
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
