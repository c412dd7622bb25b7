"""The delivery interface: one `DeliveryChannel` per way a journal leaves Pointage.

A channel gets the file, the name the recipient sees, what the report is (for a subject or a
log line), where to send it, and the deployment's settings. It returns when the file has
arrived (None, or a remark when it arrived with a reservation), or raises `DeliveryError`
with a sentence a person understands: the back office shows it as is. A password never
appears in that sentence (`redact`).

Destinations are plain values built from the shop's report settings at the time of the
attempt, so that a corrected password or recipient list is used by the next retry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from pointage.settings import Settings

JOURNAL_TITLES = {
    "jt": "transaction journal",
    "jo": "operations journal",
    "jrb": "bank reconciliation journal",
    "jri": "chargeback journal",
    "remittances": "remittance journal",
}

XLSX_MIME_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DeliveryError(Exception):
    """A delivery that did not arrive; `reason` is shown to people and kept in the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ReportInfo:
    """What is being sent, for the e-mail subject and body and for log lines."""

    shop_label: str
    shop_id: str  # the 8-digit shop id
    journal: str  # a JournalKind value
    period_start: date
    period_end: date  # inclusive
    format: str  # "csv" or "xlsx"
    encoding: str  # of a CSV file
    row_count: int
    sha256: str

    @property
    def journal_title(self) -> str:
        return JOURNAL_TITLES.get(self.journal, self.journal)

    @property
    def journal_code(self) -> str:
        return self.journal.upper()

    @property
    def period_text(self) -> str:
        if self.period_start == self.period_end:
            return self.period_start.isoformat()
        return f"{self.period_start.isoformat()} to {self.period_end.isoformat()}"

    @property
    def mime_type(self) -> tuple[str, str, dict[str, str]]:
        """(main type, subtype, parameters) of the file."""
        if self.format == "xlsx":
            main, sub = XLSX_MIME_TYPE.split("/")
            return main, sub, {}
        return "text", "csv", {"charset": self.encoding}


@dataclass(frozen=True, slots=True)
class EmailDestination:
    recipients: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SftpDestination:
    host: str
    port: int
    username: str
    # Decrypted for the attempt only; never printed (repr hides it).
    password: str | None = field(repr=False)
    host_key: str | None  # "ssh-ed25519 AAAA…": the only key accepted
    directory: str  # "" for the login directory


@dataclass(frozen=True, slots=True)
class LocalDestination:
    directory: Path


Destination = EmailDestination | SftpDestination | LocalDestination


class DeliveryChannel(Protocol):
    def send(
        self,
        file: Path,
        filename: str,
        report: ReportInfo,
        destination: Destination,
        settings: Settings,
    ) -> str | None:
        """Deliver `file` under the name `filename`; raise DeliveryError if it did not
        arrive. Returns None, or a remark for the delivery log when it arrived with a
        reservation (some e-mail recipients refused, the others served)."""
        ...


def redact(text: str, *secrets: str | None) -> str:
    """`text` with every non-empty secret replaced, so that a server echoing a credential
    back in an error message does not put it in the delivery log."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def describe_os_error(exc: OSError) -> str:
    """The reason of an OSError without the errno prefix: "Connection refused"."""
    return exc.strerror or str(exc) or type(exc).__name__


@dataclass
class SentFile:
    filename: str
    content: bytes
    report: ReportInfo
    destination: Destination


@dataclass
class MemoryChannel:
    """Keeps what it is given: for tests of the code that schedules and processes
    deliveries without a server. `fail_with` makes every send fail with that reason."""

    sent: list[SentFile] = field(default_factory=list)
    fail_with: str | None = None

    def send(
        self,
        file: Path,
        filename: str,
        report: ReportInfo,
        destination: Destination,
        settings: Settings,
    ) -> str | None:
        if self.fail_with is not None:
            raise DeliveryError(self.fail_with)
        self.sent.append(SentFile(filename, file.read_bytes(), report, destination))
        return None


def check_filename(filename: str) -> None:
    """Refuse a name that would leave the destination folder ("../x", "a/b")."""
    if not filename or filename in {".", ".."} or "/" in filename or "\\" in filename:
        raise DeliveryError(f"the file name {filename!r} is not a plain file name")
