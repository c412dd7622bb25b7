"""JSON routes of remittances: the list and the detail with transactions and bank entry."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
