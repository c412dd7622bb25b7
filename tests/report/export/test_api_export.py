"""GET /v1/exports/reconciliation.xlsx: a shop downloads its own lines only, filtered as
asked; another shop's data is a 404; bad parameters a 422 naming them; the temporary file
is gone once the workbook is sent."""

from __future__ import annotations

import io
import tempfile

import openpyxl
import pytest

from pointage.auth.service.keys import issue_production_key
from tests.report.export.books import RUN_DAY, SHOP_A, SHOP_B
from tests.report.export.reading import lines

URL = "/v1/exports/reconciliation.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def keys(data, session, settings):
    issued = {
        shop.shop_id: issue_production_key(session, shop, settings.secret_key)
        for shop in (data.a.shop, data.b.shop)
    }
    session.commit()
    return issued


@pytest.fixture
def exports_dir(tmp_path, monkeypatch):
    """Where the route's temporary workbooks go, watched; the day fixed to the run's."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setattr("pointage.report.api_export.business_today", lambda: RUN_DAY, raising=True)
    return folder


def download(client, keys, shop=SHOP_A, **params):
    return client.get(URL, params=params, auth=(shop, keys[shop]))


def read(response, tmp_path):
    path = tmp_path / "downloaded.xlsx"
    path.write_bytes(response.content)
    return lines(path)


def test_a_shop_downloads_its_own_lines_only(client, keys, exports_dir, tmp_path):
    response = download(client, keys)
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"] == (
        'attachment; filename="reconciliation_12345678_20260311.xlsx"'
    )
    written = read(response, tmp_path)
    assert len(written) == 8
    assert {line["Shop"] for line in written} == {SHOP_A}
    assert "ORDER-Z-2026-03-02-0" not in {line["Order"] for line in written}
    other = read(download(client, keys, SHOP_B), tmp_path)
    assert [line["Order"] for line in other] == ["ORDER-Z-2026-03-02-0"]
    assert list(exports_dir.iterdir()) == []  # each temporary workbook deleted once sent


def test_filters_are_query_parameters(client, keys, exports_dir, tmp_path):
    response = download(
        client, keys, reconciliation_status=["to_review", "anomaly"], **{"from": "2026-03-03"}
    )
    assert response.status_code == 200
    orders = sorted(line["Order"] for line in read(response, tmp_path))
    assert orders == ["ORDER-B-2026-03-03-0", "ORDER-C-2026-03-04-0"]
    response = download(client, keys, shop=SHOP_A, dispute="yes", amount_min=10_000)
    assert [line["Order"] for line in read(response, tmp_path)] == ["ORDER-A-2026-03-02-0"]


def test_naming_the_shop_itself_is_allowed(client, keys, exports_dir, tmp_path):
    response = client.get(URL, params={"shop": SHOP_A}, auth=(SHOP_A, keys[SHOP_A]))
    assert response.status_code == 200
    assert len(read(response, tmp_path)) == 8


@pytest.mark.parametrize("named", [SHOP_B, "99999999"])
def test_another_shop_reads_as_missing(client, keys, exports_dir, named):
    response = client.get(URL, params={"shop": named}, auth=(SHOP_A, keys[SHOP_A]))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["param"], body["detail"]) == ("shop", f"shop {named} not found")
    assert list(exports_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"status": "PAYED"}, "status"),
        ({"reconciliation_status": "done"}, "reconciliation_status"),
        ({"dispute": "maybe"}, "dispute"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-03-05", "to": "2026-03-04"}, "from"),
        ({"amount_min": "12.50"}, "amount_min"),
        ({"amount_min": "500", "amount_max": "100"}, "amount_min"),
        ({"remittance_number": "-1"}, "remittance_number"),
        # Past what the database compares: SQLite could not, the export answered 500.
        ({"amount_min": str(2**63)}, "amount_min"),
        ({"amount_max": str(2**63)}, "amount_max"),
        ({"remittance_number": str(2**63)}, "remittance_number"),
        ({"shop": "ABC"}, "shop"),
    ],
)
def test_bad_parameters_are_422_naming_them(client, keys, exports_dir, params, param):
    response = client.get(URL, params=params, auth=(SHOP_A, keys[SHOP_A]))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["param"] == param


def test_without_credentials_nothing_is_exported(client, keys, exports_dir):
    assert client.get(URL).status_code == 401
    assert client.get(URL, auth=(SHOP_A, "wrong key")).status_code == 401
    assert list(exports_dir.iterdir()) == []


def test_an_empty_result_is_a_valid_workbook(client, keys, exports_dir):
    response = download(client, keys, order_id="NO-SUCH-ORDER")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Transactions", "Summary"]
    assert book["Transactions"].max_row == 1


def test_the_day_of_the_ageing_is_the_banks_today(client, keys, exports_dir):
    # The route counts ages as of the banks' today (fixed here), not a day the caller picks.
    response = download(client, keys)
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    ageing_day = next(
        row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0] == "Ageing as of"
    )
    assert ageing_day.date() == RUN_DAY
