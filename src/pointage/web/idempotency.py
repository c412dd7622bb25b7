"""`Idempotency-Key` on every POST of the resource API."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Wire the idempotency layer into the application."""
