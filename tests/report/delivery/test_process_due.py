"""Trying due deliveries: real servers, the delivery log, retries with backoff, re-sends."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.keys import encrypt_key
from pointage.report.delivery.base import (
    DeliveryChannel,
    Destination,
    MemoryChannel,
    ReportInfo,
)
from pointage.report.delivery.service import CLAIM_LEASE, process_due, schedule_deliveries
from pointage.report.models import DeliveryStatus
from pointage.settings import Settings
from tests.factories import IBAN_BANK_A, IBAN_BANK_B
from tests.report.delivery.builders import Built, attempts, deliveries, make_report
from tests.report.delivery.conftest import NOW
from tests.report.delivery.servers import (
    SFTP_PASSWORD,
    SFTP_USER,
    Certificate,
    SftpServer,
    SmtpServer,
    free_port,
)

MINUTE = timedelta(minutes=1)


def _scheduled(session: Session, settings: Settings, **setting_fields: object) -> Built:
    built = make_report(session, settings, **setting_fields)
    schedule_deliveries(session, built.report, built.setting, requested_by="batch")
    session.commit()
    return built


def test_every_channel_delivers_and_the_log_says_so(
    session: Session,
    session_factory: sessionmaker[Session],
    delivery_settings: Settings,
    smtp: SmtpServer,
    sftp: SftpServer,
    certificate: Certificate,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The real channels, as `pointage serve` builds them; the SMTP server's certificate is
    # trusted the way an operator trusts a private authority.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert_file))
    settings = delivery_settings.model_copy(update={"smtp_port": smtp.port})
    share = tmp_path / "share"
    share.mkdir()
    built = _scheduled(
        session,
        settings,
        email_recipients=["compta@example.com"],
        sftp_host="127.0.0.1",
        sftp_port=sftp.port,
        sftp_username=SFTP_USER,
        sftp_password=SFTP_PASSWORD,
        sftp_host_key=sftp.host_key,
        sftp_directory="/inbox",
        local_directory=str(share),
    )
    content = built.file.read_bytes()
    name = built.report.filename

    summary = process_due(session_factory, settings, now=NOW)

    assert (summary.delivered, summary.retrying, summary.failed) == (3, 0, 0)
    [(_, _, message)] = smtp.mailbox.messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_payload(decode=True) == content
    assert attachment.get_filename() == name
    assert (sftp.root / "inbox" / name).read_bytes() == content
    assert (share / name).read_bytes() == content
    for delivery in deliveries(session_factory):
        assert delivery.status == DeliveryStatus.DELIVERED.value
        assert delivery.attempts == 1
        assert delivery.delivered_at is not None and delivery.delivered_at >= NOW
        assert delivery.next_attempt_at is None and delivery.last_error is None
        [attempt] = attempts(session_factory, delivery.id)
        assert attempt.ok and attempt.error is None and attempt.at == delivery.delivered_at


def test_a_delivered_report_is_not_sent_again(
    session: Session,
    session_factory: sessionmaker[Session],
    delivery_settings: Settings,
    tmp_path: Path,
) -> None:
    channel = MemoryChannel()
    _scheduled(session, delivery_settings, local_directory=str(tmp_path))
    assert process_due(session_factory, delivery_settings, now=NOW, channels={"local": channel})

    later = process_due(
        session_factory,
        delivery_settings,
        now=NOW + timedelta(days=30),
        channels={"local": channel},
    )

    assert later.attempted == 0
    assert len(channel.sent) == 1


def test_failures_are_retried_with_backoff_then_given_up(
    session: Session,
    session_factory: sessionmaker[Session],
    delivery_settings: Settings,
    tmp_path: Path,
) -> None:
    port = free_port()  # nobody listens there
    settings = delivery_settings.model_copy(update={"smtp_port": port})
    share = tmp_path / "share"
    share.mkdir()
    _scheduled(
        session, settings, email_recipients=["compta@example.com"], local_directory=str(share)
    )

    first = process_due(session_factory, settings, now=NOW)

    # The local copy is not held up by the unreachable mail server.
    assert (first.delivered, first.retrying, first.failed) == (1, 1, 0)
    reason = f"could not connect to SMTP server 127.0.0.1:{port}: Connection refused"
    email = next(d for d in deliveries(session_factory) if d.channel == "email")
    assert first.errors == [f"delivery {email.id} (email, JT 12345678 2026-03-02): {reason}"]
    assert (email.status, email.attempts, email.last_error) == ("pending", 1, reason)
    assert email.next_attempt_at is not None
    assert NOW + MINUTE <= email.next_attempt_at < NOW + MINUTE + timedelta(seconds=10)

    # Not due yet: nothing is tried.
    assert process_due(session_factory, settings, now=NOW + MINUTE / 2).attempted == 0

    second = process_due(session_factory, settings, now=email.next_attempt_at)
    assert (second.retrying, second.failed) == (1, 0)
    email = next(d for d in deliveries(session_factory) if d.channel == "email")
    assert email.attempts == 2
    assert email.next_attempt_at is not None
    # The wait doubles: two minutes after the second attempt.
    wait = email.next_attempt_at - (NOW + MINUTE)
    assert 2 * MINUTE <= wait < 2 * MINUTE + timedelta(seconds=10)

    third = process_due(session_factory, settings, now=email.next_attempt_at)
    assert (third.delivered, third.retrying, third.failed) == (0, 0, 1)
    email = next(d for d in deliveries(session_factory) if d.channel == "email")
    assert (email.status, email.attempts, email.next_attempt_at) == ("failed", 3, None)
    assert email.delivered_at is None
    log = attempts(session_factory, email.id)
    assert [(a.ok, a.error) for a in log] == [(False, reason)] * 3

    # Given up: never tried again by the schedule.
    assert process_due(session_factory, settings, now=NOW + timedelta(days=7)).attempted == 0


def test_a_corrected_password_is_used_by_the_next_attempt(
    session: Session,
    session_factory: sessionmaker[Session],
    delivery_settings: Settings,
    sftp: SftpServer,
) -> None:
    built = _scheduled(
        session,
        delivery_settings,
        sftp_host="127.0.0.1",
        sftp_port=sftp.port,
        sftp_username=SFTP_USER,
        sftp_password="typo-" + SFTP_PASSWORD,
        sftp_host_key=sftp.host_key,
        sftp_directory="/inbox",
    )
    refused = process_due(session_factory, delivery_settings, now=NOW)
    assert refused.retrying == 1
    assert refused.errors[0].endswith(
        f"SFTP server 127.0.0.1:{sftp.port} refused the login of acme"
    )
    assert not any(SFTP_PASSWORD in error for error in refused.errors)

    built.setting.sftp_password_encrypted = encrypt_key(SFTP_PASSWORD, delivery_settings.secret_key)
    session.commit()
    retried = process_due(session_factory, delivery_settings, now=NOW + timedelta(hours=1))

    assert retried.delivered == 1
    assert (sftp.root / "inbox" / built.report.filename).read_bytes() == built.file.read_bytes()
    [delivery] = deliveries(session_factory)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 2, None)
    assert [a.ok for a in attempts(session_factory, delivery.id)] == [False, True]


def test_a_re_send_delivers_again_with_the_next_sequence(
    session: Session,
    session_factory: sessionmaker[Session],
    delivery_settings: Settings,
    tmp_path: Path,
) -> None:
    channel = MemoryChannel()
    built = _scheduled(session, delivery_settings, local_directory=str(tmp_path))
    process_due(session_factory, delivery_settings, now=NOW, channels={"local": channel})

    [resent] = schedule_deliveries(
        session, built.report, built.setting, requested_by="alice", resend=True
    )
    session.commit()
    summary = process_due(
        session_factory, delivery_settings, now=NOW + MINUTE, channels={"local": channel}
    )

    assert summary.delivered == 1
    assert len(channel.sent) == 2
    assert channel.sent[1].content == built.file.read_bytes()
    assert [(d.sequence, d.status, d.requested_by) for d in deliveries(session_factory)] == [
        (0, "delivered", "batch"),
        (1, "delivered", "alice"),
    ]
    assert resent.sequence == 1


def test_a_report_file_changed_since_generation_is_not_sent(
    session: Session,
    session_factory: sessionmaker[Session],
    delivery_settings: Settings,
    tmp_path: Path,
) -> None:
    channel = MemoryChannel()
    built = _scheduled(session, delivery_settings, local_directory=str(tmp_path))
    built.file.write_bytes(b"tampered")

    summary = process_due(session_factory, delivery_settings, now=NOW, channels={"local": channel})

    assert channel.sent == []
    assert summary.errors[0].endswith(
        f"the report file {built.file} changed since it was generated"
    )


def test_a_password_encrypted_under_another_secret_is_explained(
    session: Session,
    session_factory: sessionmaker[Session],
    delivery_settings: Settings,
) -> None:
    channel = MemoryChannel()
    built = make_report(
        session,
        delivery_settings,
        sftp_host="sftp.example.com",
        sftp_username="acme",
        sftp_host_key="ssh-ed25519 AAAA",
    )
    built.setting.sftp_password_encrypted = encrypt_key("pw", "a-previous-secret-key-" + "x" * 20)
    schedule_deliveries(session, built.report, built.setting, requested_by="batch")
    session.commit()

    summary = process_due(session_factory, delivery_settings, now=NOW, channels={"sftp": channel})

    assert channel.sent == []
    assert (
        "the SFTP password cannot be decrypted with the current secret key" in (summary.errors[0])
    )


class _Broken:
    """A channel with a defect: it raises something that is not a DeliveryError, with the
    password in its message."""

    def send(
        self,
        file: Path,
        filename: str,
        report: ReportInfo,
        destination: Destination,
        settings: Settings,
    ) -> str | None:
        raise RuntimeError(f"bug while using {settings.smtp_password}")


def test_a_defect_in_one_channel_does_not_stop_the_others(
    session: Session,
    session_factory: sessionmaker[Session],
    delivery_settings: Settings,
    tmp_path: Path,
) -> None:
    working = MemoryChannel()
    _scheduled(
        session,
        delivery_settings,
        email_recipients=["compta@example.com"],
        local_directory=str(tmp_path),
    )

    summary = process_due(
        session_factory,
        delivery_settings,
        now=NOW,
        channels={"email": _Broken(), "local": working},
    )

    assert (summary.delivered, summary.retrying) == (1, 1)
    assert len(working.sent) == 1
    email = next(d for d in deliveries(session_factory) if d.channel == "email")
    assert email.last_error == "unexpected error: RuntimeError: bug while using ***"


class _Interrupted:
    def send(
        self,
        file: Path,
        filename: str,
        report: ReportInfo,
        destination: Destination,
        settings: Settings,
    ) -> str | None:
        raise KeyboardInterrupt


def test_a_delivery_whose_worker_died_is_tried_again_after_the_lease(
    session: Session,
    session_factory: sessionmaker[Session],
    delivery_settings: Settings,
    tmp_path: Path,
) -> None:
    _scheduled(session, delivery_settings, local_directory=str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        process_due(session_factory, delivery_settings, now=NOW, channels={"local": _Interrupted()})

    channel = MemoryChannel()
    soon = process_due(
        session_factory, delivery_settings, now=NOW + MINUTE, channels={"local": channel}
    )
    assert soon.attempted == 0
    after = process_due(
        session_factory, delivery_settings, now=NOW + CLAIM_LEASE, channels={"local": channel}
    )
    assert after.delivered == 1
    assert len(channel.sent) == 1


class _Slow(MemoryChannel):
    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def send(
        self,
        file: Path,
        filename: str,
        report: ReportInfo,
        destination: Destination,
        settings: Settings,
    ) -> str | None:
        threading.Event().wait(0.05)  # long enough for the other worker to look for work
        with self.lock:
            return super().send(file, filename, report, destination, settings)


def test_two_workers_never_send_the_same_delivery(
    session: Session,
    session_factory: sessionmaker[Session],
    delivery_settings: Settings,
    tmp_path: Path,
) -> None:
    for number, iban in enumerate([IBAN_BANK_A, IBAN_BANK_B]):
        built = make_report(
            session,
            delivery_settings,
            shop_id=f"1000000{number}",
            iban=iban,
            email_recipients=["a@example.com"],
            local_directory=str(tmp_path),
        )
        schedule_deliveries(session, built.report, built.setting, requested_by="batch")
    session.commit()
    channel = _Slow()
    channels: dict[str, DeliveryChannel] = {"email": channel, "local": channel}

    workers = [
        threading.Thread(
            target=process_due,
            args=(session_factory, delivery_settings),
            kwargs={"now": NOW, "channels": channels},
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert len(channel.sent) == 4
    assert {d.status for d in deliveries(session_factory)} == {"delivered"}
    assert all(d.attempts == 1 for d in deliveries(session_factory))
