"""JSON routes of reconciliation (docs/api.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["reconciliation"])
