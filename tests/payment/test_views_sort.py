"""Cash management sorted by a column: every order pages forward and back without skipping
or repeating a line, however many lines tie on the column; the headers say the order."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select, update

from pointage.core.statuses import DetailedStatus
from pointage.payment.models import Transaction
from pointage.remittance.models import Remittance
from tests.payment.test_views import PARIS, add
from tests.web.backoffice_world import World, make_world, sign_in

_ROW = re.compile(r'<tr id="tx-[0-9a-f]{32}" data-uuid="([0-9a-f]{32})"')
_LINK = re.compile(r'<a class="button button-small" href="([^"]+)" rel="(prev|next)"')
LOWEST = date(1, 1, 1)
RECONCILIATIONS = ("pending", "reconciled", "anomaly", "to_review")
STATUSES = (DetailedStatus.CAPTURED, DetailedStatus.REFUSED, DetailedStatus.AUTHORISED)


@pytest.fixture
def world(settings, session_factory) -> World:
    return make_world(settings, session_factory)


@pytest.fixture
def client(world: World):
    with world.client() as client:
        sign_in(client)
        yield client


def _seed(world: World) -> None:
    """63 lines (two pages of 50) with many ties on every sortable column, some without an
    order id, some in remittances of three expected credit dates."""
    for n in range(63):
        add(
            world,
            PARIS,
            order_id=f"ORD-{n % 9:02d}",
            amount=100 * (n % 5),
            reconciliation=RECONCILIATIONS[n % 4],
            status=STATUSES[n % 3],
            remittance=n + 1 if n < 3 else None,
        )
    with world.factory() as session, session.begin():
        session.execute(
            update(Transaction).where(Transaction.order_id == "ORD-00").values(order_id=None)
        )
        days = (date(2026, 3, 4), date(2026, 3, 6), date(2026, 3, 4))
        remittances = session.scalars(select(Remittance).order_by(Remittance.number)).all()
        for remittance, day in zip(remittances, days, strict=True):
            remittance.expected_credit_date = day
        for n, tx in enumerate(session.scalars(select(Transaction).order_by(Transaction.id))):
            if n % 4 == 0:
                tx.remittance_id = remittances[n % 3].id


def _expected(world: World, sort: str, descending: bool) -> list[str]:
    with world.factory() as session:
        credit = dict(session.execute(select(Remittance.id, Remittance.expected_credit_date)).all())
        rows = session.scalars(select(Transaction)).all()

        def key(tx: Transaction) -> tuple[object, int]:
            value: object = {
                "created": tx.created_at,
                "amount": tx.amount_minor,
                "order_id": tx.order_id or "",
                "status": tx.status,
                "reconciliation": tx.reconciliation_status,
                "credit_date": credit.get(tx.remittance_id, LOWEST) or LOWEST,
            }[sort]
            return value, tx.id

        return [tx.uuid for tx in sorted(rows, key=key, reverse=descending)]


def _page(client, url: str) -> tuple[list[str], dict[str, str]]:
    answer = client.get(url)
    assert answer.status_code == 200, url
    links = {rel: href.replace("&amp;", "&") for href, rel in _LINK.findall(answer.text)}
    return _ROW.findall(answer.text), links


SORTS = ("created", "amount", "order_id", "status", "reconciliation", "credit_date")


def test_every_order_pages_forward_and_back_without_gaps(world, client) -> None:
    _seed(world)
    for sort in SORTS:
        for direction in ("asc", "desc"):
            case = f"{sort} {direction}"
            expected = _expected(world, sort, direction == "desc")
            first, links = _page(client, f"/transactions?sort={sort}&dir={direction}")
            assert "prev" not in links, case
            second, back_links = _page(client, links["next"])
            assert first + second == expected, case
            assert "next" not in back_links, case
            if (sort, direction) != ("created", "desc"):  # the default order is not spelled
                assert f"sort={sort}&dir={direction}" in back_links["prev"], case
            again, _ = _page(client, back_links["prev"])
            assert again == first, case


def test_the_sorted_column_says_its_order_and_its_header_reverses_it(world, client) -> None:
    add(world, PARIS, order_id="ONE")
    text = client.get("/transactions?sort=amount&dir=desc").text
    header = text.split('aria-sort="descending"', 1)[1].split("</th>", 1)[0]
    assert 'href="/transactions?sort=amount&amp;dir=asc"' in header
    assert text.count("aria-sort=") == 1
    default = client.get("/transactions").text
    assert default.count('aria-sort="descending"') == 1
    assert 'href="/transactions?sort=created&amp;dir=asc"' in default
    assert 'href="/transactions?sort=order_id&amp;dir=asc"' in default


def test_the_filter_form_and_headers_keep_each_other(world, client) -> None:
    add(world, PARIS, order_id="ONE", reconciliation="anomaly")
    text = client.get("/transactions?reconciliation=anomaly&sort=amount&dir=asc").text
    assert '<input type="hidden" name="sort" value="amount">' in text
    assert 'href="/transactions?reconciliation=anomaly&amp;sort=order_id&amp;dir=asc"' in text
    assert "/transactions/export.csv?reconciliation=anomaly&amp;sort=amount&amp;dir=asc" in text


@pytest.mark.parametrize("query", ["sort=colour", "sort=amount&dir=up", "sort=uuid"])
def test_an_unknown_order_is_refused_on_the_page(client, query) -> None:
    answer = client.get(f"/transactions?{query}")
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text
    assert "Traceback" not in answer.text


def test_every_line_links_to_its_transaction(world, client) -> None:
    add(world, PARIS, order_id="ONE")
    with world.factory() as session:
        tx = session.scalars(select(Transaction)).one()
    text = client.get("/transactions").text
    assert f'<a href="/transactions/{tx.uuid}"' in text


def test_the_csv_follows_the_list_s_order(world, client) -> None:
    for amount, order_id in ((300, "MIDDLE"), (100, "SMALL"), (900, "LARGE")):
        add(world, PARIS, order_id=order_id, amount=amount)
    text = client.get("/transactions/export.csv?sort=amount&dir=asc").text
    assert text.index("SMALL") < text.index("MIDDLE") < text.index("LARGE")
