"""The reports API as a shop uses it: its report settings (checked field by field, the
password never returned), journals generated on demand, listed, downloaded with their
SHA-256, re-sent and their deliveries followed; another shop's report is a 404."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator

import asyncssh
import openpyxl
import pytest
from fastapi.testclient import TestClient

from pointage.auth.service.keys import issue_production_key
from pointage.report.service.settings import save_settings
from pointage.web.app import create_app
from tests.factories import IBAN_BANK_B, make_payment, make_shop
from tests.report.reports_data import DAY, SECRET, report_settings

SHOP, OTHER = "12345678", "87654321"
HOST_KEY = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()


@pytest.fixture
def outbox(tmp_path):
    folder = tmp_path / "outbox"
    folder.mkdir()
    return folder


@pytest.fixture
def app_settings(settings, tmp_path):
    return report_settings(settings, tmp_path).model_copy(update={"secret_key": SECRET})


@pytest.fixture
def keys(session, app_settings) -> dict[str, str]:
    mine = make_shop(session, shop_id=SHOP).shop
    other = make_shop(session, shop_id=OTHER, iban=IBAN_BANK_B).shop
    for n, amount in enumerate((1_250, 990)):
        make_payment(session, mine, amount_minor=amount, order_id=f"A-{n}")
    make_payment(session, other, order_id="B-0")
    made = {shop.shop_id: issue_production_key(session, shop, SECRET) for shop in (mine, other)}
    session.commit()
    return made


@pytest.fixture
def api(app_settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings), raise_server_exceptions=False) as client:
        yield client


def call(api, keys, method, path, shop=SHOP, **kwargs):
    return api.request(method, path, auth=(shop, keys[shop]), **kwargs)


def generate(api, keys, shop=SHOP, **body):
    return call(api, keys, "POST", "/v1/reports", shop, json={"journal": "jt", **body})


def operator_sets_outbox(session, outbox, shop_id=SHOP):
    from pointage.shop.service import shop_by_shop_id

    save_settings(
        session,
        shop_by_shop_id(session, shop_id),
        {"journals": ["jt"], "local_directory": str(outbox)},
        "cli:operator",
        secret_key=SECRET,
    )
    session.commit()


# -- settings -----------------------------------------------------------------------------

FULL = {
    "journals": ["jt", "jrb"],
    "frequency": "weekly",
    "format": "xlsx",
    "encoding": "utf-8",
    "send_empty": True,
    "filename_pattern": "{shop_id}_{journal}_{period}.{ext}",
    "email_recipients": ["compta@example.fr"],
    "sftp_host": "sftp.example.com",
    "sftp_port": 2222,
    "sftp_username": "compta",
    "sftp_password": "s3cret-pass",
    "sftp_host_key": HOST_KEY,
    "sftp_directory": "/in",
}


def test_settings_read_as_defaults_before_anything_is_saved(api, keys):
    answer = call(api, keys, "GET", "/v1/report-settings")
    assert answer.status_code == 200
    body = answer.json()
    assert body["configured"] is False
    assert body["journals"] == []
    assert "sftp_password" not in body and body["sftp_has_password"] is False


def test_settings_are_stored_and_answered_without_the_password(api, keys):
    answer = call(api, keys, "PUT", "/v1/report-settings", json=FULL)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["configured"] is True
    assert body["journals"] == ["jt", "jrb"]
    assert body["sftp_has_password"] is True
    assert "s3cret-pass" not in answer.text
    assert call(api, keys, "GET", "/v1/report-settings").json() == body
    # Another shop's settings are its own.
    assert call(api, keys, "GET", "/v1/report-settings", OTHER).json()["configured"] is False


def test_a_put_without_the_password_keeps_it(api, keys):
    call(api, keys, "PUT", "/v1/report-settings", json=FULL)
    without = {key: value for key, value in FULL.items() if key != "sftp_password"}
    body = call(api, keys, "PUT", "/v1/report-settings", json=without).json()
    assert body["sftp_has_password"] is True
    removed = call(api, keys, "PUT", "/v1/report-settings", json={**without, "sftp_password": None})
    assert removed.json()["sftp_has_password"] is False


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"journals": ["jt", "xx"]}, "journals"),
        ({"email_recipients": ["compta@example.fr", "nobody"]}, "email_recipients"),
        ({"frequency": "hourly"}, "frequency"),
        ({"sftp_port": 0}, "sftp_port"),
        ({"sftp_host_key": "ssh-rsa nope"}, "sftp_host_key"),
        ({"filename_pattern": "{journal}.csv"}, "filename_pattern"),
        ({"colour": "blue"}, "colour"),
        ({"send_empty": "maybe"}, "send_empty"),
        ({"local_directory": "/etc"}, "local_directory"),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_stored(api, keys, change, param):
    answer = call(api, keys, "PUT", "/v1/report-settings", json={**FULL, **change})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["param"] == param
    assert call(api, keys, "GET", "/v1/report-settings").json()["configured"] is False


def test_the_unknown_journal_is_named(api, keys):
    answer = call(api, keys, "PUT", "/v1/report-settings", json={"journals": ["jt", "xx"]})
    assert answer.json()["detail"] == "unknown journal type 'xx'"


def test_the_local_folder_set_by_the_operator_may_be_sent_back_unchanged(
    api, keys, session, outbox
):
    operator_sets_outbox(session, outbox)
    current = call(api, keys, "GET", "/v1/report-settings").json()
    assert current["local_directory"] == str(outbox)
    body = {**FULL, "local_directory": str(outbox)}
    answer = call(api, keys, "PUT", "/v1/report-settings", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["local_directory"] == str(outbox)


def test_every_route_needs_the_shop_credentials(api, keys):
    for method, path in [
        ("GET", "/v1/report-settings"),
        ("GET", "/v1/reports"),
        ("GET", "/v1/report-deliveries"),
    ]:
        assert api.request(method, path).status_code == 401
    assert api.get("/v1/reports", auth=(SHOP, "wrong")).status_code == 401


# -- reports ------------------------------------------------------------------------------


def test_a_journal_generated_on_demand_is_listed_and_downloaded(api, keys):
    answer = generate(api, keys, date=DAY.isoformat())
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert (report["journal"], report["row_count"], report["format"]) == ("jt", 2, "csv")
    assert report["filename"] == "JT_SHOP_12345678_12345678_260302.csv"
    assert report["generated_by"] == f"api:{SHOP}"

    download = call(api, keys, "GET", report["download_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"] == f'attachment; filename="{report["filename"]}"'
    digest = hashlib.sha256(download.content).digest()
    assert download.headers["x-content-sha256"] == digest.hex() == report["sha256"]
    assert download.headers["repr-digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    assert download.content.startswith(b"TITRE;")

    listed = call(api, keys, "GET", "/v1/reports").json()
    assert [r["id"] for r in listed["data"]] == [report["id"]]
    assert call(api, keys, "GET", f"/v1/reports/{report['id']}").json() == report


def test_a_workbook_downloads_as_xlsx(api, keys, tmp_path):
    report = generate(api, keys, date=DAY.isoformat(), format="xlsx").json()
    download = call(api, keys, "GET", report["download_url"])
    assert download.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    path = tmp_path / "downloaded.xlsx"
    path.write_bytes(download.content)
    openpyxl.load_workbook(path, read_only=True).close()


def test_the_same_journal_twice_is_a_conflict(api, keys):
    first = generate(api, keys, date=DAY.isoformat()).json()
    again = generate(api, keys, period_start=DAY.isoformat(), period_end=DAY.isoformat())
    assert again.status_code == 409
    assert again.json()["code"] == "report_exists"
    assert f"report {first['id']}" in again.json()["detail"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"date": "2999-01-01"}, "date"),
        ({"journal": "jz", "date": "2026-03-02"}, "journal"),
        ({"period_start": "2026-03-02"}, "period_end"),
        ({"date": "2026-03-02", "format": "pdf"}, "format"),
        ({"date": "2026-03-02", "encoding": "cp1252"}, "encoding"),
        ({"date": "2026-03-02", "extra": 1}, "extra"),
    ],
)
def test_bad_generation_requests_are_refused(api, keys, body, param):
    answer = generate(api, keys, **body)
    assert answer.status_code == 422
    assert answer.json()["param"] == param
    assert call(api, keys, "GET", "/v1/reports").json()["data"] == []


def test_the_list_filters_by_journal_and_day_and_pages(api, keys):
    generate(api, keys, date="2026-03-02")
    generate(api, keys, journal="jo", date="2026-03-02")
    generate(api, keys, period_start="2026-03-03", period_end="2026-03-09")

    def ids(**params):
        body = call(api, keys, "GET", "/v1/reports", params=params).json()
        return [(r["journal"], r["period_start"]) for r in body["data"]], body["has_more"]

    assert ids() == (
        [("jt", "2026-03-03"), ("jo", "2026-03-02"), ("jt", "2026-03-02")],
        False,
    )
    assert ids(journal="jo") == ([("jo", "2026-03-02")], False)
    assert ids(period="2026-03-05") == ([("jt", "2026-03-03")], False)
    every = call(api, keys, "GET", "/v1/reports").json()["data"]
    first, second, third = (r["id"] for r in every)
    assert ids(limit=1, starting_after=first) == ([("jo", "2026-03-02")], True)
    assert ids(limit=2, starting_after=second) == ([("jt", "2026-03-02")], False)
    assert ids(limit=1, ending_before=third) == ([("jo", "2026-03-02")], True)
    assert ids(journal="jo", starting_after=third) == ([], False)
    assert call(api, keys, "GET", "/v1/reports", params={"journal": "xx"}).status_code == 422


def test_another_shops_report_is_not_found(api, keys, session, outbox):
    operator_sets_outbox(session, outbox)
    report = generate(api, keys, date=DAY.isoformat()).json()
    for method, suffix in [
        ("GET", ""),
        ("GET", "/download"),
        ("GET", "/deliveries"),
        ("POST", "/resend"),
    ]:
        answer = call(api, keys, method, f"/v1/reports/{report['id']}{suffix}", OTHER)
        assert answer.status_code == 404, suffix
        assert answer.json()["code"] == "not_found"
    assert call(api, keys, "GET", "/v1/reports", OTHER).json()["data"] == []
    assert call(api, keys, "GET", "/v1/reports/999999").status_code == 404
    cursor = call(api, keys, "GET", "/v1/reports", OTHER, params={"starting_after": report["id"]})
    assert cursor.status_code == 404 and cursor.json()["param"] == "starting_after"


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("GET", "/download"), ("GET", "/deliveries"), ("POST", "/resend")],
)
def test_a_report_id_past_the_largest_bigint_is_invalid_input(api, keys, method, suffix):
    # SQLite could not compare it with a stored id: these answered 500.
    answer = call(api, keys, method, f"/v1/reports/{2**63}{suffix}")
    assert answer.status_code == 422, answer.text
    assert answer.json()["param"] == "report_id"


# -- re-send and deliveries ---------------------------------------------------------------


def test_a_resend_delivers_now_and_each_one_is_numbered(api, keys, session, outbox):
    operator_sets_outbox(session, outbox)
    report = generate(api, keys, date=DAY.isoformat()).json()
    path = f"/v1/reports/{report['id']}"

    first = call(api, keys, "POST", f"{path}/resend")
    assert first.status_code == 202, first.text
    [created] = first.json()["data"]
    assert (created["channel"], created["sequence"], created["status"]) == ("local", 1, "pending")
    assert created["requested_by"] == f"api:{SHOP}"

    second = call(api, keys, "POST", f"{path}/resend", json={"channels": ["local"]})
    assert [d["sequence"] for d in second.json()["data"]] == [2]

    listed = call(api, keys, "GET", f"{path}/deliveries").json()["data"]
    assert [(d["sequence"], d["status"], d["attempts"]) for d in listed] == [
        (2, "delivered", 1),
        (1, "delivered", 1),
    ]
    assert listed[1]["attempt_log"][0]["ok"] is True
    older = call(api, keys, "GET", f"{path}/deliveries", params={"starting_after": listed[0]["id"]})
    assert [d["sequence"] for d in older.json()["data"]] == [1]
    assert [p.name for p in outbox.iterdir()] == [report["filename"]]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"channels": ["fax"]}, "unknown channel"),
        ({"channels": ["email"]}, "not configured"),
        ({"channels": []}, "at least one"),
    ],
)
def test_a_resend_through_a_channel_not_set_is_refused(api, keys, session, outbox, body, words):
    operator_sets_outbox(session, outbox)
    report = generate(api, keys, date=DAY.isoformat()).json()
    answer = call(api, keys, "POST", f"/v1/reports/{report['id']}/resend", json=body)
    assert answer.status_code == 422
    assert answer.json()["param"] == "channels"
    assert words in answer.json()["detail"]


def test_a_resend_without_any_channel_is_refused(api, keys):
    report = generate(api, keys, date=DAY.isoformat()).json()
    answer = call(api, keys, "POST", f"/v1/reports/{report['id']}/resend")
    assert answer.status_code == 422
    assert "no delivery channel" in answer.json()["detail"]


def test_failed_deliveries_are_listed_with_their_reason(
    session, keys, outbox, tmp_path, app_settings
):
    operator_sets_outbox(session, tmp_path / "not-mounted")
    once = app_settings.model_copy(update={"delivery_max_attempts": 1})
    with TestClient(create_app(once), raise_server_exceptions=False) as api:
        report = generate(api, keys, date=DAY.isoformat()).json()
        call(api, keys, "POST", f"/v1/reports/{report['id']}/resend")
        failed = call(api, keys, "GET", "/v1/report-deliveries", params={"status": "failed"})
        delivered = call(api, keys, "GET", "/v1/report-deliveries", params={"status": "delivered"})
        others = call(api, keys, "GET", "/v1/report-deliveries", OTHER)
    [delivery] = failed.json()["data"]
    assert delivery["report_id"] == report["id"]
    assert "does not exist" in delivery["last_error"]
    assert delivery["attempt_log"][0]["ok"] is False
    assert delivered.json()["data"] == []
    assert others.json()["data"] == []
