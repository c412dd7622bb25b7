"""Scheduling deliveries of a generated report, and trying the due ones with retries.

A delivery is one report through one channel. The scheduled one has `sequence` 0: the
unique (report, channel, sequence) makes scheduling the same period twice a no-op, so a
period is delivered once. A person's re-send adds the next sequence.

`process_due` tries each due delivery outside any database transaction (an upload may take
minutes and must not hold locks), between two short transactions: one claims the delivery
(moves its next attempt a lease ahead, so that no other worker takes it meanwhile), one
records the attempt and the outcome: delivered; pending again after a backoff that doubles
each time; or failed after the last attempt. One failure never stops the others.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from time import monotonic

from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.keys import decrypt_key
from pointage.db.session import unit_of_work
from pointage.report.delivery import repository
from pointage.report.delivery.base import (
    DeliveryChannel,
    DeliveryError,
    Destination,
    EmailDestination,
    LocalDestination,
    ReportInfo,
    SftpDestination,
    check_filename,
    redact,
)
from pointage.report.models import (
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    GeneratedReport,
    ReportSetting,
)
from pointage.settings import Settings

log = logging.getLogger(__name__)

# How long a claimed delivery is hidden from other workers while it is being sent; if the
# worker dies mid-way, the delivery is tried again once this has passed.
CLAIM_LEASE = timedelta(minutes=30)
# The backoff stops doubling here: a delivery is never put off by more than a day.
MAX_BACKOFF = timedelta(days=1)
RESEND_TRIES = 5


@dataclass
class DeliverySummary:
    """What one `process_due` did."""

    delivered: int = 0
    retrying: int = 0  # failed this time, tried again later
    failed: int = 0  # failed for the last time
    errors: list[str] = field(default_factory=list)  # one line per failed attempt

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


def default_channels() -> dict[str, DeliveryChannel]:
    # Imported here: asyncssh is only needed by a process that delivers.
    from pointage.report.delivery.email import EmailChannel
    from pointage.report.delivery.local import LocalChannel
    from pointage.report.delivery.sftp import SftpChannel

    return {
        Channel.EMAIL.value: EmailChannel(),
        Channel.SFTP.value: SftpChannel(),
        Channel.LOCAL.value: LocalChannel(),
    }


def configured_channels(setting: ReportSetting) -> list[Channel]:
    """The channels a shop's settings fill in: e-mail with recipients, SFTP with a host,
    the local folder with a directory."""
    channels = []
    if setting.email_recipients:
        channels.append(Channel.EMAIL)
    if setting.sftp_host:
        channels.append(Channel.SFTP)
    if setting.local_directory:
        channels.append(Channel.LOCAL)
    return channels


def describe_destination(channel: Channel, setting: ReportSetting) -> str:
    """Where a channel sends, as the delivery log shows it (never with a password)."""
    if channel is Channel.EMAIL:
        return ", ".join(setting.email_recipients)
    if channel is Channel.SFTP:
        directory = (setting.sftp_directory or "").strip("/")
        user = setting.sftp_username or ""
        return f"sftp://{user}@{setting.sftp_host}:{setting.sftp_port}/{directory}"
    return setting.local_directory or ""


def destination_for(channel: Channel, setting: ReportSetting, settings: Settings) -> Destination:
    """The destination as the shop's settings say now; DeliveryError when the channel is
    no longer configured or its password cannot be read."""
    if channel not in configured_channels(setting):
        raise DeliveryError(f"{channel.value} delivery is no longer configured for this shop")
    if channel is Channel.EMAIL:
        return EmailDestination(tuple(setting.email_recipients))
    if channel is Channel.LOCAL:
        return LocalDestination(Path(setting.local_directory or ""))
    password = None
    if setting.sftp_password_encrypted:
        password = decrypt_key(setting.sftp_password_encrypted, settings.secret_key)
        if password is None:
            raise DeliveryError(
                "the SFTP password cannot be decrypted with the current secret key: "
                "enter it again in the report settings"
            )
    return SftpDestination(
        host=setting.sftp_host or "",
        port=setting.sftp_port,
        username=setting.sftp_username or "",
        password=password,
        host_key=setting.sftp_host_key,
        directory=setting.sftp_directory or "",
    )


def schedule_deliveries(
    session: Session,
    report: GeneratedReport,
    setting: ReportSetting,
    *,
    requested_by: str,
    resend: bool = False,
) -> list[Delivery]:
    """One pending delivery per channel the shop's settings fill in. Scheduled (sequence 0)
    once per report: a second call returns the existing ones. A re-send adds the next
    sequence of each channel. No channel configured: an empty list."""
    if setting.shop_id != report.shop_id:
        raise ValueError("the report and the settings belong to different shops")
    deliveries = []
    for channel in configured_channels(setting):
        new = Delivery(
            report_id=report.id,
            shop_id=report.shop_id,
            channel=channel.value,
            destination=describe_destination(channel, setting),
            status=DeliveryStatus.PENDING.value,
            attempts=0,
            requested_by=requested_by,
        )
        if resend:
            deliveries.append(_add_resend(session, new))
        else:
            deliveries.append(_add_scheduled(session, new))
    return deliveries


def _add_scheduled(session: Session, new: Delivery) -> Delivery:
    existing = repository.find_delivery(session, new.report_id, new.channel, 0)
    if existing is not None:
        return existing
    new.sequence = 0
    if repository.insert_delivery(session, new):
        return new
    # Scheduled by another process between our look-up and our insert.
    existing = repository.find_delivery(session, new.report_id, new.channel, 0)
    if existing is None:
        raise RuntimeError("a delivery vanished while it was being scheduled")
    return existing


def _add_resend(session: Session, new: Delivery) -> Delivery:
    for _ in range(RESEND_TRIES):
        last = repository.last_sequence(session, new.report_id, new.channel)
        # Sequences from 1 are re-sends, even for a channel added after the scheduling.
        new.sequence = max(last or 0, 0) + 1
        if repository.insert_delivery(session, new):
            return new
    raise RuntimeError("could not take a re-send sequence: too many concurrent re-sends")


@dataclass(frozen=True)
class _Job:
    """A claimed delivery, as plain values: what the attempt needs outside the session."""

    delivery_id: int
    channel: str
    file: Path
    filename: str
    report: ReportInfo
    destination: Destination | None
    problem: str | None  # why it cannot even be tried (channel no longer configured…)

    def label(self) -> str:
        return (
            f"delivery {self.delivery_id} ({self.channel}, {self.report.journal_code} "
            f"{self.report.shop_id} {self.report.period_text})"
        )


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    note: str | None  # the error, or a remark on a delivered one
    duration_ms: int


def process_due(
    session_factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime,
    channels: Mapping[str, DeliveryChannel] | None = None,
) -> DeliverySummary:
    """Try every delivery due at `now` once, each in its own transactions; returns what
    happened. `channels` replaces the real ones (tests)."""
    senders = dict(channels) if channels is not None else default_channels()
    summary = DeliverySummary()
    tried: set[int] = set()
    started = monotonic()
    while True:
        with unit_of_work(session_factory) as session:
            job = _claim(session, settings, now, tried)
        if job is None:
            return summary
        tried.add(job.delivery_id)
        outcome = _attempt(job, senders, settings)
        at = now + timedelta(seconds=monotonic() - started)
        with unit_of_work(session_factory) as session:
            status = _record(session, job.delivery_id, outcome, at, settings)
        _count(summary, job, outcome, status)


def _claim(session: Session, settings: Settings, now: datetime, tried: set[int]) -> _Job | None:
    delivery = repository.lock_next_due(session, now, tried)
    if delivery is None:
        return None
    delivery.next_attempt_at = now + CLAIM_LEASE
    report = repository.report_of(session, delivery)
    shop = repository.shop_by_id(session, delivery.shop_id)
    setting = repository.setting_of_shop(session, delivery.shop_id)
    destination: Destination | None = None
    problem = None
    try:
        if setting is None:
            raise DeliveryError("the shop has no report settings any more")
        channel = Channel(delivery.channel)
        destination = destination_for(channel, setting, settings)
        # The log says where it really went when the settings changed since scheduling.
        delivery.destination = describe_destination(channel, setting)
    except DeliveryError as exc:
        problem = exc.reason
    info = ReportInfo(
        shop_label=shop.name,
        shop_id=shop.shop_id,
        journal=report.journal,
        period_start=report.period_start,
        period_end=report.period_end,
        format=report.format,
        encoding=report.encoding,
        row_count=report.row_count,
        sha256=report.sha256,
    )
    return _Job(
        delivery_id=delivery.id,
        channel=delivery.channel,
        file=Path(settings.reports_dir) / report.storage_path,
        filename=report.filename,
        report=info,
        destination=destination,
        problem=problem,
    )


def _attempt(job: _Job, senders: Mapping[str, DeliveryChannel], settings: Settings) -> _Outcome:
    """Send; never raises: whatever goes wrong becomes the attempt's error."""
    started = monotonic()
    secret = job.destination.password if isinstance(job.destination, SftpDestination) else None
    try:
        if job.problem is not None or job.destination is None:
            raise DeliveryError(job.problem or "no destination")
        check_filename(job.filename)
        _check_file(job.file, job.report.sha256)
        note = senders[job.channel].send(
            job.file, job.filename, job.report, job.destination, settings
        )
        ok = True
    except DeliveryError as exc:
        note, ok = exc.reason, False
    except Exception as exc:
        # A defect, not a refusal: logged in full for the operator, summed up in the
        # delivery log, and the other deliveries go on.
        log.exception("%s: unexpected error", job.label())
        note, ok = f"unexpected error: {type(exc).__name__}: {exc}"[:500], False
    note = redact(note, secret, settings.smtp_password) if note else None
    return _Outcome(ok, note, int((monotonic() - started) * 1000))


