"""Fixtures of the statement tests."""

from __future__ import annotations

import pytest

from tests.statement.builders import FakeParser


@pytest.fixture
def fake_parser(monkeypatch: pytest.MonkeyPatch) -> FakeParser:
    """The import reads the parse results registered here instead of parsing bytes."""
    parser = FakeParser()
    monkeypatch.setattr("pointage.statement.service.importer.parse", parser)
    return parser
