"""The real-time status reads (GET /v1/transactions/{uuid}, V4 Transaction/Get) answer the
last committed state while a writer holds the database: on SQLite, a capture batch or an
import holding the write lock for seconds does not hold them up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from pointage.auth.service.keys import issue_production_key
from pointage.shop.models import Merchant
from pointage.web.app import create_app
from tests.factories import make_payment, make_shop


@pytest.fixture
def world(session, settings) -> tuple[str, str]:
    setup = make_shop(session)
    key = issue_production_key(session, setup.shop, settings.secret_key)
    uuid = make_payment(session, setup.shop).uuid
    session.commit()
    return key, uuid


@pytest.fixture
def api(settings) -> Iterator[TestClient]:
    app = create_app(settings)
    engine: Engine = app.state.engine
    if engine.dialect.name == "sqlite":
        # Give up at once on a lock rather than wait 30 s: a read that waited would fail.
        @event.listens_for(engine, "connect")
        def _no_waiting(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA busy_timeout = 0")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _reads(api: TestClient, key: str, uuid: str) -> None:
    resource = api.get(f"/v1/transactions/{uuid}", headers={"Authorization": f"Bearer {key}"})
    assert resource.status_code == 200, resource.text
    assert resource.json()["uuid"] == uuid
    v4 = api.post("/api-payment/V4/Transaction/Get", json={"uuid": uuid}, auth=("12345678", key))
    assert v4.status_code == 200, v4.text
    assert v4.json()["status"] == "SUCCESS", v4.text
    assert v4.json()["answer"]["uuid"] == uuid


def test_status_reads_answer_while_a_writer_holds_the_database(api, world, engine):
    key, uuid = world
    _reads(api, key, uuid)  # the key's use is recorded now, not during the next reads
    writer = engine.connect()
    try:
        writer.begin()  # on SQLite: BEGIN IMMEDIATE, the database's write lock
        writer.execute(Merchant.__table__.insert().values(name="A long import"))
        _reads(api, key, uuid)
    finally:
        writer.rollback()
        writer.close()
