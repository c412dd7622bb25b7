"""The contract every delivery channel keeps, checked against each one: the bytes arrive
unchanged under the name given, and a second send of the same name replaces nothing
silently (it arrives again)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

from pointage.report.delivery.base import (
    DeliveryChannel,
    Destination,
    EmailDestination,
    LocalDestination,
    MemoryChannel,
    ReportInfo,
    SftpDestination,
)
from pointage.report.delivery.email import EmailChannel
from pointage.report.delivery.local import LocalChannel
from pointage.report.delivery.sftp import SftpChannel
from pointage.settings import Settings
from tests.report.delivery.servers import (
    SFTP_PASSWORD,
    SFTP_USER,
    Certificate,
    sftp_server,
    smtp_server,
)


@dataclass
class Setup:
    channel: DeliveryChannel
    destination: Destination
    settings: Settings
    arrived: Callable[[str], list[bytes]]  # what arrived under a name, oldest first


@pytest.fixture(params=["memory", "local", "email", "sftp"])
def setup(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    delivery_settings: Settings,
    certificate: Certificate,
    host_key: asyncssh.SSHKey,
) -> Iterator[Setup]:
    kind = request.param
    if kind == "memory":
        memory = MemoryChannel()
        yield Setup(
            memory,
            LocalDestination(tmp_path),
            delivery_settings,
            lambda name: [s.content for s in memory.sent if s.filename == name],
        )
    elif kind == "local":
        folder = tmp_path / "share"
        folder.mkdir()
        yield Setup(
            LocalChannel(),
            LocalDestination(folder),
            delivery_settings,
            lambda name: [(folder / name).read_bytes()] if (folder / name).exists() else [],
        )
    elif kind == "email":
        with smtp_server(certificate) as smtp:

            def received(name: str) -> list[bytes]:
                found = []
                for _, _, message in smtp.mailbox.messages:
                    for part in message.iter_attachments():
                        if part.get_filename() == name:
                            found.append(part.get_payload(decode=True))
                return found

            yield Setup(
                EmailChannel(ssl_context=certificate.client_context()),
                EmailDestination(("compta@example.com",)),
                delivery_settings.model_copy(update={"smtp_port": smtp.port}),
                received,
            )
    else:
        root = tmp_path / "sftp-root"
        root.mkdir()
        with sftp_server(root, host_key) as server:
            yield Setup(
                SftpChannel(),
                SftpDestination(
                    "127.0.0.1", server.port, SFTP_USER, SFTP_PASSWORD, server.host_key, "/"
                ),
                delivery_settings,
                lambda name: [(root / name).read_bytes()] if (root / name).exists() else [],
            )


def test_the_bytes_arrive_unchanged_under_the_name_given(
    setup: Setup, tmp_path: Path, report_info: ReportInfo
) -> None:
    content = "TITRE;12345678\nTRANSACTION;Crème\n".encode() + bytes(range(256))
    file = tmp_path / "stored-under-another-name.bin"
    file.write_bytes(content)

    setup.channel.send(
        file, "JT_SHOP_12345678_260302.csv", report_info, setup.destination, setup.settings
    )

    assert setup.arrived("JT_SHOP_12345678_260302.csv")[-1] == content


def test_a_second_send_arrives_again(setup: Setup, tmp_path: Path, report_info: ReportInfo) -> None:
    file = tmp_path / "journal.csv"
    file.write_bytes(b"first")
    setup.channel.send(file, "JT.csv", report_info, setup.destination, setup.settings)
    file.write_bytes(b"second")

    setup.channel.send(file, "JT.csv", report_info, setup.destination, setup.settings)

    assert setup.arrived("JT.csv")[-1] == b"second"
