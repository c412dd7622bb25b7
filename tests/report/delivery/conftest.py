"""Fixtures of the delivery tests: settings pointing at a temporary reports folder, a
self-signed certificate, an SSH host key, and the real servers of tests.report.delivery.servers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import asyncssh
import pytest

from pointage.report.delivery.base import ReportInfo
from pointage.settings import Settings
from tests.report.delivery.servers import (
    SMTP_PASSWORD,
    SMTP_USER,
    Certificate,
    SftpServer,
    SmtpServer,
    make_certificate,
    new_host_key,
    sftp_server,
    smtp_server,
)

NOW = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def host_key() -> asyncssh.SSHKey:
    return new_host_key()


@pytest.fixture
def delivery_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test database's settings with a reports folder, an SMTP login, short timeouts,
    and three attempts a minute apart, then two."""
    return settings.model_copy(
        update={
            "reports_dir": str(tmp_path / "reports"),
            "smtp_host": "127.0.0.1",
            "smtp_port": 25,  # replaced by the test server's port
            "smtp_username": SMTP_USER,
            "smtp_password": SMTP_PASSWORD,
            "smtp_from": "pointage@example.com",
            "delivery_timeout_seconds": 5,
            "delivery_max_attempts": 3,
            "delivery_backoff_seconds": 60,
        }
    )


@pytest.fixture
def smtp(certificate: Certificate) -> Iterator[SmtpServer]:
    with smtp_server(certificate) as server:
        yield server


@pytest.fixture
def sftp(tmp_path: Path, host_key: asyncssh.SSHKey) -> Iterator[SftpServer]:
    root = tmp_path / "sftp-root"
    (root / "inbox").mkdir(parents=True)
    with sftp_server(root, host_key) as server:
        yield server


@pytest.fixture
def report_info() -> ReportInfo:
    return ReportInfo(
        shop_label="Boutique Café",
        shop_id="12345678",
        journal="jt",
        period_start=date(2026, 3, 2),
        period_end=date(2026, 3, 2),
        format="csv",
        encoding="utf-8",
        row_count=1,
        sha256="0" * 64,
    )
