"""Annotated dependencies: one unit of work per request, the settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from pointage.db.session import unit_of_work
from pointage.settings import Settings


def _session(request: Request) -> Iterator[Session]:
    with unit_of_work(request.app.state.session_factory) as session:
        yield session


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# Scope "function": the unit of work commits before the answer is sent, so that a client
# that has its answer finds the change committed (with the default scope FastAPI would
# commit after sending the answer), and a failed commit answers 500 rather than a success.
DbSession = Annotated[Session, Depends(_session, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]
