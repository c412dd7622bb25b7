"""The status page's automatic probes, and the round that runs them all (every
`status_probe_seconds` in the server: pointage.jobs.status; once by `pointage status probe`).

Each probe reads one measure and turns it into a component state through its thresholds
(pointage.status.thresholds): the database's round trip, the application answering its own
requests (probes_http), the scheduler's heartbeat, the lateness of the capture batches and of
the reconciliation after them, and the failures and backlog of report and webhook deliveries
(probes_work). A component's state is the worst of the probes it follows (FOLLOWS).

A probe that cannot read at all (its query fails, the application answers an error) says
major_outage for its component, with the error in its detail; nothing a probe does escapes
the round. When the database itself cannot be reached the round writes nothing: its result is
kept in memory (`last_round()`, and `app.state.status_last_round` in the server) for the
public page to answer from, and logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from pointage.db.session import unit_of_work
from pointage.settings import Settings
from pointage.status.components import end_expired_overrides, ensure_components, set_probe_status
from pointage.status.models import StatusProbeReading
from pointage.status.thresholds import Levels, parse_thresholds
from pointage.status.vocabulary import ComponentStatus, worst

log = logging.getLogger(__name__)

MAX_DETAIL = 500


@dataclass(frozen=True, slots=True)
class Reading:
    """What one probe read: its measure (`value` in `unit`; None when it could not read) and
    the state its thresholds give the component it is named for."""

    probe: str
    component_key: str
    value: float | None
    unit: str | None
    status: ComponentStatus
    detail: str

    def failed(self) -> bool:
        return self.value is None and self.status == ComponentStatus.MAJOR_OUTAGE


def reading(
    probe: str,
    component_key: str,
    value: float,
    unit: str,
    levels: Levels,
    detail: str,
) -> Reading:
    """A measure turned into a state by its levels."""
    return Reading(probe, component_key, value, unit, levels.status_of(value), detail[:MAX_DETAIL])


def failure(probe: str, component_key: str, unit: str | None, error: str) -> Reading:
    """A probe that could not read: its component is in major outage."""
    return Reading(
        probe, component_key, None, unit, ComponentStatus.MAJOR_OUTAGE, error[:MAX_DETAIL]
    )


def describe(exc: BaseException) -> str:
    """An error in one line, its type first (a driver's message may span lines)."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


# The probes each component's state follows (the worst of them). The first probe named for a
# component is the one its readings are stored under.
FOLLOWS: dict[str, tuple[str, ...]] = {
    "database": ("database_latency_ms",),
    "api": ("api_latency_ms",),
    "backoffice": ("backoffice_latency_ms",),
    # Notifications are received by a route of the API and written to the database: they
    # work when both do.
    "ipn": ("api_latency_ms", "database_latency_ms"),
    "capture_batch": ("capture_batch_late_min", "scheduler_heartbeat_age_s"),
    "reconciliation": ("reconciliation_late_min", "scheduler_heartbeat_age_s"),
    "report_delivery": (
        "report_delivery_failures",
        "report_delivery_backlog",
        "webhook_failures",
        "webhook_backlog",
        "scheduler_heartbeat_age_s",
    ),
    # A statement is imported by a request to the API or the back office and written to the
    # database in that request: it works when they do.
    "statement_import": ("api_latency_ms", "backoffice_latency_ms", "database_latency_ms"),
}


@dataclass(frozen=True, slots=True)
class ProbeContext:
    settings: Settings
    thresholds: dict[str, Levels]
    now: datetime


@dataclass(slots=True)
class ProbeRound:
    """One round's result: every reading, each component's state from them, and whether it
    was written to the database."""

    at: datetime
    readings: list[Reading]
    statuses: dict[str, ComponentStatus]
    database_reachable: bool
    written: bool = False
    drafts_opened: list[str] = field(default_factory=list)
    error: str | None = None

    def reading_of(self, probe: str) -> Reading | None:
        return next((r for r in self.readings if r.probe == probe), None)


_last_round: ProbeRound | None = None
_last_lock = threading.Lock()


def last_round() -> ProbeRound | None:
    """The last round run in this process (None before the first): what the public page
    answers from while the database is unreachable."""
    with _last_lock:
        return _last_round


def _keep(result: ProbeRound, app: Any) -> None:
    global _last_round
    with _last_lock:
        _last_round = result
    if app is not None:
        app.state.status_last_round = result


# --- the database -----------------------------------------------------------------------------


def probe_database(factory: sessionmaker[Session], context: ProbeContext) -> Reading:
    """A `SELECT 1` round trip on a connection of the application's pool (a connection the
    server closed is replaced first, as a request's would be)."""
    name = "database_latency_ms"
    levels = context.thresholds[name]
    started = time.perf_counter()
    try:
        with unit_of_work(factory, read_only=True) as session:
            session.execute(text("SELECT 1")).scalar_one()
    except Exception as exc:
        return failure(name, "database", "ms", f"the database is unreachable: {describe(exc)}")
    elapsed = (time.perf_counter() - started) * 1000
    return reading(name, "database", round(elapsed, 1), "ms", levels, "SELECT 1 round trip")


# --- the round --------------------------------------------------------------------------------

DatabaseProbe = Callable[[Session, ProbeContext], Reading | Sequence[Reading]]


def _guarded(
    probe: str, component_key: str, unit: str | None, run: Callable[[], Reading | Sequence[Reading]]
) -> list[Reading]:
    try:
        result = run()
    except Exception as exc:
        log.warning("status probe %s failed: %s", probe, describe(exc))
        return [failure(probe, component_key, unit, f"the probe failed: {describe(exc)}")]
    return [result] if isinstance(result, Reading) else list(result)


def _database_probes() -> list[tuple[str, str, str | None, DatabaseProbe]]:
    from pointage.status.probes_work import PROBES

    return PROBES


def component_statuses(readings: Sequence[Reading]) -> dict[str, ComponentStatus]:
    """Each component's state: the worst of the probes it follows (a probe without a
    reading this round says nothing)."""
    by_probe = {r.probe: r.status for r in readings}
    return {
        key: worst([by_probe[p] for p in probes if p in by_probe])
        for key, probes in FOLLOWS.items()
    }


def run_probe_round(
    session_factory: sessionmaker[Session],
    settings: Settings,
    app: Any = None,
    now: datetime | None = None,
) -> ProbeRound:
    """Run every probe, store their readings and the components' states, end the overrides
    whose time is over and open a draft incident for a component gone to major outage.
    `app`: the running application, asked in process by the self-checks (None: one is built
    for the round, on the same settings). Never raises: a failure is in the result."""
    from pointage.status import probes_http

    now = now or datetime.now(UTC)
    context = ProbeContext(settings, parse_thresholds(settings.status_thresholds), now)
    readings = [probe_database(session_factory, context)]
    reachable = not readings[0].failed()
    readings += probes_http.self_checks(app, settings, context)
    for name, key, unit, probe in _database_probes():
        if not reachable:
            readings.append(failure(name, key, unit, "not measured: the database is unreachable"))
            continue

        def run(probe: DatabaseProbe = probe) -> Reading | Sequence[Reading]:
            with unit_of_work(session_factory, read_only=True) as session:
                return probe(session, context)

        readings += _guarded(name, key, unit, run)
    result = ProbeRound(now, readings, component_statuses(readings), reachable)
    if reachable:
        try:
            result.drafts_opened = _write(session_factory, result)
            result.written = True
        except Exception as exc:
            result.error = describe(exc)
            log.exception("status probes: the round's results could not be written")
    else:
        result.error = readings[0].detail
        log.error(
            "status probes: %s; nothing written (%s)",
            readings[0].detail,
            ", ".join(f"{k}={v.value}" for k, v in result.statuses.items()),
        )
    _keep(result, app)
    return result


def _write(factory: sessionmaker[Session], result: ProbeRound) -> list[str]:
    from pointage.status.drafts import open_drafts

    now = result.at
    with unit_of_work(factory) as session:
        components = ensure_components(session, now)
        for item in result.readings:
            _store(session, item, now)
        gone_major: list[str] = []
        for key, status in result.statuses.items():
            component = components[key]
            was = component.probe_status
            reason = _reason(key, result)
            set_probe_status(session, component, status, now, reason=reason)
            if status == ComponentStatus.MAJOR_OUTAGE and was != ComponentStatus.MAJOR_OUTAGE:
                gone_major.append(key)
        end_expired_overrides(session, now)
        _groups(session, components, now)
        # A component an operator or a maintenance holds is known about: no draft for it.
        gone_major = [key for key in gone_major if components[key].override_status is None]
        return open_drafts(session, components, gone_major, result.readings, now)


def _reason(key: str, result: ProbeRound) -> str:
    """The readings that made the component's state, for its change history."""
    status = result.statuses[key]
    parts = [
        f"{r.probe}={'?' if r.value is None else _number(r.value)}"
        + (f" ({r.detail})" if r.status == status and status != ComponentStatus.OPERATIONAL else "")
        for r in result.readings
        if r.probe in FOLLOWS[key]
    ]
    return "; ".join(parts)[:MAX_DETAIL]


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _groups(session: Session, components: dict[str, Any], now: datetime) -> None:
    """A group shows the worst state of its components (their shown state, overrides
    included)."""
    for group in (c for c in components.values() if c.is_group):
        members = [
            ComponentStatus(c.status)
            for c in components.values()
            if not c.is_group and c.group_id == group.id
        ]
        set_probe_status(session, group, worst(members), now, reason="worst of its components")


def _store(session: Session, item: Reading, now: datetime) -> None:
    row = session.get(StatusProbeReading, item.probe)
    if row is None:
        row = StatusProbeReading(probe=item.probe)
        session.add(row)
    row.component_key = item.component_key
    row.status = item.status.value
    row.value = item.value
    row.unit = item.unit
    row.detail = item.detail[:MAX_DETAIL]
    row.measured_at = now
