"""The transaction list kept up to date: `/transactions/changes` answers the lines of the
page that changed since an instant, as the list shows them, and nothing of another shop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from pointage.core.statuses import ReconciliationStatus
from pointage.payment.models import Transaction
from pointage.payment.service.reconciliation import set_status_of_transactions
from tests.payment.test_views import LYON, OTHER, PARIS, add
from tests.web.backoffice_world import World, make_world, sign_in

HOUR_AGO = (datetime.now(UTC) - timedelta(hours=1)).isoformat()


@pytest.fixture
def world(settings, session_factory) -> World:
    return make_world(settings, session_factory)


@pytest.fixture
def client(world: World):
    with world.client() as client:
        sign_in(client)
        yield client


def _uuids(world: World) -> dict[str, str]:
    """Order id → uuid, every line last changed two hours ago."""
    with world.factory() as session, session.begin():
        session.execute(
            update(Transaction).values(updated_at=datetime.now(UTC) - timedelta(hours=2))
        )
        return dict(session.execute(select(Transaction.order_id, Transaction.uuid)).all())


def _reconcile(world: World, uuid: str) -> None:
    with world.factory() as session, session.begin():
        pk = session.scalars(select(Transaction.id).where(Transaction.uuid == uuid)).one()
        set_status_of_transactions(session, [pk], ReconciliationStatus.RECONCILED)


def _changes(client, since: str, *uuids: str):
    return client.get("/transactions/changes", params={"since": since, "ids": ",".join(uuids)})


def test_only_the_lines_changed_since_come_back_as_the_list_shows_them(world, client) -> None:
    add(world, PARIS, order_id="CHANGED", reconciliation="pending")
    add(world, PARIS, order_id="UNCHANGED", reconciliation="pending")
    uuids = _uuids(world)
    assert _changes(client, HOUR_AGO, *uuids.values()).json()["rows"] == []

    _reconcile(world, uuids["CHANGED"])
    answer = _changes(client, HOUR_AGO, *uuids.values())
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    [row] = body["rows"]
    assert row["uuid"] == uuids["CHANGED"]
    assert f'data-uuid="{uuids["CHANGED"]}"' in row["html"]
    assert "</span> Rapproché</span>" in row["html"]
    assert "Rapproché" in row["message"]
    assert datetime.fromisoformat(body["since"]) > datetime.fromisoformat(HOUR_AGO)


def test_the_list_shows_the_stamp_the_changes_compare(world, client) -> None:
    add(world, PARIS, order_id="ONE")
    uuids = _uuids(world)
    _reconcile(world, uuids["ONE"])
    [row] = _changes(client, HOUR_AGO, uuids["ONE"]).json()["rows"]
    page = client.get("/transactions").text
    assert f'data-updated="{row["updated"]}"' in page
    assert 'data-changes="/transactions/changes"' in page
    assert 'aria-live="polite"' in page


def test_another_shop_s_lines_never_come_back(world, client) -> None:
    add(world, OTHER[0], order_id="NICE")
    add(world, LYON, order_id="LYON")  # given to the user, but not the selected shop
    uuids = _uuids(world)
    for uuid in uuids.values():
        _reconcile(world, uuid)
    assert _changes(client, HOUR_AGO, *uuids.values()).json()["rows"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"since": "yesterday", "ids": "0" * 32},
        {"since": "2026-03-02T10:00:00", "ids": "0" * 32},
        {"since": "2026-03-02T10:00:00Z", "ids": "not-a-uuid"},
        {"since": "2026-03-02T10:00:00Z", "ids": ",".join(["0" * 32] * 101)},
        {"ids": "0" * 32},
    ],
)
def test_a_wrong_question_is_refused_without_a_traceback(client, params) -> None:
    answer = client.get("/transactions/changes", params=params)
    assert 400 <= answer.status_code < 500
    assert "Traceback" not in answer.text


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(world) -> None:
    with world.client() as anonymous:
        answer = anonymous.get("/transactions/changes", params={"since": HOUR_AGO, "ids": "0" * 32})
    assert answer.status_code in (302, 303, 307)
    assert answer.headers["location"].startswith("/sign-in")
