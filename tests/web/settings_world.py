"""The back office of tests/web/backoffice_world.py with an administrator of the two shops
the accountant is given, for the settings pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.service.users import create_user
from pointage.core.statuses import Role
from pointage.settings import Settings
from tests.web.backoffice_world import GIVEN, PASSWORD, World, make_world, page_token, sign_in

ADMIN = "admin@example.com"


@pytest.fixture
def world(settings: Settings, session_factory: sessionmaker[Session]) -> World:
    made = make_world(settings, session_factory)
    with session_factory() as session, session.begin():
        create_user(session, ADMIN, Role.ADMIN, list(GIVEN), password=PASSWORD)
    return made


@pytest.fixture
def admin(world: World) -> Iterator[TestClient]:
    """An administrator's browser, signed in."""
    with world.client() as client:
        assert sign_in(client, ADMIN).status_code == 303
        yield client


@pytest.fixture
def accountant(world: World) -> Iterator[TestClient]:
    with world.client() as client:
        assert sign_in(client).status_code == 303
        yield client


def send(client: TestClient, path: str, data: dict[str, str | list[str]], page: str):
    """A settings form posted with the token of the page it is on."""
    return client.post(path, data={**data, "csrf_token": page_token(client, page)})
