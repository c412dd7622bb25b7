"""JSON routes of webhook endpoints and deliveries."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
