"""E-mail delivery against a real SMTP server: STARTTLS, login, the journal attached."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pointage.report.delivery import email as email_channel
from pointage.report.delivery.base import DeliveryError, EmailDestination, ReportInfo
from pointage.report.delivery.email import EmailChannel
from pointage.settings import Settings
from tests.report.delivery.servers import (
    SMTP_PASSWORD,
    Certificate,
    SmtpServer,
    free_port,
    smtp_server,
)

TO = EmailDestination(("compta@example.com", "boss@example.com"))


def _journal(tmp_path: Path, content: bytes, name: str = "JT_SHOP_12345678_260302.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _at(settings: Settings, port: int, **changes: object) -> Settings:
    return settings.model_copy(update={"smtp_port": port, **changes})


def test_the_journal_arrives_attached_after_starttls_and_login(
    tmp_path: Path,
    delivery_settings: Settings,
    smtp: SmtpServer,
    certificate: Certificate,
    report_info: ReportInfo,
) -> None:
    content = "TITRE;12345678\nTRANSACTION;Café crème\n".encode("iso-8859-15")
    info = replace(report_info, encoding="iso-8859-15", row_count=1234, sha256="ab" * 32)
    channel = EmailChannel(ssl_context=certificate.client_context())

    remark = channel.send(
        _journal(tmp_path, content),
        "JT_SHOP_12345678_260302.csv",
        info,
        TO,
        _at(delivery_settings, smtp.port),
    )

    assert remark is None
    [(sender, recipients, message)] = smtp.mailbox.messages
    assert sender == "pointage@example.com"
    assert recipients == list(TO.recipients)
    assert message["Subject"] == "JT Boutique Café (12345678) 2026-03-02"
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "transaction journal" in text
    assert "1234 lines" in text
    assert "ab" * 32 in text
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "JT_SHOP_12345678_260302.csv"
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_param("charset") == "iso-8859-15"
    assert attachment.get_payload(decode=True) == content


def test_an_xlsx_journal_has_the_spreadsheet_type(
    tmp_path: Path,
    delivery_settings: Settings,
    smtp: SmtpServer,
    certificate: Certificate,
    report_info: ReportInfo,
) -> None:
    content = b"PK\x03\x04 not really a workbook, but bytes all the same \x00\xff"
    info = replace(report_info, format="xlsx", journal="jrb")
    EmailChannel(ssl_context=certificate.client_context()).send(
        _journal(tmp_path, content, "JRB.xlsx"),
        "JRB_SHOP_12345678_260302.xlsx",
        info,
        TO,
        _at(delivery_settings, smtp.port),
    )

    [(_, _, message)] = smtp.mailbox.messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert attachment.get_filename() == "JRB_SHOP_12345678_260302.xlsx"
    assert attachment.get_payload(decode=True) == content
    assert message["Subject"].startswith("JRB ")


def test_a_refused_login_is_a_delivery_error_without_the_password(
    tmp_path: Path,
    delivery_settings: Settings,
    smtp: SmtpServer,
    certificate: Certificate,
    report_info: ReportInfo,
) -> None:
    settings = _at(delivery_settings, smtp.port, smtp_password="wrong-" + SMTP_PASSWORD)
    with pytest.raises(DeliveryError) as caught:
        EmailChannel(ssl_context=certificate.client_context()).send(
            _journal(tmp_path, b"x"), "JT.csv", report_info, TO, settings
        )
    assert f"SMTP server 127.0.0.1:{smtp.port} refused the login of reports: 535" in (
        caught.value.reason
    )
    assert SMTP_PASSWORD not in caught.value.reason
    assert smtp.mailbox.messages == []


def test_a_server_without_starttls_is_refused_when_starttls_is_required(
    tmp_path: Path, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    with smtp_server(None) as plain:
        with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
            EmailChannel().send(
                _journal(tmp_path, b"x"),
                "JT.csv",
                report_info,
                TO,
                _at(delivery_settings, plain.port),
            )
        assert plain.mailbox.messages == []


def test_the_password_is_never_sent_in_clear(
    tmp_path: Path, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    with smtp_server(None) as plain:
        settings = _at(delivery_settings, plain.port, smtp_starttls=False)
        with pytest.raises(DeliveryError, match="refusing to send the SMTP password in clear"):
            EmailChannel().send(_journal(tmp_path, b"x"), "JT.csv", report_info, TO, settings)
        assert plain.mailbox.logins == []
        assert plain.mailbox.messages == []


def test_without_login_nor_starttls_a_local_relay_is_used_as_is(
    tmp_path: Path, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    with smtp_server(None) as relay:
        settings = _at(
            delivery_settings, relay.port, smtp_starttls=False, smtp_username="", smtp_password=""
        )
        EmailChannel().send(_journal(tmp_path, b"rows"), "JT.csv", report_info, TO, settings)
        [(_, _, message)] = relay.mailbox.messages
        [attachment] = list(message.iter_attachments())
        assert attachment.get_payload(decode=True) == b"rows"


def test_an_unreachable_server_is_named_in_the_error(
    tmp_path: Path, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    port = free_port()
    with pytest.raises(DeliveryError) as caught:
        EmailChannel().send(
            _journal(tmp_path, b"x"), "JT.csv", report_info, TO, _at(delivery_settings, port)
        )
    assert caught.value.reason == (
        f"could not connect to SMTP server 127.0.0.1:{port}: Connection refused"
    )


def test_an_untrusted_certificate_is_refused(
    tmp_path: Path, delivery_settings: Settings, smtp: SmtpServer, report_info: ReportInfo
) -> None:
    # The default context trusts the system's authorities only, not the test's own.
    with pytest.raises(DeliveryError, match=r"TLS certificate of SMTP server .* not be verified"):
        EmailChannel().send(
            _journal(tmp_path, b"x"), "JT.csv", report_info, TO, _at(delivery_settings, smtp.port)
        )
    assert smtp.mailbox.messages == []


def test_a_private_authority_is_trusted_through_ssl_cert_file(
    tmp_path: Path,
    delivery_settings: Settings,
    smtp: SmtpServer,
    certificate: Certificate,
    report_info: ReportInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert_file))
    EmailChannel().send(
        _journal(tmp_path, b"rows"), "JT.csv", report_info, TO, _at(delivery_settings, smtp.port)
    )
    assert len(smtp.mailbox.messages) == 1


def test_port_465_speaks_tls_from_the_first_byte(
    tmp_path: Path,
    delivery_settings: Settings,
    certificate: Certificate,
    report_info: ReportInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with smtp_server(certificate, implicit_tls=True) as smtps:
        monkeypatch.setattr(email_channel, "IMPLICIT_TLS_PORT", smtps.port)
        EmailChannel(ssl_context=certificate.client_context()).send(
            _journal(tmp_path, b"rows"),
            "JT.csv",
            report_info,
            TO,
            _at(delivery_settings, smtps.port),
        )
        [(_, _, message)] = smtps.mailbox.messages
        [attachment] = list(message.iter_attachments())
        assert attachment.get_payload(decode=True) == b"rows"


def test_no_smtp_server_configured(
    tmp_path: Path, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    settings = delivery_settings.model_copy(update={"smtp_host": ""})
    with pytest.raises(DeliveryError, match=r"no SMTP server is configured"):
        EmailChannel().send(_journal(tmp_path, b"x"), "JT.csv", report_info, TO, settings)


def test_a_line_break_in_the_shop_name_stays_out_of_the_headers(
    tmp_path: Path, report_info: ReportInfo
) -> None:
    info = replace(report_info, shop_label="Evil\r\nBcc: victim@example.com")
    message = email_channel.build_message(
        _journal(tmp_path, b"x"), "JT.csv", info, TO, "pointage@example.com"
    )
    assert message["Bcc"] is None
    assert message["Subject"] == "JT Evil Bcc: victim@example.com (12345678) 2026-03-02"
