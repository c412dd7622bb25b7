"""Local folder delivery: the journal copied into a folder of this machine (a share another
program collects from), under a hidden temporary name then renamed over the final one, so
that a reader sees the whole file or none of it.

The folder must exist: creating it would hide a share that is not mounted, and the files
would pile up on the local disk unseen.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from pathlib import Path
from typing import BinaryIO

from pointage.report.delivery.base import (
    DeliveryError,
    Destination,
    LocalDestination,
    ReportInfo,
    describe_os_error,
)
from pointage.settings import Settings

_REASONS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
}


class LocalChannel:
    def send(
        self,
        file: Path,
        filename: str,
        report: ReportInfo,
        destination: Destination,
        settings: Settings,
    ) -> str | None:
        if not isinstance(destination, LocalDestination):
            raise TypeError(f"a local delivery needs a LocalDestination, not {destination}")
        folder = destination.directory
        if not folder.is_dir():
            raise DeliveryError(f"the folder {folder} does not exist")
        target = folder / filename
        temporary = folder / f".{filename}.{secrets.token_hex(4)}.part"
        try:
            with file.open("rb") as source, temporary.open("wb") as copy:
                _write(source, copy)
                copy.flush()
                # On disk before the rename: a crash must not leave an empty final file.
                os.fsync(copy.fileno())
            os.replace(temporary, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            reason = _REASONS.get(exc.errno or 0)
            if reason is None:
                raise DeliveryError(f"could not write {target}: {describe_os_error(exc)}") from None
            raise DeliveryError(f"{reason} writing {target}") from None
        return None


def _write(source: BinaryIO, copy: BinaryIO) -> None:
    shutil.copyfileobj(source, copy, length=1024 * 1024)
