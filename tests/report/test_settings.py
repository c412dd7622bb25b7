"""Report settings: each field checked and named when refused, with nothing stored; the SFTP
password kept encrypted and never shown; an audit event per change."""

from __future__ import annotations

import asyncssh
import pytest
from sqlalchemy import func, select

from pointage.audit.models import AuditEvent
from pointage.auth.keys import decrypt_key
from pointage.core.errors import InvalidInput
from pointage.report.models import ReportSetting
from pointage.report.service import settings as service
from tests.factories import make_shop

SECRET = "test-secret-key-0123456789abcdef0123456789"
HOST_KEY = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()

SFTP = {
    "sftp_host": "sftp.example.com",
    "sftp_port": 2222,
    "sftp_username": "compta",
    "sftp_password": "s3cret-pass",
    "sftp_host_key": HOST_KEY,
    "sftp_directory": "/incoming/journals/",
}


@pytest.fixture
def shop(session):
    return make_shop(session).shop


def save(session, shop, **changes):
    return service.save_settings(session, shop, changes, "test", secret_key=SECRET)


def stored_count(session) -> int:
    return session.scalar(select(func.count()).select_from(ReportSetting)) or 0


def test_a_shop_without_settings_reads_the_defaults_and_receives_nothing(session, shop):
    view = service.settings_view(session, shop)
    assert view.configured is False
    assert view.journals == []
    assert view.filename_pattern == "{journal}_{shop}_{shop_id}_{period}.{ext}"
    assert service.get_settings(session, shop) is None


def test_valid_settings_are_stored_normalised(session, shop):
    setting = save(
        session,
        shop,
        journals=["JT", "jrb", "jt"],
        frequency="Weekly",
        format="xlsx",
        encoding="ISO-8859-15",
        send_empty=True,
        email_recipients=[" compta@example.fr ", "Boss@Example.com", "COMPTA@example.fr"],
        local_directory="/srv/exports/",
        **SFTP,
    )
    session.expire_all()
    again = service.get_settings(session, shop)
    assert again is not None and again.id == setting.id
    assert again.journals == ["jt", "jrb"]
    assert (again.frequency, again.format, again.encoding) == ("weekly", "xlsx", "iso-8859-15")
    assert again.send_empty is True
    assert again.email_recipients == ["compta@example.fr", "Boss@Example.com"]
    assert again.sftp_directory == "/incoming/journals"
    assert again.local_directory == "/srv/exports"
    assert again.sftp_host_key == " ".join(HOST_KEY.split()[:2])


def test_the_password_is_encrypted_and_only_said_to_exist(session, shop):
    setting = save(session, shop, journals=["jt"], **SFTP)
    assert setting.sftp_password_encrypted is not None
    assert "s3cret-pass" not in setting.sftp_password_encrypted
    assert decrypt_key(setting.sftp_password_encrypted, SECRET) == "s3cret-pass"
    assert decrypt_key(setting.sftp_password_encrypted, "another-secret-0123456789abcdef") is None
    view = service.settings_view(session, shop)
    assert view.sftp_has_password is True
    assert "s3cret-pass" not in repr(view)


def test_a_password_left_out_is_kept_and_null_removes_it(session, shop):
    save(session, shop, journals=["jt"], **SFTP)
    changes = {key: value for key, value in SFTP.items() if key != "sftp_password"}
    kept = save(session, shop, **changes)
    assert decrypt_key(kept.sftp_password_encrypted, SECRET) == "s3cret-pass"
    removed = save(session, shop, sftp_password=None)
    assert removed.sftp_password_encrypted is None


def test_removing_the_host_removes_the_whole_sftp_destination(session, shop):
    save(session, shop, journals=["jt"], **SFTP)
    setting = save(session, shop, sftp_host=None)
    assert setting.sftp_host is None
    assert setting.sftp_username is None
    assert setting.sftp_password_encrypted is None
    assert setting.sftp_host_key is None
    assert setting.sftp_port == 22


def test_every_change_is_audited_by_field_name_never_by_value(session, shop):
    setting = save(session, shop, journals=["jt"])
    save(session, shop, email_recipients=["a@example.com"], **SFTP)
    session.flush()
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "report_setting", AuditEvent.object_id == str(setting.id))
        .order_by(AuditEvent.id)
    ).all()
    assert [event.action for event in events] == [
        "report_settings.created",
        "report_settings.updated",
    ]
    assert events[0].actor == "test"
    changed = events[1].detail["changed"]
    assert "email_recipients" in changed and "sftp_password" in changed
    assert "s3cret-pass" not in str(events[1].detail)
    assert "a@example.com" not in str(events[1].detail)


