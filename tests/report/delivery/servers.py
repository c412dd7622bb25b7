"""Real servers for the delivery tests, on 127.0.0.1 and free ports: an SMTP server
(aiosmtpd) with STARTTLS and a login, an SFTP server (asyncssh) with a password, each in a
thread of its own with its own event loop, like a server in another process."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncssh
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SMTP_USER = "reports"
SMTP_PASSWORD = "smtp-secret-Pa55"
SFTP_USER = "acme"
SFTP_PASSWORD = "sftp-secret-W0rd"


def free_port() -> int:
    """A port nobody listens on, right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Certificate:
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this certificate (and checks the host name)."""
        return ssl.create_default_context(cafile=str(self.cert_file))


def make_certificate(folder: Path) -> Certificate:
    """A self-signed certificate for localhost and 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file = folder / "smtp-cert.pem"
    key_file = folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_file, key_file)


@dataclass
class Mailbox:
    """What the SMTP server received."""

    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        """The server's authenticator: one user, one password; every login tried is kept."""
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        self.logins.append(auth_data.login.decode())
        ok = auth_data.login.decode() == SMTP_USER and auth_data.password.decode() == SMTP_PASSWORD
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox


@contextlib.contextmanager
def smtp_server(
    certificate: Certificate | None, *, implicit_tls: bool = False
) -> Iterator[SmtpServer]:
    """STARTTLS offered (and required before AUTH and mail) with a certificate; none
    without; TLS from the first byte with `implicit_tls`."""
    mailbox = Mailbox()
    port = free_port()
    smtp_options: dict[str, Any] = {"authenticator": mailbox.authenticate}
    if certificate is not None and not implicit_tls:
        smtp_options.update(tls_context=certificate.server_context(), require_starttls=True)
    else:
        # No STARTTLS: aiosmtpd would otherwise refuse AUTH over a connection it thinks clear.
        smtp_options.update(auth_require_tls=False)
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=certificate.server_context() if implicit_tls and certificate else None,
        server_hostname="localhost",
        **smtp_options,
    )
    controller.start()
    try:
        yield SmtpServer(port, mailbox)
    finally:
        controller.stop()


@dataclass
class SftpServer:
    port: int
    root: Path
    host_key: str  # "ssh-ed25519 AAAA…", what a shop would configure
    operations: list[str]  # "open /inbox/x.part", "rename /inbox/x.part /inbox/x"


class _RecordingSftp(asyncssh.SFTPServer):
    """The standard SFTP server on a folder, noting the opens and renames it is asked for
    (the paths as the client sent them)."""

    def __init__(self, channel: Any, root: Path, operations: list[str]) -> None:
        super().__init__(channel, chroot=str(root))
        self._operations = operations

    def open(self, path: bytes, pflags: int, attrs: Any) -> Any:
        self._operations.append(f"open {self.reverse_map_path(self.map_path(path)).decode()}")
        return super().open(path, pflags, attrs)

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> Any:
        self._operations.append(f"rename {oldpath.decode()} {newpath.decode()}")
        return super().posix_rename(oldpath, newpath)


class _PasswordServer(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == SFTP_USER and password == SFTP_PASSWORD


def new_host_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


def public_line(key: asyncssh.SSHKey) -> str:
    return key.export_public_key("openssh").decode().strip()


@contextlib.contextmanager
def sftp_server(root: Path, host_key: asyncssh.SSHKey) -> Iterator[SftpServer]:
    """An SFTP server whose "/" is `root`, password login only."""
    operations: list[str] = []
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[host_key],
            server_factory=_PasswordServer,
            sftp_factory=lambda channel: _RecordingSftp(channel, root, operations),
        )

    async def stop(acceptor: asyncssh.SSHAcceptor) -> None:
        acceptor.close()
        await acceptor.wait_closed()

    acceptor = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    try:
        yield SftpServer(acceptor.get_port(), root, public_line(host_key), operations)
    finally:
        asyncio.run_coroutine_threadsafe(stop(acceptor), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
