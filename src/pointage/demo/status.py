"""The demo's status page: the demo admin runs it (an operator), 90 days of component history
with a few short degradations and outages, resolved past incidents with their timelines (one
with a postmortem), a completed and an upcoming scheduled maintenance. Deterministic: the same
`now` gives the same history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pointage.auth.models import User
from pointage.status import incidents, maintenance
from pointage.status.components import ensure_components
from pointage.status.models import StatusComponentChange
from pointage.status.vocabulary import ChangeSource, ComponentStatus

ACTOR = "demo"
OPERATOR_EMAIL = "admin@maison-exemple.example"
HISTORY_DAYS = 90


@dataclass(frozen=True)
class Episode:
    """A component away from operational for a while, `days_ago` days before today."""

    days_ago: int
    hour: int
    minute: int
    component: str
    status: ComponentStatus
    minutes: int


# Short, scattered, none today: the page shows a few imperfect days among green ones.
EPISODES: tuple[Episode, ...] = (
    Episode(83, 14, 10, "report_delivery", ComponentStatus.DEGRADED_PERFORMANCE, 95),
    Episode(71, 9, 42, "api", ComponentStatus.PARTIAL_OUTAGE, 38),
    Episode(58, 3, 5, "capture_batch", ComponentStatus.DEGRADED_PERFORMANCE, 50),
    Episode(44, 16, 20, "ipn", ComponentStatus.MAJOR_OUTAGE, 27),
    Episode(44, 16, 20, "api", ComponentStatus.DEGRADED_PERFORMANCE, 35),
    Episode(29, 11, 0, "statement_import", ComponentStatus.PARTIAL_OUTAGE, 70),
    Episode(16, 22, 15, "database", ComponentStatus.DEGRADED_PERFORMANCE, 18),
    Episode(6, 8, 30, "backoffice", ComponentStatus.PARTIAL_OUTAGE, 22),
)


@dataclass(frozen=True)
class PastIncident:
    episode: Episode
    name: str
    impact: str
    steps: tuple[tuple[int, str, str], ...]  # (minutes after the start, status, body)
    postmortem: str | None = None


PAST_INCIDENTS: tuple[PastIncident, ...] = (
    PastIncident(
        EPISODES[1],
        "Errors on the Web Services API",
        "major",
        (
            (0, "investigating", "Some API calls answer with errors. We are investigating."),
            (12, "identified", "A configuration change of the load balancer is the cause."),
            (25, "monitoring", "The change is rolled back; error rates are back to normal."),
            (45, "resolved", "The API has answered normally for 20 minutes. Resolved."),
        ),
    ),
    PastIncident(
        EPISODES[3],
        "Payment notifications delayed",
        "critical",
        (
            (0, "investigating", "Payment notifications (IPN) are not delivered."),
            (9, "identified", "The notification workers lost their database connections."),
            (20, "monitoring", "Workers restarted; the backlog is being delivered."),
            (40, "resolved", "Every delayed notification has been delivered."),
        ),
        postmortem=(
            "On that afternoon, payment notifications stopped for 27 minutes. A database "
            "failover left the notification workers with stale connections, which they did "
            "not renew. Notifications were queued, none was lost, and all were delivered "
            "within 20 minutes of the restart.\n\nWhat we changed: the workers now check "
            "their connections before use, and a probe alerts on a growing backlog."
        ),
    ),
    PastIncident(
        EPISODES[5],
        "Bank statement imports failing",
        "minor",
        (
            (0, "investigating", "Some statement files are refused at import."),
            (30, "identified", "Files from one bank use a new CAMT.053 version."),
            (75, "resolved", "The new version is supported; refused files can be sent again."),
        ),
    ),
    PastIncident(
        EPISODES[7],
        "Back office slow to load",
        "minor",
        (
            (0, "investigating", "Pages of the back office take long to load."),
            (15, "monitoring", "A slow query has been fixed; we are watching."),
            (30, "resolved", "Pages load normally again."),
        ),
    ),
)


def build_status_demo(session: Session, now: datetime) -> None:
    """Write the demo's status page; flushes, never commits."""
    now = now.astimezone(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=HISTORY_DAYS)
    components = ensure_components(session, start)
    user = session.scalars(select(User).where(User.email == OPERATOR_EMAIL)).one_or_none()
    if user is not None:
        user.operator = True

    for episode in EPISODES:
        began = _at(today, episode)
        ended = began + timedelta(minutes=episode.minutes)
        for shown, when in ((episode.status, began), (ComponentStatus.OPERATIONAL, ended)):
            session.add(
                StatusComponentChange(
                    component_id=components[episode.component].id,
                    status=shown.value,
                    source=ChangeSource.PROBE.value,
                    reason="demo history",
                    changed_at=when,
                )
            )
    session.flush()

    for past in PAST_INCIDENTS:
        began = _at(today, past.episode)
        first_minutes, first_status, first_body = past.steps[0]
        incident = incidents.create_incident(
            session,
            name=past.name,
            impact=past.impact,
            components={past.episode.component: past.episode.status.value},
            body=first_body,
            status=first_status,
            actor=ACTOR,
            now=began + timedelta(minutes=first_minutes),
        )
        for minutes, status, body in past.steps[1:]:
            affected = (
                {past.episode.component: ComponentStatus.OPERATIONAL.value}
                if status == "resolved"
                else None
            )
            incidents.post_update(
                session,
                incident,
                status=status,
                body=body,
                components=affected,
                actor=ACTOR,
                now=began + timedelta(minutes=minutes),
            )
        if past.postmortem:
            incidents.write_postmortem(
                session,
                incident,
                body=past.postmortem,
                publish=True,
                actor=ACTOR,
                now=began + timedelta(days=2),
            )

    # A completed maintenance, announced three days before its window.
    window = today - timedelta(days=21) + timedelta(hours=2)
    done = maintenance.schedule(
        session,
        name="Database server upgrade",
        components=["database", "api", "backoffice"],
        scheduled_for=window,
        scheduled_until=window + timedelta(hours=1),
        body="The database server moves to a new version. The API and the back office may be "
        "unavailable for a few minutes during the window.",
        actor=ACTOR,
        now=window - timedelta(days=3),
    )
    maintenance.advance_scheduled(session, window)
    maintenance.post_update(
        session,
        done,
        status="verifying",
        body="The upgrade is done; we are checking every service.",
        actor=ACTOR,
        now=window + timedelta(minutes=40),
    )
    maintenance.advance_scheduled(session, window + timedelta(hours=1))

    # The next one, in three days.
    upcoming = today + timedelta(days=3, hours=2)
    maintenance.schedule(
        session,
        name="Statement import service update",
        components=["statement_import"],
        scheduled_for=upcoming,
        scheduled_until=upcoming + timedelta(minutes=45),
        body="Bank statement imports are paused during the update; files sent meanwhile are "
        "imported right after it.",
        actor=ACTOR,
        now=now,
    )
    session.flush()


def _at(today: datetime, episode: Episode) -> datetime:
    return (
        today
        - timedelta(days=episode.days_ago)
        + timedelta(hours=episode.hour, minutes=episode.minute)
    )
