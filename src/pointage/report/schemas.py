"""Pydantic I/O of the reports API (docs/reports.md).

The bodies carry plain strings for the journal types, frequency, format and encoding: the
service checks them field by field, with the same messages as the command line.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pointage.report.models import Delivery, DeliveryAttempt, GeneratedReport
from pointage.report.service.history import DeliveryView
from pointage.report.service.naming import DEFAULT_PATTERN
from pointage.report.service.settings import SettingsView


class ReportSettingsIn(BaseModel):
    """The whole report settings of the shop. Fields left out take their default, except
    `sftp_password`: left out, the stored one is kept; null removes it."""

    model_config = ConfigDict(extra="forbid")

    journals: list[str] = Field(description="Journals to generate: jt, jo, jrb, jri, remittances")
    frequency: str = Field("daily", description="daily, weekly, monthly or none")
    format: str = Field("csv", description="csv or xlsx")
    encoding: str = Field("utf-8", description="Of CSV files: utf-8 or iso-8859-15")
    send_empty: bool = Field(False, description="Also send journals without any line")
    filename_pattern: str = Field(
        DEFAULT_PATTERN,
        description="File name with the fields {journal} {shop} {shop_id} {period} {ext}; "
        "{period} and {ext} required",
    )
    email_recipients: list[str] = Field(
        default_factory=list, description="Addresses the journals are e-mailed to"
    )
    sftp_host: str | None = Field(None, description="SFTP server; null: no SFTP delivery")
    sftp_port: int = Field(22, description="1 to 65535")
    sftp_username: str | None = None
    sftp_password: str | None = Field(
        None, description="Write-only. Left out: unchanged; null: removed"
    )
    sftp_host_key: str | None = Field(
        None, description="The server's public key in OpenSSH format ('ssh-ed25519 AAAA…')"
    )
    sftp_directory: str | None = Field(None, description="Absolute folder on the SFTP server")
    local_directory: str | None = Field(
        None,
        description="Folder on the Pointage server; set by its operator only: must be the "
        "stored value or left out",
    )

    def changes(self) -> dict[str, Any]:
        """The values to store, as the service takes them."""
        values = self.model_dump(exclude={"sftp_password", "local_directory"})
        if "sftp_password" in self.model_fields_set:
            values["sftp_password"] = self.sftp_password
        return values


class ReportSettingsOut(BaseModel):
    configured: bool = Field(description="False: never saved, these are the defaults")
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
    sftp_has_password: bool = Field(description="The password itself is never returned")
    sftp_host_key: str | None
    sftp_directory: str | None
    local_directory: str | None

    @classmethod
    def of(cls, view: SettingsView) -> ReportSettingsOut:
        return cls(
            configured=view.configured,
            journals=view.journals,
            frequency=view.frequency,
            format=view.format,
            encoding=view.encoding,
            send_empty=view.send_empty,
            filename_pattern=view.filename_pattern,
            email_recipients=view.email_recipients,
            sftp_host=view.sftp_host,
            sftp_port=view.sftp_port,
            sftp_username=view.sftp_username,
            sftp_has_password=view.sftp_has_password,
            sftp_host_key=view.sftp_host_key,
            sftp_directory=view.sftp_directory,
            local_directory=view.local_directory,
        )


class GenerateIn(BaseModel):
    """A journal to generate now, for one day (`date`) or a period."""

    model_config = ConfigDict(extra="forbid")

    journal: str = Field(description="jt, jo, jrb, jri or remittances")
    date: dt.date | None = Field(None, description="One day; or give period_start and period_end")
    period_start: dt.date | None = None
    period_end: dt.date | None = Field(None, description="Inclusive")
    format: str | None = Field(None, description="csv or xlsx; default: the settings' format")
    encoding: str | None = Field(None, description="Of a CSV file; default: the settings'")


class ReportOut(BaseModel):
    id: int
    journal: str
    period_start: date
    period_end: date = Field(description="Inclusive")
    format: str
    encoding: str
    filename: str
    row_count: int = Field(description="Detail lines of the journal")
    size_bytes: int
    sha256: str = Field(description="Of the file, hexadecimal")
    generated_at: datetime
    generated_by: str = Field(description="scheduler, api:<shop id>, cli:<user>")
    download_url: str

    @classmethod
    def of(cls, report: GeneratedReport) -> ReportOut:
        return cls(
            id=report.id,
            journal=report.journal,
            period_start=report.period_start,
            period_end=report.period_end,
            format=report.format,
            encoding=report.encoding,
            filename=report.filename,
            row_count=report.row_count,
            size_bytes=report.size_bytes,
            sha256=report.sha256,
            generated_at=report.generated_at,
            generated_by=report.generated_by,
            download_url=f"/v1/reports/{report.id}/download",
        )


class ResendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: list[str] | None = Field(
        None, description="email, sftp, local; default: every channel the settings fill in"
    )


class AttemptOut(BaseModel):
    at: datetime
    ok: bool
    error: str | None
    duration_ms: int

    @classmethod
    def of(cls, attempt: DeliveryAttempt) -> AttemptOut:
        return cls(
            at=attempt.at, ok=attempt.ok, error=attempt.error, duration_ms=attempt.duration_ms
        )


class DeliveryOut(BaseModel):
    id: int
    report_id: int
    channel: str = Field(description="email, sftp or local")
    destination: str = Field(description="Recipients, sftp://user@host:port/folder, or folder")
    sequence: int = Field(description="0: the scheduled delivery; 1, 2…: re-sends")
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    delivered_at: datetime | None
    requested_by: str
    created_at: datetime
    attempt_log: list[AttemptOut] = Field(description="Every attempt, oldest first")

    @classmethod
    def of(cls, delivery: Delivery, attempts: list[DeliveryAttempt]) -> DeliveryOut:
        return cls(
            id=delivery.id,
            report_id=delivery.report_id,
            channel=delivery.channel,
            destination=delivery.destination,
            sequence=delivery.sequence,
            status=delivery.status,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            requested_by=delivery.requested_by,
            created_at=delivery.created_at,
            attempt_log=[AttemptOut.of(attempt) for attempt in attempts],
        )

    @classmethod
    def of_view(cls, view: DeliveryView) -> DeliveryOut:
        return cls.of(view.delivery, view.attempts)
