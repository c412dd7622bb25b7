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

from pydantic import BaseModel

from pointage.core.errors import InvalidInput
from pointage.formats.journals.model import JournalKind
from pointage.report.models import Frequency, ReportFormat
from pointage.report.service import checks
from pointage.report.service.naming import check_pattern
from pointage.report.service.settings import ENCODINGS, SettingsView

JOURNAL_CHOICES = tuple(kind.value for kind in JournalKind)
FREQUENCY_CHOICES = tuple(item.value for item in Frequency)
FORMAT_CHOICES = tuple(item.value for item in ReportFormat)
ENCODING_CHOICES = ENCODINGS

# The error keys a field may get besides its own name (its value refused by its check).
NEEDED = "needed"  # an SFTP destination is missing this field
HOST_NEEDED = "host_needed"  # SFTP fields given without a host
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
    """What the page shows in the fields (as typed, or as stored), the error of each field
    at fault (its own name when its check refused the value, else NEEDED or HOST_NEEDED:
    keys of the page's messages, report.views.FIELD_ERRORS), and the changes to store."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)


class Posted(BaseModel):
    """The fields of the form as the browser sent them (a box not ticked is not sent)."""

    journals: list[str] = []
    frequency: str = ""
    format: str = ""
    encoding: str = ""
    send_empty: bool = False
    filename_pattern: str = ""
    email_recipients: str = ""
    sftp_host: str = ""
    sftp_port: str = ""
    sftp_username: str = ""
    sftp_password: str = ""
    sftp_password_remove: bool = False
    sftp_host_key: str = ""
    sftp_directory: str = ""


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
            form.errors[name] = name
    if posted.sftp_password:
        try:
            clean["sftp_password"] = checks.password(posted.sftp_password)
        except InvalidInput:
            form.errors["sftp_password"] = "sftp_password"  # noqa: S105 - the field's name
    elif posted.sftp_password_remove:
        clean["sftp_password"] = None
    if not form.errors:
        form.changes = clean
    return form


def refused(form: SettingsForm, error: InvalidInput) -> None:
    """What the service refused once every field passed its own check: an SFTP
    destination missing a field (named), or SFTP fields given without a host."""
    param = error.param if error.param in _CHECKS else "sftp_host"
    form.errors[param] = HOST_NEEDED if param == "sftp_host" else NEEDED
