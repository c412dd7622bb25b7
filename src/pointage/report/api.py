"""JSON routes of reports (docs/reports.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["reports"])
