"""The components the status page shows, in its groups and order. Each has a stable key used
by the probes, the API and the tests; names are English, translated where shown."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ComponentSpec:
    key: str
    name: str
    description: str
    group: str | None  # the key of its group; None for a group itself


GROUPS: tuple[ComponentSpec, ...] = (
    ComponentSpec("services", "Services", "What merchants and their systems call.", None),
    ComponentSpec("processing", "Daily processing", "The work done for merchants each day.", None),
    ComponentSpec("infrastructure", "Infrastructure", "What everything else runs on.", None),
)

COMPONENTS: tuple[ComponentSpec, ...] = (
    ComponentSpec(
        "api", "Web Services API", "The REST API and the V4 status services.", "services"
    ),
    ComponentSpec("backoffice", "Back office", "The merchants' web interface.", "services"),
    ComponentSpec(
        "ipn", "Payment notifications (IPN)", "Signed notifications of payments.", "services"
    ),
    ComponentSpec(
        "capture_batch",
        "Capture batch",
        "The daily batch that captures payments into remittances.",
        "processing",
    ),
    ComponentSpec(
        "reconciliation",
        "Reconciliation",
        "The matching of bank entries with remittances and transactions.",
        "processing",
    ),
    ComponentSpec(
        "report_delivery",
        "Report delivery",
        "The daily journals and webhooks sent to merchants.",
        "processing",
    ),
    ComponentSpec(
        "statement_import",
        "Statement import",
        "The import of bank statement files.",
        "processing",
    ),
    ComponentSpec(
        "database", "Database", "The database every service reads and writes.", "infrastructure"
    ),
)

ALL: tuple[ComponentSpec, ...] = GROUPS + COMPONENTS
KEYS = frozenset(spec.key for spec in COMPONENTS)
