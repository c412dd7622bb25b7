"""Fixtures of the export tests: the books of tests/report/export/books.py, committed, and a
reader of the workbook the export writes."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.report.export.books import Books, books


@pytest.fixture
def data(session: Session) -> Books:
    return books(session)
