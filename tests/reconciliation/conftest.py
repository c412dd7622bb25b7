"""Fixtures of the reconciliation tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from pointage.settings import Settings
from tests.reconciliation.api_data import Api, make_api


@pytest.fixture
def api(session: Session, settings: Settings) -> Api:
    """The reconciliation API's world (tests.reconciliation.api_data.make_api)."""
    return make_api(session, settings)
