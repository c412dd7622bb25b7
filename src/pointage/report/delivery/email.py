"""E-mail delivery: the journal attached to a message sent through the configured SMTP server.

Port 465 means TLS from the first byte (SMTPS); any other port starts in clear and, when
`smtp_starttls` is on (the default), upgrades with STARTTLS before anything else: a server
that does not offer STARTTLS is refused rather than sent the report (and the password) in
clear. A login without TLS is refused for the same reason. The server's certificate is
checked against the system's trusted authorities; a private authority is trusted by pointing
the standard `SSL_CERT_FILE` variable at its certificate.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from pointage.report.delivery.base import (
    DeliveryError,
    Destination,
    EmailDestination,
    ReportInfo,
    describe_os_error,
    redact,
)
from pointage.settings import Settings

# The port of SMTP over implicit TLS (RFC 8314); a module constant so that tests can point
# it at the port of their own server.
IMPLICIT_TLS_PORT = 465


class EmailChannel:
    """Sends through `settings.smtp_host`. `ssl_context` replaces the default one (the
    system's authorities, host name checked)."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context

    def send(
        self,
        file: Path,
        filename: str,
        report: ReportInfo,
        destination: Destination,
        settings: Settings,
    ) -> str | None:
        """Send the message; returns a remark when some recipients were refused and the
        others accepted (it arrived, with a reservation)."""
        if not isinstance(destination, EmailDestination):
            raise TypeError(f"an e-mail delivery needs an EmailDestination, not {destination}")
        if not settings.smtp_host:
            raise DeliveryError("no SMTP server is configured (POINTAGE_SMTP_HOST is empty)")
        if not destination.recipients:
            raise DeliveryError("no e-mail recipient is configured")
        implicit_tls = settings.smtp_port == IMPLICIT_TLS_PORT
        if settings.smtp_username and not (implicit_tls or settings.smtp_starttls):
            raise DeliveryError(
                "refusing to send the SMTP password in clear: turn POINTAGE_SMTP_STARTTLS on "
                f"or use port {IMPLICIT_TLS_PORT}"
            )
        message = build_message(file, filename, report, destination, settings.smtp_from)
        try:
            return self._transmit(message, destination, settings, implicit_tls=implicit_tls)
        except DeliveryError as exc:
            raise DeliveryError(redact(exc.reason, settings.smtp_password)) from None
        except Exception as exc:
            reason = failure_reason(exc, f"{settings.smtp_host}:{settings.smtp_port}", settings)
            raise DeliveryError(redact(reason, settings.smtp_password)) from None

    def _transmit(
        self,
        message: EmailMessage,
        destination: EmailDestination,
        settings: Settings,
        *,
        implicit_tls: bool,
    ) -> str | None:
        server = f"{settings.smtp_host}:{settings.smtp_port}"
        context = self._ssl_context or ssl.create_default_context()
        timeout = settings.delivery_timeout_seconds
        smtp: smtplib.SMTP
        if implicit_tls:
            smtp = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if settings.smtp_starttls and not implicit_tls:
                if not smtp.has_extn("starttls"):
                    raise DeliveryError(
                        f"SMTP server {server} does not offer STARTTLS, which "
                        "POINTAGE_SMTP_STARTTLS requires"
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            refused = smtp.send_message(
                message, from_addr=settings.smtp_from, to_addrs=list(destination.recipients)
            )
        if not refused:
            return None
        return f"SMTP server {server} refused {_refusals(refused)}; the others received it"


def build_message(
    file: Path, filename: str, report: ReportInfo, destination: EmailDestination, sender: str
) -> EmailMessage:
    """The message: a subject naming the journal, shop and period, a short body with the
    line count and SHA-256, and the journal attached under its own MIME type."""
    shop = _one_line(report.shop_label)
    message = EmailMessage()
    message["Subject"] = f"{report.journal_code} {shop} ({report.shop_id}) {report.period_text}"
    message["From"] = sender
    message["To"] = ", ".join(destination.recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    lines = "line" if report.row_count == 1 else "lines"
    message.set_content(
        f"Hello,\n\n"
        f"Attached is the {report.journal_title} ({report.journal_code}) of the shop {shop} "
        f"({report.shop_id}) for {report.period_text}.\n\n"
        f"File: {filename}\n"
        f"Lines: {report.row_count} {lines}\n"
        f"SHA-256: {report.sha256}\n\n"
        "Sent by Pointage according to the shop's report settings.\n"
    )
    main, sub, params = report.mime_type
    message.add_attachment(
        file.read_bytes(), maintype=main, subtype=sub, filename=filename, params=params
    )
    return message


def _one_line(text: str) -> str:
    # A line break in a header would end it: keep a shop's name on one line.
    return " ".join(text.split())


def _reply(exc: smtplib.SMTPResponseException) -> str:
    error = exc.smtp_error
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    return f"{exc.smtp_code} {text}".strip()


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(
        f"{address} ({code} {reply.decode('utf-8', 'replace')})"
        for address, (code, reply) in refused.items()
    )


def failure_reason(exc: Exception, server: str, settings: Settings) -> str:
    """A sentence for a failed SMTP exchange; the order matters (SMTP errors are OSErrors,
    certificate errors are SSL errors)."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"SMTP server {server} refused the login of {settings.smtp_username}: {_reply(exc)}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"SMTP server {server} refused every recipient: {_refusals(exc.recipients)}"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"SMTP server {server} refused the sender {settings.smtp_from}: {_reply(exc)}"
    if isinstance(exc, smtplib.SMTPDataError):
        return f"SMTP server {server} refused the message: {_reply(exc)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP server {server} answered {_reply(exc)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"SMTP server {server} closed the connection: {exc}"
    if isinstance(exc, smtplib.SMTPException):
        return f"SMTP server {server}: {exc}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"the TLS certificate of SMTP server {server} could not be verified: "
            f"{exc.verify_message}"
        )
    if isinstance(exc, ssl.SSLError):
        return f"TLS with SMTP server {server} failed: {exc.reason or exc}"
    if isinstance(exc, TimeoutError):
        return f"SMTP server {server} did not answer within {settings.delivery_timeout_seconds} s"
    if isinstance(exc, OSError):
        return f"could not connect to SMTP server {server}: {describe_os_error(exc)}"
    raise exc
