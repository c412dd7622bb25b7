"""Local folder delivery: a copy under a temporary name renamed over the final one."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import BinaryIO

import pytest

from pointage.report.delivery import local
from pointage.report.delivery.base import DeliveryError, LocalDestination, ReportInfo
from pointage.report.delivery.local import LocalChannel
from pointage.settings import Settings


def _journal(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "journal.csv"
    path.write_bytes(content)
    return path


def test_the_journal_is_copied_under_its_name(
    tmp_path: Path, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    (folder / "JT.csv").write_bytes(b"yesterday's copy")
    content = bytes(range(256)) * 5000

    LocalChannel().send(
        _journal(tmp_path, content),
        "JT.csv",
        report_info,
        LocalDestination(folder),
        delivery_settings,
    )

    assert [p.name for p in folder.iterdir()] == ["JT.csv"]
    assert (folder / "JT.csv").read_bytes() == content


def test_a_missing_folder_is_not_created(
    tmp_path: Path, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    folder = tmp_path / "unmounted-share"
    with pytest.raises(DeliveryError, match=f"the folder {folder} does not exist"):
        LocalChannel().send(
            _journal(tmp_path, b"rows"),
            "JT.csv",
            report_info,
            LocalDestination(folder),
            delivery_settings,
        )
    assert not folder.exists()


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "no space left on device"),
        (errno.EACCES, "permission denied"),
        (errno.EROFS, "read-only file system"),
        (errno.EIO, "could not write"),
    ],
)
def test_a_write_error_names_the_file_and_leaves_nothing_behind(
    tmp_path: Path,
    delivery_settings: Settings,
    report_info: ReportInfo,
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    reason: str,
) -> None:
    folder = tmp_path / "share"
    folder.mkdir()

    def half_written(source: BinaryIO, copy: BinaryIO) -> None:
        copy.write(source.read(10))
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(local, "_write", half_written)
    with pytest.raises(DeliveryError) as caught:
        LocalChannel().send(
            _journal(tmp_path, b"rows" * 100),
            "JT.csv",
            report_info,
            LocalDestination(folder),
            delivery_settings,
        )
    assert caught.value.reason.startswith(reason)
    assert str(folder / "JT.csv") in caught.value.reason
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through directory permissions")
def test_a_folder_without_write_permission(
    tmp_path: Path, delivery_settings: Settings, report_info: ReportInfo
) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(DeliveryError, match=f"permission denied writing {folder}/JT.csv"):
            LocalChannel().send(
                _journal(tmp_path, b"rows"),
                "JT.csv",
                report_info,
                LocalDestination(folder),
                delivery_settings,
            )
    finally:
        folder.chmod(0o755)
