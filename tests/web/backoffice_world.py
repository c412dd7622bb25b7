"""A back office to test through HTTP without a browser: three shops, two of them given to an
accountant, and helpers that sign in the way a browser does (CSRF token from the page)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.models import User
from pointage.auth.service.users import create_user
from pointage.core.statuses import Role
from pointage.settings import Settings
from pointage.shop import service as shop_service
from pointage.web.app import create_app

EMAIL = "compta@example.com"
PASSWORD = "correct horse battery staple"
GIVEN = {"11111111": "Boutique Paris", "22222222": "Boutique Lyon"}
OTHER = ("33333333", "Boutique Nice")
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class World:
    settings: Settings
    factory: sessionmaker[Session]
    user_id: int

    def client(self, **kwargs: object) -> TestClient:
        return TestClient(
            create_app(self.settings),
            raise_server_exceptions=False,
            follow_redirects=False,
            **kwargs,  # type: ignore[arg-type]
        )

    def user(self, session: Session) -> User:
        user = session.get(User, self.user_id)
        assert user is not None
        return user


def seed(factory: sessionmaker[Session]) -> int:
    with factory() as session, session.begin():
        merchant = shop_service.create_merchant(session, "Maison Test")
        for shop_id, name in [*GIVEN.items(), OTHER]:
            shop_service.create_shop(session, merchant, shop_id=shop_id, name=name)
        created = create_user(session, EMAIL, Role.ACCOUNTANT, list(GIVEN), password=PASSWORD)
        return created.user.id


def make_world(settings: Settings, factory: sessionmaker[Session]) -> World:
    return World(settings, factory, seed(factory))


def token_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def page_token(client: TestClient, path: str = "/sign-in") -> str:
    return token_of(client.get(path, follow_redirects=True).text)


def sign_in(client: TestClient, email: str = EMAIL, password: str = PASSWORD, **form: str):
    data = {"email": email, "password": password, "csrf_token": page_token(client), **form}
    return client.post("/sign-in", data=data)


def post(client: TestClient, path: str, data: dict[str, str], *, page: str = "/dashboard"):
    """A form of a signed-in page, posted with its token."""
    return client.post(path, data={**data, "csrf_token": page_token(client, page)})
