"""The webhook endpoint form of the settings pages: read, checked with the service's own
rules, each mistake named on its field; and the words the pages show for modes, event types
and delivery states."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pointage.core.errors import InvalidInput
from pointage.core.statuses import Mode
from pointage.settings import Settings
from pointage.web.i18n import N_
from pointage.webhook.models import DeliveryStatus, EventType, WebhookEndpoint
from pointage.webhook.service.endpoints import check_event_types, check_url

MAX_DESCRIPTION = 500

MODE_LABELS = {Mode.PRODUCTION.value: N_("Production"), Mode.TEST.value: N_("Test")}
EVENT_LABELS = {
    EventType.TRANSACTION_UPDATED.value: N_("A transaction changed"),
    EventType.RECONCILIATION_STATUS_CHANGED.value: N_("A transaction's reconciliation changed"),
    EventType.REMITTANCE_CREDITED.value: N_("A remittance was credited"),
    EventType.CHARGEBACK_RECEIVED.value: N_("A chargeback was received"),
    EventType.REPORT_READY.value: N_("A report is ready"),
    EventType.STATEMENT_IMPORTED.value: N_("A bank statement was imported"),
}
STATUS_LABELS = {
    DeliveryStatus.PENDING.value: N_("Pending"),
    DeliveryStatus.DELIVERED.value: N_("Delivered"),
    DeliveryStatus.FAILED.value: N_("Failed"),
}
WEBHOOK_ERRORS = {
    "url": N_(
        "Enter an https:// address of your server, without user name, password or #fragment, "
        "and not a local address."
    ),
    "too_many": N_("This shop already has the most endpoints allowed in this mode: delete one."),
    "events": N_("Choose at least one event."),
    "description": N_("A description has at most 500 characters."),
}


@dataclass
class EndpointForm:
    url: str
    events: list[str]
    description: str
    enabled: bool
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def blank(cls) -> EndpointForm:
        return cls("", [], "", True)

    @classmethod
    def of(cls, endpoint: WebhookEndpoint, events: list[str]) -> EndpointForm:
        return cls(endpoint.url, events, endpoint.description or "", endpoint.enabled)


def read_endpoint_form(
    url: str, events: Sequence[str], description: str, *, enabled: bool, settings: Settings
) -> EndpointForm:
    form = EndpointForm(url.strip(), list(events), description.strip(), enabled)
    try:
        form.url = check_url(form.url, allow_loopback=settings.webhook_allow_http_loopback)
    except InvalidInput:
        form.errors["url"] = "url"
    try:
        form.events = check_event_types(form.events)
    except InvalidInput:
        form.errors["events"] = "events"
        form.events = [value for value in form.events if value in EVENT_LABELS]
    if len(form.description) > MAX_DESCRIPTION:
        form.errors["description"] = "description"
    return form