def _check_file(path: Path, sha256: str) -> None:
    """The file is still there and is the one generated: a report is delivered as it was
    made, or not at all."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
    except FileNotFoundError:
        raise DeliveryError(f"the report file {path} is missing") from None
    except OSError as exc:
        raise DeliveryError(f"the report file {path} cannot be read: {exc.strerror}") from None
    if digest.hexdigest() != sha256:
        raise DeliveryError(f"the report file {path} changed since it was generated")


def _record(
    session: Session, delivery_id: int, outcome: _Outcome, at: datetime, settings: Settings
) -> DeliveryStatus:
    delivery = repository.lock_delivery(session, delivery_id)
    session.add(
        DeliveryAttempt(
            delivery_id=delivery_id,
            at=at,
            ok=outcome.ok,
            error=outcome.note,
            duration_ms=outcome.duration_ms,
        )
    )
    delivery.attempts += 1
    delivery.last_error = outcome.note
    if outcome.ok:
        delivery.status = DeliveryStatus.DELIVERED.value
        delivery.delivered_at = at
        delivery.next_attempt_at = None
    elif delivery.attempts >= settings.delivery_max_attempts:
        delivery.status = DeliveryStatus.FAILED.value
        delivery.next_attempt_at = None
    else:
        delivery.status = DeliveryStatus.PENDING.value
        delivery.next_attempt_at = at + backoff(delivery.attempts, settings)
    return DeliveryStatus(delivery.status)


def backoff(failed_attempts: int, settings: Settings) -> timedelta:
    """The wait after the n-th failed attempt: the setting, doubled after each failure,
    never more than a day (or than the setting itself, if it is longer)."""
    first = settings.delivery_backoff_seconds
    # Integer seconds first: Python ints do not overflow where a timedelta would.
    seconds = first * 2 ** max(failed_attempts - 1, 0)
    ceiling = max(first, int(MAX_BACKOFF.total_seconds()))
    return timedelta(seconds=min(seconds, ceiling))


def _count(summary: DeliverySummary, job: _Job, outcome: _Outcome, status: DeliveryStatus) -> None:
    if status is DeliveryStatus.DELIVERED:
        summary.delivered += 1
        log.info("%s delivered in %d ms", job.label(), outcome.duration_ms)
        return
    if status is DeliveryStatus.FAILED:
        summary.failed += 1
    else:
        summary.retrying += 1
    summary.errors.append(f"{job.label()}: {outcome.note}")
    log.warning("%s failed (%s): %s", job.label(), status.value, outcome.note)
