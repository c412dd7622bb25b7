"""Checks of the report settings' fields, one function per kind of value.

Each returns the value as it will be stored (trimmed, normalised) or raises InvalidInput
naming the field. Values come from JSON (the API, a settings file): their type is checked
too. A refused value is not repeated in the message when it may be a secret.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from email.utils import parseaddr
from pathlib import PurePosixPath
from typing import Any

from pointage.core.errors import InvalidInput
from pointage.formats.journals.model import JournalKind

MAX_RECIPIENTS = 20
# The usual address: dot-atoms of RFC 5322 on the left, a domain name on the right. Quoted
# local parts and address literals are legal but no mail service of a merchant needs them.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_TLD = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")
_USERNAME = re.compile(r"[A-Za-z0-9._@+-]{1,100}")


def _string(value: Any, param: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput("must be a string", param=param)
    return value


def text(value: Any, param: str) -> str:
    return _string(value, param).strip()


def optional_text(value: Any, param: str) -> str | None:
    """None for None or blank, else the trimmed string."""
    if value is None:
        return None
    return text(value, param) or None


def choice(value: Any, param: str, allowed: Iterable[str]) -> str:
    options = list(allowed)
    given = text(value, param).lower()
    if given not in options:
        raise InvalidInput(f"must be one of {', '.join(options)}", param=param)
    return given


def boolean(value: Any, param: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("must be true or false", param=param)
    return value


def _string_list(value: Any, param: str) -> list[str]:
    if not isinstance(value, list | tuple):
        raise InvalidInput("must be a list", param=param)
    return [text(item, param) for item in value]


def journals(value: Any) -> list[str]:
    """Known journal types, each once, in the order given."""
    known = {kind.value for kind in JournalKind}
    chosen: list[str] = []
    for name in _string_list(value, "journals"):
        kind = name.lower()
        if kind not in known:
            raise InvalidInput(f"unknown journal type {name!r}", param="journals")
        if kind not in chosen:
            chosen.append(kind)
    return chosen


def email_address(value: str) -> bool:
    """Whether `value` is a plain address (no name, no comment): local@domain.tld."""
    if len(value) > 254 or parseaddr(value)[1] != value:
        return False
    local, _, domain = value.rpartition("@")
    if not local or len(local) > 64 or not _LOCAL.fullmatch(local):
        return False
    labels = domain.split(".")
    return (
        len(labels) >= 2
        and all(_LABEL.fullmatch(label) for label in labels)
        and bool(_TLD.fullmatch(labels[-1]))
    )


def email_recipients(value: Any) -> list[str]:
    recipients: list[str] = []
    for position, address in enumerate(_string_list(value, "email_recipients"), start=1):
        if not email_address(address):
            raise InvalidInput(
                f"recipient {position} is not a valid e-mail address (name@example.com)",
                param="email_recipients",
            )
        if address.lower() not in (known.lower() for known in recipients):
            recipients.append(address)
    if len(recipients) > MAX_RECIPIENTS:
        raise InvalidInput(f"at most {MAX_RECIPIENTS} recipients", param="email_recipients")
    return recipients


def host(value: Any) -> str | None:
    """A host name or an IP address, or None for no SFTP destination."""
    name = optional_text(value, "sftp_host")
    if name is None:
        return None
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        pass
    labels = name.rstrip(".").split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidInput(
            "must be a host name or an IP address (no scheme, port or path)", param="sftp_host"
        )
    return name.rstrip(".").lower()


def port(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise InvalidInput("must be a whole number from 1 to 65535", param="sftp_port")
    return value


def username(value: Any) -> str | None:
    name = optional_text(value, "sftp_username")
    if name is not None and not _USERNAME.fullmatch(name):
        raise InvalidInput("must be 1 to 100 letters, digits or . _ @ + -", param="sftp_username")
    return name


def password(value: Any) -> str:
    secret = _string(value, "sftp_password")
    if not 1 <= len(secret) <= 200 or any(ord(char) < 32 for char in secret):
        raise InvalidInput(
            "must be 1 to 200 characters without control characters", param="sftp_password"
        )
    return secret


def host_key(value: Any) -> str | None:
    """The server's public key in OpenSSH format ("ssh-ed25519 AAAA… comment"), as it
    parses; stored without its comment."""
    line = optional_text(value, "sftp_host_key")
    if line is None:
        return None
    if "\n" in line or "\r" in line:
        raise InvalidInput("must be one line: the server's public key", param="sftp_host_key")
    # Imported here: asyncssh takes a while to load, and only this check needs it.
    import asyncssh

    try:
        key = asyncssh.import_public_key(line)
    except (asyncssh.KeyImportError, ValueError):
        raise InvalidInput(
            "must be a public key in OpenSSH format, as 'ssh-ed25519 AAAA…'",
            param="sftp_host_key",
        ) from None
    exported: bytes = key.export_public_key("openssh")
    algorithm, body = exported.decode().split()[:2]
    return f"{algorithm} {body}"


def posix_directory(value: Any, param: str) -> str | None:
    """An absolute POSIX folder without '..', trailing slash removed; None for none."""
    folder = optional_text(value, param)
    if folder is None:
        return None
    path = PurePosixPath(folder)
    if (
        not path.is_absolute()
        or ".." in path.parts
        or len(folder) > 500
        or any(ord(char) < 32 for char in folder)
    ):
        raise InvalidInput(
            "must be an absolute folder (starting with /), without '..'", param=param
        )
    return str(path)