BAD_FIELDS = [
    ({"journals": ["jt", "xx"]}, "journals", "unknown journal type 'xx'"),
    ({"journals": "jt"}, "journals", "must be a list"),
    ({"frequency": "hourly"}, "frequency", "daily"),
    ({"format": "pdf"}, "format", "csv"),
    ({"encoding": "latin-1"}, "encoding", "utf-8"),
    ({"send_empty": "yes"}, "send_empty", "true or false"),
    ({"filename_pattern": "{journal}_{period}.csv"}, "filename_pattern", "{ext}"),
    ({"filename_pattern": "{journal}.{ext}"}, "filename_pattern", "{period}"),
    ({"filename_pattern": "../{period}.{ext}"}, "filename_pattern", "separator"),
    ({"filename_pattern": "{period}_{secret}.{ext}"}, "filename_pattern", "unknown field"),
    ({"filename_pattern": "{period!r}.{ext}"}, "filename_pattern", "no format"),
    ({"filename_pattern": "{period:>10}.{ext}"}, "filename_pattern", "no format"),
    ({"filename_pattern": "{period.{ext}"}, "filename_pattern", "braces"),
    ({"filename_pattern": "{period}*.{ext}"}, "filename_pattern", "letters"),
    ({"email_recipients": ["ok@example.com", "not-an-address"]}, "email_recipients", "2"),
    ({"email_recipients": ["Name <a@example.com>"]}, "email_recipients", "valid"),
    ({"email_recipients": ["a@localhost"]}, "email_recipients", "valid"),
    ({"email_recipients": ["a..b@example.com"]}, "email_recipients", "valid"),
    ({"email_recipients": ["a@exa mple.com"]}, "email_recipients", "valid"),
    ({**SFTP, "sftp_host": "sftp://example.com"}, "sftp_host", "host name"),
    ({**SFTP, "sftp_port": 0}, "sftp_port", "1 to 65535"),
    ({**SFTP, "sftp_port": 70000}, "sftp_port", "1 to 65535"),
    ({**SFTP, "sftp_port": True}, "sftp_port", "1 to 65535"),
    ({**SFTP, "sftp_username": "comp ta"}, "sftp_username", "letters"),
    ({**SFTP, "sftp_password": ""}, "sftp_password", "1 to 200"),
    ({**SFTP, "sftp_host_key": "ssh-ed25519 not-base64"}, "sftp_host_key", "OpenSSH"),
    ({**SFTP, "sftp_host_key": "-----BEGIN RSA"}, "sftp_host_key", "OpenSSH"),
    ({**SFTP, "sftp_directory": "incoming"}, "sftp_directory", "absolute"),
    ({**SFTP, "sftp_directory": "/a/../etc"}, "sftp_directory", "'..'"),
    ({**SFTP, "sftp_host_key": None}, "sftp_host_key", "host key"),
    ({**SFTP, "sftp_username": None}, "sftp_username", "user name"),
    ({**SFTP, "sftp_directory": None}, "sftp_directory", "folder"),
    ({"sftp_username": "compta"}, "sftp_host", "needs an SFTP host"),
    ({"local_directory": "exports"}, "local_directory", "absolute"),
    ({"colour": "blue"}, "colour", "unknown setting"),
]


@pytest.mark.parametrize(("changes", "param", "words"), BAD_FIELDS)
def test_a_bad_field_is_named_and_nothing_is_stored(session, shop, changes, param, words):
    with pytest.raises(InvalidInput) as refused:
        save(session, shop, **{"journals": ["jt"], **changes})
    assert refused.value.param == param
    assert words in refused.value.message
    assert stored_count(session) == 0


def test_a_bad_field_leaves_stored_settings_as_they_were(session, shop):
    save(session, shop, journals=["jt"], email_recipients=["a@example.com"])
    with pytest.raises(InvalidInput):
        save(session, shop, journals=["jo"], email_recipients=["broken"])
    session.expire_all()
    setting = service.get_settings(session, shop)
    assert setting is not None
    assert setting.journals == ["jt"]
    assert setting.email_recipients == ["a@example.com"]


def test_an_ip_address_is_a_valid_sftp_host(session, shop):
    setting = save(session, shop, journals=["jt"], **{**SFTP, "sftp_host": "192.0.2.10"})
    assert setting.sftp_host == "192.0.2.10"
    setting = save(session, shop, sftp_host="[2001:db8::1]")
    assert setting.sftp_host == "2001:db8::1"


def test_an_sftp_destination_without_password_is_allowed(session, shop):
    changes = {key: value for key, value in SFTP.items() if key != "sftp_password"}
    setting = save(session, shop, journals=["jt"], **changes)
    assert setting.sftp_password_encrypted is None
