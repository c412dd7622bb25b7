"""Per-shop report settings: which journals, how often, in which format, and where to.

`save_settings` checks every field given before it changes anything: a refused value is an
InvalidInput naming that field, and nothing is stored. The SFTP password is kept encrypted
with the deployment's secret key (as the shops' keys are) and never read back by a person:
the API answers only whether there is one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from pointage.audit.service import record
from pointage.auth import keys
from pointage.core.errors import InvalidInput
from pointage.report import repository
from pointage.report.models import Frequency, ReportFormat, ReportSetting
from pointage.report.service import checks
from pointage.report.service.naming import DEFAULT_PATTERN, check_pattern
from pointage.shop.models import Shop

ENCODINGS = ("utf-8", "iso-8859-15")
SFTP_FIELDS = ("sftp_host", "sftp_username", "sftp_host_key", "sftp_directory")
# Fields a caller may give, and the check of each; sftp_password is handled apart (secret).
_CHECKS: dict[str, Callable[[Any], Any]] = {
    "journals": checks.journals,
    "frequency": lambda value: checks.choice(value, "frequency", [f.value for f in Frequency]),
    "format": lambda value: checks.choice(value, "format", [f.value for f in ReportFormat]),
    "encoding": lambda value: checks.choice(value, "encoding", ENCODINGS),
    "send_empty": lambda value: checks.boolean(value, "send_empty"),
    "filename_pattern": lambda value: check_pattern(checks.text(value, "filename_pattern")),
    "email_recipients": checks.email_recipients,
    "sftp_host": checks.host,
    "sftp_port": checks.port,
    "sftp_username": checks.username,
    "sftp_host_key": checks.host_key,
    "sftp_directory": lambda value: checks.posix_directory(value, "sftp_directory"),
    "local_directory": lambda value: checks.posix_directory(value, "local_directory"),
}
FIELDS = (*_CHECKS, "sftp_password")


@dataclass(frozen=True, slots=True)
class SettingsView:
    """The settings as shown to people: every field but the SFTP password."""

    journals: list[str]
    frequency: str
    format: str
    encoding: str
    send_empty: bool
    filename_pattern: str
    email_recipients: list[str]
    sftp_host: str | None
    sftp_port: int
    sftp_username: str | None
    sftp_has_password: bool
    sftp_host_key: str | None
    sftp_directory: str | None
    local_directory: str | None
    configured: bool  # False: nothing stored yet, these are the defaults

    @classmethod
    def of(cls, setting: ReportSetting, *, configured: bool = True) -> SettingsView:
        return cls(
            journals=list(setting.journals),
            frequency=setting.frequency,
            format=setting.format,
            encoding=setting.encoding,
            send_empty=setting.send_empty,
            filename_pattern=setting.filename_pattern,
            email_recipients=list(setting.email_recipients),
            sftp_host=setting.sftp_host,
            sftp_port=setting.sftp_port,
            sftp_username=setting.sftp_username,
            sftp_has_password=setting.sftp_password_encrypted is not None,
            sftp_host_key=setting.sftp_host_key,
            sftp_directory=setting.sftp_directory,
            local_directory=setting.local_directory,
            configured=configured,
        )


def default_setting(shop: Shop) -> ReportSetting:
    """What a shop's settings are before anyone saved them: no journal, nowhere to send."""
    return ReportSetting(
        shop_id=shop.id,
        journals=[],
        frequency=Frequency.DAILY.value,
        format=ReportFormat.CSV.value,
        encoding="utf-8",
        send_empty=False,
        filename_pattern=DEFAULT_PATTERN,
        email_recipients=[],
        sftp_host=None,
        sftp_port=22,
        sftp_username=None,
        sftp_password_encrypted=None,
        sftp_host_key=None,
        sftp_directory=None,
        local_directory=None,
    )


def get_settings(session: Session, shop: Shop) -> ReportSetting | None:
    """The shop's stored settings, or None if it never saved any."""
    return repository.setting_of_shop(session, shop.id)


def settings_view(session: Session, shop: Shop) -> SettingsView:
    stored = get_settings(session, shop)
    if stored is None:
        return SettingsView.of(default_setting(shop), configured=False)
    return SettingsView.of(stored)


def save_settings(
    session: Session,
    shop: Shop,
    changes: Mapping[str, Any],
    actor: str,
    *,
    secret_key: str,
) -> ReportSetting:
    """Apply `changes` (field name -> new value; fields not given keep their value) to the
    shop's settings, creating them if needed. `sftp_password`: a string sets it, None
    removes it. Removing the SFTP host removes the whole SFTP destination."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"unknown setting {unknown[0]!r}", param=unknown[0])
    clean = {name: _CHECKS[name](value) for name, value in changes.items() if name in _CHECKS}
    new_password = changes.get("sftp_password")
    if new_password is not None:
        new_password = checks.password(new_password)
    stored = get_settings(session, shop)
    setting = stored or default_setting(shop)
    merged = {name: clean.get(name, getattr(setting, name)) for name in _CHECKS}
    _check_sftp_complete(merged, changes)
    changed = {name for name in clean if clean[name] != getattr(setting, name)}
    for name, value in merged.items():
        setattr(setting, name, value)
    if setting.sftp_host is None:
        for name in SFTP_FIELDS:
            setattr(setting, name, None)
        setting.sftp_port = 22
    if "sftp_password" in changes or setting.sftp_host is None:
        if new_password is not None or setting.sftp_password_encrypted is not None:
            changed.add("sftp_password")
        setting.sftp_password_encrypted = (
            None
            if new_password is None or setting.sftp_host is None
            else keys.encrypt_key(new_password, secret_key)
        )
    if stored is None:
        session.add(setting)
    session.flush()
    action = "report_settings.created" if stored is None else "report_settings.updated"
    # The names of the fields changed, never their values (a password, addresses).
    detail = {"changed": sorted(changed)}
    record(session, actor, action, "report_setting", setting.id, shop_pk=shop.id, detail=detail)
    return setting


def _check_sftp_complete(merged: Mapping[str, Any], changes: Mapping[str, Any]) -> None:
    """An SFTP destination needs its host, user, host key and folder together (a password
    is optional: a server may let the user in without one); without a host, none of them
    may be given."""
    if merged["sftp_host"] is None:
        given = [name for name in (*SFTP_FIELDS, "sftp_password") if changes.get(name)]
        if given:
            raise InvalidInput(
                f"{given[0]} needs an SFTP host: set sftp_host, or leave {given[0]} empty",
                param="sftp_host",
            )
        return
    for name, what in (
        ("sftp_username", "a user name"),
        ("sftp_host_key", "the server's host key"),
        ("sftp_directory", "a folder"),
    ):
        if merged[name] is None:
            raise InvalidInput(f"an SFTP destination needs {what}", param=name)
