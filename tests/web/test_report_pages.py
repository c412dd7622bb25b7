"""The report pages through HTTP: the selected shop's generated journals, their download and
re-send, the failed deliveries, and the report settings checked field by field; another
shop's report is not found, and a read-only user may read and download but not act."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncssh
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.auth.service.users import create_user
from pointage.core.statuses import Role
from pointage.report.models import Delivery, DeliveryStatus, GeneratedReport
from pointage.report.service import on_demand
from pointage.report.service.settings import save_settings, settings_view
from pointage.shop.models import Shop
from tests.report.reports_data import DAY, report_settings
from tests.web.backoffice_world import GIVEN, OTHER, PASSWORD, World, make_world, post, sign_in

PARIS, LYON = list(GIVEN)
NICE = OTHER[0]
READER = "lecture@example.com"
ENGLISH = {"Accept-Language": "en"}
HOST_KEY = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()


@dataclass
class Reports:
    world: World
    ids: dict[str, int]
    outbox: Path
    reports_dir: Path


def _shop(session: Session, shop_id: str) -> Shop:
    return session.scalars(select(Shop).where(Shop.shop_id == shop_id)).one()


def _generate(session: Session, shop: Shop, reports_dir: Path, journal: str = "jt") -> int:
    report = on_demand.generate_now(
        session,
        shop,
        on_demand.Request(journal=journal, day=DAY),
        reports_dir=reports_dir,
        actor="test",
        now=datetime(2026, 3, 3, 6, tzinfo=UTC),
    )
    return report.id


@pytest.fixture
def data(settings, session_factory, tmp_path) -> Reports:
    """Paris: a JT and a JO of DAY, settings delivering to a folder of the server, a failed
    e-mail delivery of the JT; Lyon (given, not selected) and Nice (not given): a JT each.
    A read-only user is given both shops of the accountant."""
    app_settings = report_settings(settings, tmp_path)
    reports_dir = Path(app_settings.reports_dir)
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    world = make_world(app_settings, session_factory)
    with session_factory() as session, session.begin():
        paris = _shop(session, PARIS)
        save_settings(
            session,
            paris,
            {"journals": ["jt"], "local_directory": str(outbox)},
            "cli:operator",
            secret_key=app_settings.secret_key,
        )
        ids = {
            "jt": _generate(session, paris, reports_dir),
            "jo": _generate(session, paris, reports_dir, "jo"),
            "lyon": _generate(session, _shop(session, LYON), reports_dir),
            "nice": _generate(session, _shop(session, NICE), reports_dir),
        }
        session.add(
            Delivery(
                report_id=ids["jt"],
                shop_id=paris.id,
                channel="email",
                destination="compta@example.fr",
                sequence=0,
                status=DeliveryStatus.FAILED.value,
                attempts=5,
                last_error="SMTP server refused the connection",
                requested_by="scheduler",
            )
        )
        create_user(session, READER, Role.READ_ONLY, list(GIVEN), password=PASSWORD)
    return Reports(world, ids, outbox, reports_dir)


@pytest.fixture
def client(data: Reports) -> Iterator[TestClient]:
    with data.world.client(headers=ENGLISH) as client:
        sign_in(client)
        yield client


@pytest.fixture
def reader(data: Reports) -> Iterator[TestClient]:
    with data.world.client(headers=ENGLISH) as client:
        sign_in(client, READER)
        yield client


def _listed(html: str) -> list[str]:
    return re.findall(r'<th scope="row"[^>]*><a href="/reports/(\d+)">', html)


def _deliveries(data: Reports, report_id: int) -> list[tuple[str, int, str]]:
    with data.world.factory() as session:
        rows = session.scalars(
            select(Delivery).where(Delivery.report_id == report_id).order_by(Delivery.id)
        )
        return [(row.channel, row.sequence, row.status) for row in rows]


# -- the history ---------------------------------------------------------------------------


def test_the_history_lists_the_selected_shop_s_reports_and_failed_deliveries(data, client) -> None:
    response = client.get("/reports")
    assert response.status_code == 200
    html = response.text
    history = html.split('id="history-heading"')[1]
    assert sorted(_listed(history)) == sorted([str(data.ids["jt"]), str(data.ids["jo"])])
    assert f'href="/reports/{data.ids["jt"]}/download"' in history
    failed = html.split('id="failed-heading"')[1].split('id="filters-heading"')[0]
    assert "SMTP server refused the connection" in failed
    assert "Failed" in failed
    # E-mail is not among the configured channels: nothing to re-send it through.
    assert "Channel no longer configured" in failed


@pytest.mark.parametrize(("query", "kept"), [("journal=jo", ["jo"]), ("period=2026-03-01", [])])
def test_the_history_filters_by_journal_and_day(data, client, query, kept) -> None:
    html = client.get(f"/reports?{query}").text.split('id="history-heading"')[1]
    assert _listed(html) == [str(data.ids[name]) for name in kept]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("journal=xx", "journal", "Choose a value from the list."),
        ("period=2026-13-01", "period", "Enter a date as YYYY-MM-DD."),
    ],
)
def test_a_wrong_filter_is_told_next_to_its_field(data, client, query, field, message) -> None:
    response = client.get(f"/reports?{query}")
    assert response.status_code == 400
    assert f'id="f-{field}-error">{message}</p>' in response.text
    assert _listed(response.text.split('id="history-heading"')[1]) == []


# -- download ------------------------------------------------------------------------------


def test_a_report_downloads_as_its_file_with_its_name_and_media_type(data, client) -> None:
    with data.world.factory() as session:
        report = session.get(GeneratedReport, data.ids["jt"])
        assert report is not None
        stored = (data.reports_dir / report.storage_path).read_bytes()
        filename = report.filename
    response = client.get(f"/reports/{data.ids['jt']}/download")
    assert response.status_code == 200
    assert response.content == stored
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'


def test_a_read_only_user_may_download(data, reader) -> None:
    assert reader.get(f"/reports/{data.ids['jt']}/download").status_code == 200


@pytest.mark.parametrize("name", ["lyon", "nice"])
def test_another_shop_s_report_is_not_found(data, client, name) -> None:
    report_id = data.ids[name]
    assert client.get(f"/reports/{report_id}").status_code == 404
    assert client.get(f"/reports/{report_id}/download").status_code == 404
    response = post(client, f"/reports/{report_id}/resend", {"channels": "local"}, page="/reports")
    assert response.status_code == 404
    assert _deliveries(data, report_id) == []


@pytest.mark.parametrize("given", ["abc", "0", str(2**70), "999999"])
def test_a_report_that_does_not_exist_is_not_found(data, client, given) -> None:
    assert client.get(f"/reports/{given}").status_code == 404
    assert client.get(f"/reports/{given}/download").status_code == 404


def test_a_report_whose_file_is_gone_is_not_found(data, client) -> None:
    with data.world.factory() as session:
        report = session.get(GeneratedReport, data.ids["jo"])
        assert report is not None
        (data.reports_dir / report.storage_path).unlink()
    assert client.get(f"/reports/{data.ids['jo']}/download").status_code == 404


# -- re-send -------------------------------------------------------------------------------


def test_a_report_is_re_sent_through_the_chosen_channel(data, client) -> None:
    page = client.get(f"/reports/{data.ids['jt']}")
    assert page.status_code == 200
    assert 'name="channels" value="local" checked' in page.text
    assert "data-confirm=" in page.text
    path = f"/reports/{data.ids['jt']}/resend"
    response = post(client, path, {"channels": "local"}, page=f"/reports/{data.ids['jt']}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/reports/{data.ids['jt']}"
    # Tried right after the answer: delivered into the server's folder.
    assert ("local", 1, "delivered") in _deliveries(data, data.ids["jt"])
    assert len(list(data.outbox.iterdir())) == 1
    after = client.get(response.headers["location"]).text
    assert "Re-send requested: 1 new deliveries." in after
    assert "Re-send No. 1" in after


@pytest.mark.parametrize(
    ("channels", "message"),
    [
        ([], "Choose at least one channel."),
        (["fax"], "Choose at least one channel."),
        (["email"], "This channel is not configured in the report settings."),
    ],
)
def test_a_re_send_the_service_refuses_is_told_and_nothing_is_sent(
    data, client, channels, message
) -> None:
    before = _deliveries(data, data.ids["jo"])
    response = post(
        client, f"/reports/{data.ids['jo']}/resend", {"channels": channels}, page="/reports"
    )
    assert response.status_code == 400
    assert f'id="resend-error">{message}</p>' in response.text
    assert _deliveries(data, data.ids["jo"]) == before


def test_a_re_send_without_the_form_s_token_is_refused(data, client) -> None:
    response = client.post(f"/reports/{data.ids['jo']}/resend", data={"channels": "local"})
    assert response.status_code == 403
    assert _deliveries(data, data.ids["jo"]) == []


def test_a_read_only_user_sees_no_re_send_and_is_refused(data, reader) -> None:
    page = reader.get(f"/reports/{data.ids['jt']}").text
    assert "/resend" not in page
    assert "Re-send the report" not in page
    assert "/resend" not in reader.get("/reports").text
    response = post(
        reader, f"/reports/{data.ids['jo']}/resend", {"channels": "local"}, page="/reports"
    )
    assert response.status_code == 403
    assert _deliveries(data, data.ids["jo"]) == []


# -- settings ------------------------------------------------------------------------------

VALID = {
    "journals": ["jt", "jrb"],
    "frequency": "weekly",
    "format": "xlsx",
    "encoding": "utf-8",
    "filename_pattern": "{journal}_{shop_id}_{period}.{ext}",
    "email_recipients": "compta@example.fr\nexpert@example.fr",
    "sftp_host": "",
    "sftp_port": "22",
    "sftp_username": "",
    "sftp_password": "",
    "sftp_host_key": "",
    "sftp_directory": "",
}


def _view(data: Reports):
    with data.world.factory() as session:
        return settings_view(session, _shop(session, PARIS))


def test_the_settings_show_what_is_stored(data, client) -> None:
    html = client.get("/reports/settings").text
    assert 'name="journals" value="jt" checked' in html
    assert 'name="journals" value="jo">' in html
    assert f"<code>{data.outbox}</code>" in html
    assert 'type="submit" class="button button-primary">Save the settings' in html


def test_the_settings_are_saved(data, client) -> None:
    response = post(client, "/reports/settings", VALID, page="/reports/settings")
    assert response.status_code == 303
    view = _view(data)
    assert view.journals == ["jt", "jrb"]
    assert (view.frequency, view.format) == ("weekly", "xlsx")
    assert view.email_recipients == ["compta@example.fr", "expert@example.fr"]
    assert view.local_directory == str(data.outbox)  # the operator's, untouched
    assert "The report settings are saved." in client.get("/reports/settings").text


def test_an_sftp_destination_is_saved_with_its_password_kept_secret(data, client) -> None:
    sftp = {
        **VALID,
        "sftp_host": "sftp.example.fr",
        "sftp_port": "2222",
        "sftp_username": "compta",
        "sftp_password": "s3cret-password",
        "sftp_host_key": HOST_KEY,
        "sftp_directory": "/incoming/",
    }
    assert post(client, "/reports/settings", sftp, page="/reports/settings").status_code == 303
    view = _view(data)
    assert (view.sftp_host, view.sftp_port, view.sftp_directory) == (
        "sftp.example.fr",
        2222,
        "/incoming",
    )
    assert view.sftp_has_password
    html = client.get("/reports/settings").text
    assert "s3cret-password" not in html
    assert "A password is stored." in html
    # Saved again without a password: the stored one is kept; then removed on request.
    again = {**sftp, "sftp_password": ""}
    post(client, "/reports/settings", again, page="/reports/settings")
    assert _view(data).sftp_has_password
    post(
        client,
        "/reports/settings",
        {**again, "sftp_password_remove": "1"},
        page="/reports/settings",
    )
    assert not _view(data).sftp_has_password


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"journals": ["jt", "xx"]}, "journals", "Choose journals from the list."),
        ({"frequency": "hourly"}, "frequency", "Choose a value from the list."),
        ({"format": "pdf"}, "format", "Choose a value from the list."),
        ({"encoding": "latin-1"}, "encoding", "Choose a value from the list."),
        ({"filename_pattern": "{journal}.csv"}, "filename_pattern", "Write a file name with"),
        ({"email_recipients": "compta@"}, "email_recipients", "Enter valid e-mail addresses"),
        ({"sftp_host": "sftp://x"}, "sftp_host", "Enter a host name or an IP address"),
        ({"sftp_port": "abc"}, "sftp_port", "Enter a whole number from 1 to 65535."),
        ({"sftp_port": "70000"}, "sftp_port", "Enter a whole number from 1 to 65535."),
        ({"sftp_directory": "incoming"}, "sftp_directory", "Enter an absolute folder"),
        ({"sftp_host_key": "not a key"}, "sftp_host_key", "Enter the server public key"),
        (
            {"sftp_host": "sftp.example.fr", "sftp_host_key": HOST_KEY, "sftp_directory": "/in"},
            "sftp_username",
            "An SFTP destination needs this field.",
        ),
        (
            {"sftp_username": "compta"},
            "sftp_host",
            "Enter the SFTP host, or leave the other SFTP fields empty.",
        ),
    ],
)
def test_a_wrong_setting_is_told_next_to_its_field_and_nothing_is_saved(
    data, client, changes, field, message
) -> None:
    before = _view(data)
    response = post(client, "/reports/settings", {**VALID, **changes}, page="/reports/settings")
    assert response.status_code == 400
    html = response.text
    assert f'id="s-{field}-error">{message}' in html
    assert "Nothing was saved" in html
    assert _view(data) == before


def test_a_read_only_user_sees_the_settings_but_cannot_change_them(data, reader) -> None:
    html = reader.get("/reports/settings").text
    assert '<fieldset class="rp-all" disabled>' in html
    assert "Save the settings" not in html
    before = _view(data)
    response = post(reader, "/reports/settings", VALID, page="/reports/settings")
    assert response.status_code == 403
    assert _view(data) == before


# -- on demand -----------------------------------------------------------------------------


def _reports_of_paris(data: Reports) -> list[tuple[str, str, str]]:
    with data.world.factory() as session:
        rows = session.scalars(
            select(GeneratedReport)
            .where(GeneratedReport.shop_id == _shop(session, PARIS).id)
            .order_by(GeneratedReport.id)
        )
        return [
            (row.journal, row.period_start.isoformat(), row.period_end.isoformat()) for row in rows
        ]


def test_a_report_is_generated_on_demand(data, client) -> None:
    assert 'href="/reports/generate"' in client.get("/reports").text
    form = client.get("/reports/generate")
    assert form.status_code == 200
    assert 'data-confirm="Generate this report now?"' in form.text
    fields = {"journal": "jrb", "first": "2026-03-02", "last": "2026-03-08", "format": "xlsx"}
    response = post(client, "/reports/generate", fields, page="/reports/generate")
    assert response.status_code == 303
    assert ("jrb", "2026-03-02", "2026-03-08") in _reports_of_paris(data)
    page = client.get(response.headers["location"])
    assert "The report is generated." in page.text
    assert client.get(response.headers["location"] + "/download").status_code == 200


# The shop's today (Paris): between 23:00 and midnight UTC, UTC's today is over in Paris.
TODAY = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"journal": "xx"}, "journal", "Choose a value from the list."),
        ({"format": "pdf"}, "format", "Choose a value from the list."),
        ({"first": ""}, "first", "Enter the first day of the period."),
        ({"first": "2026-02-30"}, "first", "Enter a date as YYYY-MM-DD."),
        ({"last": "2026-03-01"}, "first", "The start date is after the end date."),
        ({"last": "2027-03-03"}, "last", "A period is at most 366 days."),
        ({"first": TODAY, "last": ""}, "last", "The period must be over"),
        ({"journal": "jt", "format": "csv"}, "first", "This report was generated already."),
    ],
)
def test_a_generation_refused_is_told_next_to_its_field(
    data, client, fields, field, message
) -> None:
    before = _reports_of_paris(data)
    given = {"journal": "jo", "first": "2026-03-02", "last": "", "format": "csv", **fields}
    response = post(client, "/reports/generate", given, page="/reports/generate")
    assert response.status_code == 400
    assert f'id="g-{field}-error">{message}' in response.text
    assert _reports_of_paris(data) == before


def test_the_report_there_is_already_is_linked(data, client) -> None:
    given = {"journal": "jt", "first": DAY.isoformat(), "last": "", "format": "csv"}
    response = post(client, "/reports/generate", given, page="/reports/generate")
    assert f'<a href="/reports/{data.ids["jt"]}">Open it</a>' in response.text


def test_a_read_only_user_may_not_generate(data, reader) -> None:
    assert 'href="/reports/generate"' not in reader.get("/reports").text
    assert reader.get("/reports/generate").status_code == 403
    before = _reports_of_paris(data)
    given = {"journal": "jrb", "first": "2026-03-02", "last": "", "format": "csv"}
    assert post(reader, "/reports/generate", given, page="/reports").status_code == 403
    assert _reports_of_paris(data) == before
