"""The report settings form of the back office (`/reports/settings`): the fields as typed, each
checked by the report settings' own checks (report.service.checks) with a message next to the
field at fault, and the changes `report.service.settings.save_settings` takes.

The SFTP password is write-only: left empty it is kept, "remove" removes it. The local folder
is set by the operator of the server and only shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pointage.core.errors import InvalidInput
from pointage.formats.journals.model import JournalKind
from pointage.report.models import Frequency, ReportFormat
from pointage.report.service import checks
from pointage.report.service.naming import check_pattern
from pointage.report.service.settings import ENCODINGS, SettingsView
from pointage.web.i18n import N_

JOURNAL_CHOICES = tuple(kind.value for kind in JournalKind)
FREQUENCY_CHOICES = tuple(item.value for item in Frequency)
FORMAT_CHOICES = tuple(item.value for item in ReportFormat)
ENCODING_CHOICES = ENCODINGS

JOURNAL_LABELS = {
    "jt": N_("Transactions journal (JT)"),
    "jo": N_("Operations journal (JO)"),
    "jrb": N_("Bank reconciliation journal (JRB)"),
    "jri": N_("Chargebacks journal (JRI)"),
    "remittances": N_("Remittance tracking"),
}
FREQUENCY_LABELS = {
    "daily": N_("Every day"),
    "weekly": N_("Every week (Monday to Sunday)"),
    "monthly": N_("Every month"),
    "none": N_("Never: on demand only"),
}
FORMAT_LABELS = {"csv": N_("CSV"), "xlsx": N_("Excel (XLSX)")}
ENCODING_LABELS = {"utf-8": N_("UTF-8"), "iso-8859-15": N_("ISO-8859-15 (Latin-9)")}

# The message of each field's error, in English; translated where shown.
FIELD_ERRORS = {
    "journals": N_("Choose journals from the list."),
    "frequency": N_("Choose a value from the list."),
    "format": N_("Choose a value from the list."),
    "encoding": N_("Choose a value from the list."),
    "filename_pattern": N_(
        "Write a file name with {period} and {ext}, using only the fields {journal}, {shop}, "
        "{shop_id}, {period}, {ext}, letters, digits, spaces, _, - and dots."
    ),
    "email_recipients": N_("Enter valid e-mail addresses, one per line, at most 20."),
    "sftp_host": N_("Enter a host name or an IP address, without scheme, port or path."),
    "sftp_port": N_("Enter a whole number from 1 to 65535."),
    "sftp_username": N_("Enter 1 to 100 letters, digits or the signs . _ @ + -"),
    "sftp_password": N_("Enter 1 to 200 characters without control characters."),
    "sftp_host_key": N_("Enter the server public key in OpenSSH format (ssh-ed25519 AAAA…)."),
    "sftp_directory": N_("Enter an absolute folder, starting with /, without “..”."),
}
NEEDED = N_("An SFTP destination needs this field.")
HOST_NEEDED = N_("Enter the SFTP host, or leave the other SFTP fields empty.")
_SEPARATORS = re.compile(r"[\s,;]+")

_CHECKS: dict[str, Callable[[Any], Any]] = {
    "journals": checks.journals,
    "frequency": lambda value: checks.choice(value, "frequency", FREQUENCY_CHOICES),
    "format": lambda value: checks.choice(value, "format", FORMAT_CHOICES),
    "encoding": lambda value: checks.choice(value, "encoding", ENCODING_CHOICES),
    "send_empty": lambda value: checks.boolean(value, "send_empty"),
    "filename_pattern": lambda value: check_pattern(checks.text(value, "filename_pattern")),
    "email_recipients": checks.email_recipients,
    "sftp_host": checks.host,
    "sftp_port": checks.port,
    "sftp_username": checks.username,
    "sftp_host_key": checks.host_key,
    "sftp_directory": lambda value: checks.posix_directory(value, "sftp_directory"),
}


@dataclass
class SettingsForm:
    """What the page shows in the fields (as typed, or as stored), the error message of
    each field at fault (English, translated where shown), and the changes to store."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Posted:
    """The fields of the form as the browser sent them."""

    journals: list[str]
    frequency: str
    format: str
    encoding: str
    send_empty: bool
    filename_pattern: str
    email_recipients: str
    sftp_host: str
    sftp_port: str
    sftp_username: str
    sftp_password: str
    sftp_password_remove: bool
    sftp_host_key: str
    sftp_directory: str


def shown(view: SettingsView) -> SettingsForm:
    """The stored settings, as the form's fields show them."""
    return SettingsForm(
        {
            "journals": list(view.journals),
            "frequency": view.frequency,
            "format": view.format,
            "encoding": view.encoding,
            "send_empty": view.send_empty,
            "filename_pattern": view.filename_pattern,
            "email_recipients": "\n".join(view.email_recipients),
            "sftp_host": view.sftp_host or "",
            "sftp_port": str(view.sftp_port),
            "sftp_username": view.sftp_username or "",
            "sftp_host_key": view.sftp_host_key or "",
            "sftp_directory": view.sftp_directory or "",
        }
    )


def read(posted: Posted) -> SettingsForm:
    """Every field checked; the changes are set when none is at fault."""
    values: dict[str, Any] = {
        name: getattr(posted, name)
        for name in (*_CHECKS, "sftp_password_remove")
        if name not in ("sftp_port", "email_recipients")
    }
    values["email_recipients"] = posted.email_recipients.strip()
    values["sftp_port"] = posted.sftp_port.strip()
    form = SettingsForm(values)
    given: dict[str, Any] = dict(values)
    given.pop("sftp_password_remove")
    given["email_recipients"] = [
        address for address in _SEPARATORS.split(posted.email_recipients) if address
    ]
    port_text = values["sftp_port"] or "22"
    given["sftp_port"] = int(port_text) if port_text.isascii() and port_text.isdigit() else -1
    clean = {}
    for name, value in given.items():
        try:
            clean[name] = _CHECKS[name](value)
        except InvalidInput:
            form.errors[name] = FIELD_ERRORS[name]
    if posted.sftp_password:
        try:
            clean["sftp_password"] = checks.password(posted.sftp_password)
        except InvalidInput:
            form.errors["sftp_password"] = FIELD_ERRORS["sftp_password"]
    elif posted.sftp_password_remove:
        clean["sftp_password"] = None
    if not form.errors:
        form.changes = clean
    return form


def refused(form: SettingsForm, error: InvalidInput) -> None:
    """What the service refused once every field passed its own check: an SFTP
    destination missing a field (named), or SFTP fields given without a host."""
    param = error.param if error.param in FIELD_ERRORS else "sftp_host"
    form.errors[param] = HOST_NEEDED if param == "sftp_host" else NEEDED
