"""SFTP delivery against a real SFTP server: pinned host key, password login, atomic rename."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from pointage.report.delivery.base import DeliveryError, ReportInfo, SftpDestination
from pointage.report.delivery.sftp import SftpChannel, parse_host_key, run_coroutine
from pointage.settings import Settings
from tests.report.delivery.servers import (
    SFTP_PASSWORD,
    SFTP_USER,
    SftpServer,
    free_port,
    new_host_key,
    public_line,
)


def _to(server: SftpServer, **changes: object) -> SftpDestination:
    destination = SftpDestination(
        host="127.0.0.1",
        port=server.port,
        username=SFTP_USER,
        password=SFTP_PASSWORD,
        host_key=server.host_key,
        directory="/inbox",
    )
    return replace(destination, **changes)


def _journal(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "journal.csv"
    path.write_bytes(content)
    return path


def test_the_journal_is_uploaded_under_its_name(
    tmp_path: Path, sftp: SftpServer, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    content = "TITRE;12345678\nTRANSACTION;Crème brûlée\n".encode() * 1000
    SftpChannel().send(
        _journal(tmp_path, content), "JT_260302.csv", report_info, _to(sftp), delivery_settings
    )
    assert sorted(p.name for p in (sftp.root / "inbox").iterdir()) == ["JT_260302.csv"]
    assert (sftp.root / "inbox" / "JT_260302.csv").read_bytes() == content
    # Written under a temporary name, then renamed: a reader never sees half a file.
    assert sftp.operations == [
        "open /inbox/JT_260302.csv.part",
        "rename /inbox/JT_260302.csv.part /inbox/JT_260302.csv",
    ]


def test_a_second_upload_replaces_the_first(
    tmp_path: Path, sftp: SftpServer, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    (sftp.root / "inbox" / "JT_260302.csv").write_bytes(b"old")
    SftpChannel().send(
        _journal(tmp_path, b"new"), "JT_260302.csv", report_info, _to(sftp), delivery_settings
    )
    assert [p.name for p in (sftp.root / "inbox").iterdir()] == ["JT_260302.csv"]
    assert (sftp.root / "inbox" / "JT_260302.csv").read_bytes() == b"new"


def test_a_known_hosts_line_is_accepted_as_the_host_key(
    tmp_path: Path, sftp: SftpServer, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    destination = _to(sftp, host_key=f"[127.0.0.1]:{sftp.port} {sftp.host_key}")
    SftpChannel().send(
        _journal(tmp_path, b"rows"), "JT.csv", report_info, destination, delivery_settings
    )
    assert (sftp.root / "inbox" / "JT.csv").read_bytes() == b"rows"


def test_another_host_key_is_refused(
    tmp_path: Path, sftp: SftpServer, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    impostor = public_line(new_host_key())
    with pytest.raises(DeliveryError) as caught:
        SftpChannel().send(
            _journal(tmp_path, b"rows"),
            "JT.csv",
            report_info,
            _to(sftp, host_key=impostor),
            delivery_settings,
        )
    assert caught.value.reason == (
        f"SFTP host key of 127.0.0.1:{sftp.port} does not match the one configured"
    )
    assert list((sftp.root / "inbox").iterdir()) == []


def test_no_host_key_configured_means_no_connection(
    tmp_path: Path, sftp: SftpServer, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    with pytest.raises(DeliveryError, match="no host key is configured for SFTP server"):
        SftpChannel().send(
            _journal(tmp_path, b"rows"),
            "JT.csv",
            report_info,
            _to(sftp, host_key=None),
            delivery_settings,
        )
    assert list((sftp.root / "inbox").iterdir()) == []


def test_a_refused_login_names_the_user_not_the_password(
    tmp_path: Path, sftp: SftpServer, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    with pytest.raises(DeliveryError) as caught:
        SftpChannel().send(
            _journal(tmp_path, b"rows"),
            "JT.csv",
            report_info,
            _to(sftp, password="not-" + SFTP_PASSWORD),
            delivery_settings,
        )
    assert caught.value.reason == f"SFTP server 127.0.0.1:{sftp.port} refused the login of acme"


def test_an_unreachable_server(
    tmp_path: Path, sftp: SftpServer, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    port = free_port()
    with pytest.raises(DeliveryError) as caught:
        SftpChannel().send(
            _journal(tmp_path, b"rows"),
            "JT.csv",
            report_info,
            _to(sftp, port=port),
            delivery_settings,
        )
    assert caught.value.reason.startswith(f"could not connect to SFTP server 127.0.0.1:{port}")


def test_a_missing_remote_folder_is_named(
    tmp_path: Path, sftp: SftpServer, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    with pytest.raises(DeliveryError) as caught:
        SftpChannel().send(
            _journal(tmp_path, b"rows"),
            "JT.csv",
            report_info,
            _to(sftp, directory="/outbox"),
            delivery_settings,
        )
    assert caught.value.reason.startswith(
        f"SFTP server 127.0.0.1:{sftp.port} refused writing /outbox/JT.csv.part:"
    )


def test_the_upload_works_from_inside_a_running_event_loop(
    tmp_path: Path, sftp: SftpServer, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    async def from_a_coroutine() -> None:
        SftpChannel().send(
            _journal(tmp_path, b"rows"), "JT.csv", report_info, _to(sftp), delivery_settings
        )

    asyncio.run(from_a_coroutine())
    assert (sftp.root / "inbox" / "JT.csv").read_bytes() == b"rows"


def test_run_coroutine_returns_the_result_with_and_without_a_loop() -> None:
    async def answer() -> int:
        return 42

    async def nested() -> int:
        return run_coroutine(answer)

    assert run_coroutine(answer) == 42
    assert asyncio.run(nested()) == 42


@pytest.mark.parametrize("text", ["", "not a key", "ssh-ed25519 AAAAnot-base64!"])
def test_a_host_key_that_is_not_a_key_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an SSH public key"):
        parse_host_key(text)
