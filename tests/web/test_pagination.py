"""Cursor pagination (web.pagination): pages forward and back cover every object once, in
list order; `has_more` is exact at both edges; equal sort values are ordered by id; a cursor
naming no object of the list is a 404 naming its parameter; both cursors at once a 422."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pointage.core.errors import NotFound
from pointage.payment.models import Transaction
from pointage.web.pagination import Keyset, PageRequest, fetch_page
from tests.payment.api_builders import add, shop_with_keys

# Three objects share the first instant and two the third: ties the id must break.
INSTANTS = [(2, 9), (2, 9), (2, 9), (3, 9), (4, 9), (4, 9), (5, 9)]


@pytest.fixture
def listed(session, settings):
    """The shop's transactions and the list's expected order (uuids, newest first)."""
    keys = shop_with_keys(session, settings.secret_key)
    for index, (day, hour) in enumerate(INSTANTS):
        add(
            session,
            keys.setup,
            created_at=datetime(2026, 3, day, hour, tzinfo=UTC),
            order_id=f"O-{index}",
        )
    session.flush()
    rows = session.execute(select(Transaction.created_at, Transaction.id, Transaction.uuid)).all()
    expected = [uuid for _, _, uuid in sorted(rows, key=lambda r: (r[0], r[1]), reverse=True)]
    keyset = Keyset(
        sort=Transaction.created_at,
        pk=Transaction.id,
        position=lambda uuid: _position(session, uuid),
    )
    query = select(Transaction).where(Transaction.shop_id == keys.setup.shop.id)
    return session, query, keyset, expected, keys


def _position(session, uuid):
    row = session.execute(
        select(Transaction.created_at, Transaction.id).where(Transaction.uuid == uuid)
    ).first()
    return None if row is None else (row[0], row[1])


def _page(listed, limit, *, after=None, before=None):
    session, query, keyset, _, _ = listed
    rows, has_more = fetch_page(session, query, keyset, PageRequest(limit, after, before))
    return [tx.uuid for tx in rows], has_more


def test_equal_sort_values_are_ordered_by_id_newest_first(listed):
    session, _, _, expected, _ = listed
    uuids, has_more = _page(listed, 100)
    assert uuids == expected and has_more is False
    ids = [session.scalar(select(Transaction.id).where(Transaction.uuid == u)) for u in uuids]
    tied = ids[-3:]  # the three of the first instant, at the end of the list
    assert tied == sorted(tied, reverse=True)


@pytest.mark.parametrize("limit", range(1, 9))
def test_pages_forward_cover_every_object_once_in_order(listed, limit):
    expected = listed[3]
    seen, cursor, flags = [], None, []
    while True:
        uuids, has_more = _page(listed, limit, after=cursor)
        seen += uuids
        flags.append(has_more)
        if not has_more:
            break
        cursor = uuids[-1]
    assert seen == expected
    pages = -(-len(expected) // limit)
    # More lies beyond every page but the last; a last page that is exactly full says so.
    assert flags == [True] * (pages - 1) + [False]


@pytest.mark.parametrize("limit", range(1, 9))
def test_pages_back_cover_every_object_once_in_order(listed, limit):
    expected = listed[3]
    oldest = expected[-1]
    pages, cursor = [], oldest
    while True:
        uuids, has_more = _page(listed, limit, before=cursor)
        pages.insert(0, uuids)
        if not has_more:
            break
        cursor = uuids[0]
    assert [u for page in pages for u in page] == expected[:-1]


def test_has_more_is_exact_at_the_edges(listed):
    expected = listed[3]
    count = len(expected)
    assert _page(listed, count) == (expected, False)
    assert _page(listed, count - 1) == (expected[:-1], True)
    assert _page(listed, 2, after=expected[-3]) == (expected[-2:], False)
    assert _page(listed, 1, after=expected[-3]) == (expected[-2:-1], True)
    assert _page(listed, 5, after=expected[-1]) == ([], False)
    assert _page(listed, 2, before=expected[2]) == (expected[:2], False)
    assert _page(listed, 1, before=expected[2]) == (expected[1:2], True)
    assert _page(listed, 5, before=expected[0]) == ([], False)


def test_a_cursor_inside_a_tie_starts_right_after_it(listed):
    expected = listed[3]
    # expected[-3:] share one instant: a cursor in the middle of them.
    assert _page(listed, 10, after=expected[-2]) == (expected[-1:], False)
    assert _page(listed, 10, before=expected[-2]) == (expected[:-2], False)


@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
def test_an_unknown_cursor_is_not_found_naming_its_parameter(listed, param):
    with pytest.raises(NotFound) as raised:
        if param == "starting_after":
            _page(listed, 5, after="f" * 32)
        else:
            _page(listed, 5, before="f" * 32)
    assert raised.value.param == param


@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
def test_an_unknown_cursor_answers_404_over_http(client, listed, param):
    session, *_, keys = listed
    session.commit()
    response = client.get(f"/v1/transactions?{param}={'f' * 32}", headers=keys.production)
    assert response.status_code == 404
    assert response.json()["param"] == param


def test_both_cursors_at_once_are_refused(client, listed):
    session, *_, expected, keys = listed
    session.commit()
    response = client.get(
        f"/v1/transactions?starting_after={expected[0]}&ending_before={expected[1]}",
        headers=keys.production,
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["param"] == "ending_before"
