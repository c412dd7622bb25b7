"""Scheduling deliveries: one per configured channel, once per report, re-sends numbered."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from pointage.report.delivery.service import schedule_deliveries
from pointage.report.models import DeliveryStatus
from pointage.settings import Settings
from tests.factories import IBAN_BANK_B
from tests.report.delivery.builders import make_report

ALL_CHANNELS = {
    "email_recipients": ["compta@example.com", "boss@example.com"],
    "sftp_host": "sftp.example.com",
    "sftp_port": 2222,
    "sftp_username": "acme",
    "sftp_password": "secret-sftp-password",
    "sftp_directory": "/inbox/",
    "local_directory": "/srv/reports",
}


def test_one_pending_delivery_per_configured_channel(
    session: Session, delivery_settings: Settings
) -> None:
    built = make_report(session, delivery_settings, **ALL_CHANNELS)

    deliveries = schedule_deliveries(session, built.report, built.setting, requested_by="batch")

    assert [(d.channel, d.sequence, d.status) for d in deliveries] == [
        ("email", 0, DeliveryStatus.PENDING.value),
        ("sftp", 0, DeliveryStatus.PENDING.value),
        ("local", 0, DeliveryStatus.PENDING.value),
    ]
    assert [d.destination for d in deliveries] == [
        "compta@example.com, boss@example.com",
        "sftp://acme@sftp.example.com:2222/inbox",
        "/srv/reports",
    ]
    assert all(d.attempts == 0 and d.next_attempt_at is None for d in deliveries)
    assert all(d.requested_by == "batch" for d in deliveries)
    assert not any("secret-sftp-password" in d.destination for d in deliveries)


def test_only_the_channels_filled_in(session: Session, delivery_settings: Settings) -> None:
    built = make_report(session, delivery_settings, local_directory="/srv/reports")
    deliveries = schedule_deliveries(session, built.report, built.setting, requested_by="batch")
    assert [d.channel for d in deliveries] == ["local"]


def test_no_channel_no_delivery(session: Session, delivery_settings: Settings) -> None:
    built = make_report(session, delivery_settings)
    assert schedule_deliveries(session, built.report, built.setting, requested_by="batch") == []


def test_scheduling_the_same_report_again_changes_nothing(
    session: Session, delivery_settings: Settings
) -> None:
    built = make_report(session, delivery_settings, **ALL_CHANNELS)
    first = schedule_deliveries(session, built.report, built.setting, requested_by="batch")
    session.commit()

    again = schedule_deliveries(session, built.report, built.setting, requested_by="someone")

    assert [d.id for d in again] == [d.id for d in first]
    assert all(d.requested_by == "batch" for d in again)


def test_a_re_send_takes_the_next_sequence_of_each_channel(
    session: Session, delivery_settings: Settings
) -> None:
    built = make_report(
        session, delivery_settings, email_recipients=["a@example.com"], local_directory="/x"
    )
    scheduled = schedule_deliveries(session, built.report, built.setting, requested_by="batch")

    first = schedule_deliveries(
        session, built.report, built.setting, requested_by="alice", resend=True
    )
    second = schedule_deliveries(
        session, built.report, built.setting, requested_by="bob", resend=True
    )

    assert [d.sequence for d in scheduled] == [0, 0]
    assert [(d.channel, d.sequence, d.requested_by) for d in first + second] == [
        ("email", 1, "alice"),
        ("local", 1, "alice"),
        ("email", 2, "bob"),
        ("local", 2, "bob"),
    ]
    assert len({d.id for d in scheduled + first + second}) == 6


def test_a_re_send_on_a_channel_added_later_is_still_a_re_send(
    session: Session, delivery_settings: Settings, tmp_path: Path
) -> None:
    built = make_report(session, delivery_settings, email_recipients=["a@example.com"])
    schedule_deliveries(session, built.report, built.setting, requested_by="batch")
    built.setting.local_directory = str(tmp_path)

    resent = schedule_deliveries(
        session, built.report, built.setting, requested_by="alice", resend=True
    )

    assert [(d.channel, d.sequence) for d in resent] == [("email", 1), ("local", 1)]


def test_settings_of_another_shop_are_refused(
    session: Session, delivery_settings: Settings
) -> None:
    mine = make_report(session, delivery_settings, local_directory="/x")
    other = make_report(
        session, delivery_settings, shop_id="87654321", iban=IBAN_BANK_B, local_directory="/y"
    )
    with pytest.raises(ValueError, match="different shops"):
        schedule_deliveries(session, mine.report, other.setting, requested_by="batch")
