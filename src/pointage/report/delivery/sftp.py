"""SFTP delivery: the journal uploaded to the shop's server, under a temporary name then
renamed, so that a program watching the folder never reads half a file.

The server must present the host key configured in the shop's report settings: an unknown
or different key is refused, never learnt (a first connection that trusts whatever answers
is exactly what a man in the middle needs). Authentication is by password only; the
client's own keys, agent and ~/.ssh/config are not used, so that what a delivery does
depends on the shop's settings alone, not on the account Pointage runs under.
"""

from __future__ import annotations

import asyncio
import contextlib
import posixpath
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncssh

from pointage.report.delivery.base import (
    DeliveryError,
    Destination,
    ReportInfo,
    SftpDestination,
    describe_os_error,
    redact,
)
from pointage.settings import Settings

T = TypeVar("T")


def parse_host_key(text: str) -> asyncssh.SSHKey:
    """The public key of "ssh-ed25519 AAAA… [comment]", also accepted as a known_hosts line
    ("host ssh-ed25519 AAAA…"); ValueError with a sentence when it is neither."""
    text = text.strip()
    candidates = [text]
    host, _, rest = text.partition(" ")
    if rest and not host.startswith(("ssh-", "ecdsa-", "sk-")):
        candidates.append(rest.strip())
    for candidate in candidates:
        try:
            return asyncssh.import_public_key(candidate)
        except (asyncssh.KeyImportError, ValueError):
            continue
    raise ValueError(
        "the SFTP host key is not an SSH public key: expected a line such as "
        '"ssh-ed25519 AAAA…" (the server\'s /etc/ssh/ssh_host_ed25519_key.pub)'
    )


def run_coroutine(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from synchronous code: in this thread when no event
    loop runs here, otherwise in a worker thread with its own loop (a running loop cannot
    be re-entered)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


class SftpChannel:
    def send(
        self,
        file: Path,
        filename: str,
        report: ReportInfo,
        destination: Destination,
        settings: Settings,
    ) -> str | None:
        if not isinstance(destination, SftpDestination):
            raise TypeError(f"an SFTP delivery needs an SftpDestination, not {destination}")
        server = f"{destination.host}:{destination.port}"
        if not destination.host_key:
            raise DeliveryError(
                f"no host key is configured for SFTP server {server}: Pointage does not "
                "connect to a server it cannot recognise"
            )
        try:
            host_key = parse_host_key(destination.host_key)
        except ValueError as exc:
            raise DeliveryError(str(exc)) from None
        remote = posixpath.join(destination.directory or ".", filename)
        timeout = settings.delivery_timeout_seconds
        try:
            run_coroutine(lambda: _upload(file, remote, destination, host_key, timeout))
        except DeliveryError as exc:
            raise DeliveryError(redact(exc.reason, destination.password)) from None
        except (asyncssh.Error, OSError) as exc:
            reason = _reason(exc, server, destination, timeout)
            raise DeliveryError(redact(reason, destination.password)) from None
        return None


async def _upload(
    file: Path,
    remote: str,
    destination: SftpDestination,
    host_key: asyncssh.SSHKey,
    timeout: int,
) -> None:
    partial = f"{remote}.part"
    async with (
        asyncssh.connect(
            destination.host,
            destination.port,
            username=destination.username,
            password=destination.password,
            known_hosts=([host_key], [], []),
            client_keys=None,
            agent_path=None,
            config=[],
            connect_timeout=timeout,
            login_timeout=timeout,
        ) as connection,
        connection.start_sftp_client() as sftp,
    ):
        try:
            await sftp.put(str(file), partial)
        except asyncssh.SFTPError as exc:
            await _remove_quietly(sftp, partial)
            raise DeliveryError(
                f"SFTP server {destination.host}:{destination.port} refused writing "
                f"{partial}: {exc.reason}"
            ) from None
        try:
            await _replace(sftp, partial, remote)
        except asyncssh.SFTPError as exc:
            await _remove_quietly(sftp, partial)
            raise DeliveryError(
                f"SFTP server {destination.host}:{destination.port} refused renaming "
                f"{partial} to {remote}: {exc.reason}"
            ) from None


async def _replace(sftp: asyncssh.SFTPClient, source: str, target: str) -> None:
    """Rename over an existing file (a re-send): the POSIX rename extension when the server
    has it (OpenSSH does), otherwise remove then rename."""
    try:
        await sftp.posix_rename(source, target)
    except asyncssh.SFTPOpUnsupported:
        if await sftp.exists(target):
            await sftp.remove(target)
        await sftp.rename(source, target)


async def _remove_quietly(sftp: asyncssh.SFTPClient, path: str) -> None:
    # Best effort: the connection may be what failed.
    with contextlib.suppress(asyncssh.Error, OSError):
        await sftp.remove(path)


def _reason(exc: BaseException, server: str, destination: SftpDestination, timeout: int) -> str:
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return f"SFTP host key of {server} does not match the one configured"
    if isinstance(exc, asyncssh.PermissionDenied):
        return f"SFTP server {server} refused the login of {destination.username}"
    if isinstance(exc, asyncssh.DisconnectError):
        return f"SFTP server {server} closed the connection: {exc.reason}"
    if isinstance(exc, asyncssh.SFTPError):
        return f"SFTP server {server}: {exc.reason}"
    if isinstance(exc, asyncssh.Error):
        return f"SFTP server {server}: {exc}"
    if isinstance(exc, TimeoutError):
        return f"SFTP server {server} did not answer within {timeout} s"
    if isinstance(exc, OSError):
        return f"could not connect to SFTP server {server}: {describe_os_error(exc)}"
    return f"SFTP server {server}: {exc}"
