"""The status page's e-mails: the confirmation of a subscription, and the incident and
maintenance notifications, in plain text and HTML (English), sent through the SMTP settings
the report e-mails use (pointage.report.delivery.email: TLS rules, login, error sentences).

Every notification carries its one-click unsubscribe link in the body and in the headers
`List-Unsubscribe` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), with
which a mail client unsubscribes by a POST to the link, without opening a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape

from pointage.report.delivery.base import DeliveryError, EmailDestination, redact
from pointage.report.delivery.email import IMPLICIT_TLS_PORT, EmailChannel, failure_reason
from pointage.settings import Settings

SUBJECT_PREFIX = "[Status]"

EVENT_TITLES = {
    "incident.created": "New incident",
    "incident.updated": "Incident update",
    "incident.resolved": "Incident resolved",
    "maintenance.scheduled": "Maintenance scheduled",
    "maintenance.started": "Maintenance in progress",
    "maintenance.updated": "Maintenance update",
    "maintenance.completed": "Maintenance completed",
}
STATUS_LABELS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "postmortem": "Postmortem",
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "verifying": "Verifying",
    "completed": "Completed",
}


@dataclass(frozen=True)
class Notice:
    """What an incident or maintenance notification says."""

    event: str
    name: str
    status: str
    impact: str
    update_body: str
    components: tuple[str, ...]
    window: str | None  # the maintenance's announced window, in words


def _message(settings: Settings, recipient: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())  # one line
    message["From"] = settings.smtp_from
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    return message


def _html(paragraphs: list[str], link: tuple[str, str] | None, footer: list[str]) -> str:
    parts = ['<!doctype html><html lang="en"><body style="font-family:sans-serif">']
    parts += [f"<p>{escape(text)}</p>".replace("\n", "<br>") for text in paragraphs]
    if link is not None:
        parts.append(f'<p><a href="{escape(link[1])}">{escape(link[0])}</a></p>')
    parts.append('<hr><p style="color:#555;font-size:small">')
    parts.append("<br>".join(footer))
    parts.append("</p></body></html>")
    return "".join(parts)


def confirmation(settings: Settings, recipient: str, confirm_url: str) -> EmailMessage:
    message = _message(settings, recipient, f"{SUBJECT_PREFIX} Confirm your subscription")
    lines = [
        "Hello,",
        "Someone, hopefully you, asked to receive the status page's notifications of "
        "incidents and maintenance at this address.",
        "To confirm, follow this link within 48 hours:",
    ]
    ignore = "If you did not ask for it, ignore this message: nothing more will be sent."
    message.set_content("\n\n".join([*lines, confirm_url, ignore]) + "\n")
    message.add_alternative(
        _html(lines, ("Confirm my subscription", confirm_url), [escape(ignore)]), subtype="html"
    )
    return message


def already_subscribed(
    settings: Settings, recipient: str, status_url: str, unsubscribe_url: str
) -> EmailMessage:
    message = _message(settings, recipient, f"{SUBJECT_PREFIX} You are subscribed")
    lines = [
        "Hello,",
        "A subscription to the status page's notifications was asked for this address, "
        "which is already subscribed: nothing changes.",
    ]
    message.set_content(
        "\n\n".join([*lines, f"Status page: {status_url}", f"Unsubscribe: {unsubscribe_url}"])
        + "\n"
    )
    footer = [f'<a href="{escape(unsubscribe_url)}">Unsubscribe</a>']
    message.add_alternative(_html(lines, ("Status page", status_url), footer), subtype="html")
    _unsubscribe_headers(message, unsubscribe_url)
    return message


def notification(
    settings: Settings, recipient: str, notice: Notice, status_url: str, unsubscribe_url: str
) -> EmailMessage:
    title = EVENT_TITLES.get(notice.event, "Status update")
    status = STATUS_LABELS.get(notice.status, notice.status)
    message = _message(settings, recipient, f"{SUBJECT_PREFIX} {title}: {notice.name} ({status})")
    lines = [f"{title}: {notice.name}", f"Status: {status}"]
    if notice.impact not in ("none", "maintenance"):
        lines.append(f"Impact: {notice.impact}")
    if notice.components:
        lines.append("Affected: " + ", ".join(notice.components))
    if notice.window:
        lines.append(f"Window: {notice.window}")
    paragraphs = ["\n".join(lines)]
    if notice.update_body.strip():
        paragraphs.append(notice.update_body.strip())
    why = "You receive this message because you subscribed to the status page's notifications."
    message.set_content(
        "\n\n".join(
            [*paragraphs, f"Status page: {status_url}", why, f"Unsubscribe: {unsubscribe_url}"]
        )
        + "\n"
    )
    footer = [escape(why), f'<a href="{escape(unsubscribe_url)}">Unsubscribe</a>']
    message.add_alternative(_html(paragraphs, ("Status page", status_url), footer), subtype="html")
    _unsubscribe_headers(message, unsubscribe_url)
    return message


def _unsubscribe_headers(message: EmailMessage, unsubscribe_url: str) -> None:
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


class StatusMailer(EmailChannel):
    """The report e-mails' SMTP channel, sending a message built here to one address."""

    def deliver(self, message: EmailMessage, recipient: str, settings: Settings) -> None:
        """Send; DeliveryError with a sentence saying why when it was not accepted."""
        if not settings.smtp_host:
            raise DeliveryError("no SMTP server is configured (POINTAGE_SMTP_HOST is empty)")
        implicit_tls = settings.smtp_port == IMPLICIT_TLS_PORT
        if settings.smtp_username and not (implicit_tls or settings.smtp_starttls):
            raise DeliveryError(
                "refusing to send the SMTP password in clear: turn POINTAGE_SMTP_STARTTLS on "
                f"or use port {IMPLICIT_TLS_PORT}"
            )
        destination = EmailDestination((recipient,))
        try:
            remark = self._transmit(message, destination, settings, implicit_tls=implicit_tls)
        except DeliveryError as exc:
            raise DeliveryError(redact(exc.reason, settings.smtp_password)) from None
        except Exception as exc:
            reason = failure_reason(exc, f"{settings.smtp_host}:{settings.smtp_port}", settings)
            raise DeliveryError(redact(reason, settings.smtp_password)) from None
        if remark is not None:
            raise DeliveryError(remark)
