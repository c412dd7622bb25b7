"""Cash management through HTTP: the selected shop's production transactions, filtered,
paged, with their reconciliation indicator, and the current filter exported."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from itertools import count

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.core.statuses import DetailedStatus, Mode, rolled_up
from pointage.payment.models import Transaction
from pointage.remittance.models import Remittance
from pointage.shop.models import BankAccount, Contract, Shop
from tests.web.backoffice_world import GIVEN, OTHER, World, make_world, sign_in

_numbers = count(1)
PARIS, LYON = list(GIVEN)


@pytest.fixture
def world(settings, session_factory) -> World:
    return make_world(settings, session_factory)


def _shop(session: Session, shop_id: str) -> Shop:
    return session.scalars(select(Shop).where(Shop.shop_id == shop_id)).one()


def add(
    world: World,
    shop_id: str,
    *,
    order_id: str,
    amount: int = 1_000,
    day: date = date(2026, 3, 2),
    reconciliation: str = "pending",
    status: DetailedStatus = DetailedStatus.CAPTURED,
    mode: Mode = Mode.PRODUCTION,
    card: str = "497010XXXXXX0044",
    remittance: int | None = None,
    dispute: str = "na",
) -> str:
    n = next(_numbers)
    with world.factory() as session, session.begin():
        shop = _shop(session, shop_id)
        remittance_pk = _remittance(session, shop, remittance, day) if remittance else None
        row = Transaction(
            uuid=f"{n:032x}",
            shop_id=shop.id,
            transaction_id=f"{n:06d}",
            transaction_date=day,
            order_id=order_id,
            operation_type="DEBIT",
            amount_minor=amount,
            original_amount_minor=amount,
            currency="EUR",
            detailed_status=status.value,
            status=rolled_up(status).value,
            card_brand="CB",
            card_masked=card,
            created_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC) + timedelta(seconds=n),
            expected_capture_date=day,
            remittance_id=remittance_pk,
            reconciliation_status=reconciliation,
            dispute_flag=dispute,
            mode=mode.value,
        )
        session.add(row)
    return row.transaction_id


def _remittance(session: Session, shop: Shop, number: int, day: date) -> int:
    account = BankAccount(
        merchant_id=shop.merchant_id, label="Compte", iban=f"FR76{shop.shop_id}{number:06d}"
    )
    session.add(account)
    session.flush()
    contract = Contract(
        shop_id=shop.id, number=f"{shop.shop_id}{number}", acquirer="CB", bank_account_id=account.id
    )
    session.add(contract)
    session.flush()
    row = Remittance(
        shop_id=shop.id,
        contract_id=contract.id,
        currency="EUR",
        remittance_date=day,
        number=number,
        payment_count=1,
        refund_count=0,
        gross_minor=0,
        refunds_minor=0,
        fee_minor=0,
        net_minor=0,
        expected_credit_minor=0,
        expected_credit_date=date(2026, 3, 5),
    )
    session.add(row)
    session.flush()
    return row.id


@pytest.fixture
def client(world: World):
    with world.client() as client:
        sign_in(client)
        yield client


def test_the_list_shows_the_selected_shop_s_production_transactions_newest_first(
    world, client
) -> None:
    add(world, PARIS, order_id="FIRST")
    add(world, PARIS, order_id="SECOND")
    add(world, PARIS, order_id="TEST-MODE", mode=Mode.TEST)
    add(world, LYON, order_id="LYON-ORDER")
    add(world, OTHER[0], order_id="NICE-ORDER")
    page = client.get("/transactions")
    assert page.status_code == 200
    assert page.text.index("SECOND") < page.text.index("FIRST")
    for absent in ("TEST-MODE", "LYON-ORDER", "NICE-ORDER"):
        assert absent not in page.text


def test_filters_narrow_the_list(world, client) -> None:
    add(world, PARIS, order_id="SMALL", amount=500, reconciliation="reconciled")
    add(world, PARIS, order_id="LARGE", amount=50_000, card="497010XXXXXX1234")
    add(world, PARIS, order_id="LATER", day=date(2026, 3, 9), dispute="yes")
    tx_id = add(world, PARIS, order_id="REMITTED", remittance=7)
    cases = {
        "reconciliation=reconciled": "SMALL",
        "card=1234": "LARGE",
        "amount_min=1&amount_max=6,00": "SMALL",
        "from=2026-03-09": "LATER",
        "dispute=yes": "LATER",
        "order_id=LARGE": "LARGE",
        f"transaction_id={tx_id}": "REMITTED",
        "remittance=7": "REMITTED",
    }
    everyone = {"SMALL", "LARGE", "LATER", "REMITTED"}
    for query, only in cases.items():
        text = client.get(f"/transactions?{query}").text
        assert only in text, query
        assert not any(other in text for other in everyone - {only}), query


def test_a_wrong_filter_is_named_next_to_its_field(client) -> None:
    page = client.get("/transactions?card=12&from=2026-13-01")
    assert page.status_code == 400
    assert 'id="f-card-error"' in page.text
    assert 'id="f-from-error"' in page.text
    assert "Traceback" not in page.text


def test_pages_follow_each_other_by_cursor(world, client) -> None:
    for n in range(55):
        add(world, PARIS, order_id=f"ORD-{n:03d}")
    first = client.get("/transactions").text
    assert "ORD-054" in first and "ORD-005" in first and "ORD-004" not in first
    assert 'rel="prev"' not in first
    older = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get(older.replace("&amp;", "&")).text
    assert "ORD-004" in second and "ORD-000" in second and "ORD-005" not in second
    assert 'rel="next"' not in second
    newer = second.split('rel="prev"')[0].rsplit('href="', 1)[1].split('"')[0]
    back = client.get(newer.replace("&amp;", "&")).text
    assert "ORD-054" in back and "ORD-005" in back and "ORD-004" not in back


def test_another_shop_s_cursor_answers_not_found(world, client) -> None:
    add(world, OTHER[0], order_id="NICE")
    with world.factory() as session:
        uuid = session.scalars(select(Transaction.uuid)).one()
    assert client.get(f"/transactions?after={uuid}").status_code == 404


def test_each_line_says_its_reconciliation_in_words_with_its_expected_credit(world, client) -> None:
    statuses = {
        "reconciled": "Rapproché",
        "reconciled_manual": "Rapproché à la main",
        "pending": "En attente",
        "to_review": "À examiner",
        "anomaly": "Anomalie",
        "not_applicable": "Sans objet",
    }
    for status in statuses:
        add(world, PARIS, order_id=status, reconciliation=status)
    add(world, PARIS, order_id="REMITTED", remittance=3)
    text = client.get("/transactions").text
    for status, words in statuses.items():
        assert f"</span> {words}</span>" in text, status
    assert "Crédit attendu : 5 mars 2026" in text
    assert "10,00\u00a0€" in text or "10,00\u202f€" in text


def test_the_csv_export_holds_the_filtered_lines(world, client) -> None:
    add(world, PARIS, order_id="KEPT", amount=1_234, reconciliation="anomaly")
    add(world, PARIS, order_id="LEFT-OUT", reconciliation="pending")
    add(world, LYON, order_id="LYON", reconciliation="anomaly")
    answer = client.get("/transactions/export.csv?reconciliation=anomaly")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(r["order_id"], r["amount"], r["reconciliation_status"]) for r in rows] == [
        ("KEPT", "12.34", "anomaly")
    ]


def test_the_excel_export_holds_the_filtered_lines(world, client) -> None:
    add(world, PARIS, order_id="KEPT", reconciliation="to_review")
    add(world, PARIS, order_id="LEFT-OUT", reconciliation="pending")
    add(world, LYON, order_id="LYON", reconciliation="to_review")
    answer = client.get("/transactions/export.xlsx?reconciliation=to_review")
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).worksheets[0]
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "KEPT" in cells
    assert "LEFT-OUT" not in cells and "LYON" not in cells


def test_the_excel_export_refuses_filters_it_cannot_apply(client) -> None:
    assert client.get("/transactions/export.xlsx?card=1234").status_code in (400, 422)
