"""`pointage status`: the public status page's probes, incidents, maintenance, operators'
tokens and component overrides (docs/cli.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from pointage.cli.common import fail, load_settings, session_scope, user_errors
from pointage.cli.reconcile import cli_actor
from pointage.core.errors import InvalidInput
from pointage.status import incidents as incident_service
from pointage.status import maintenance as maintenance_service
from pointage.status.components import ensure_components, lift_override, set_override
from pointage.status.operators import create_token, revoke_token, user_by_email
from pointage.status.vocabulary import ComponentStatus, IncidentKind

app = typer.Typer(
    help="The public status page: probes, incidents, maintenance, tokens, overrides.",
    no_args_is_help=True,
)
incidents_app = typer.Typer(help="Incidents: list, create, update, resolve.", no_args_is_help=True)
maintenance_app = typer.Typer(help="Scheduled maintenance: schedule, list.", no_args_is_help=True)
tokens_app = typer.Typer(help="Operators' API tokens: create, revoke.", no_args_is_help=True)
app.add_typer(incidents_app, name="incidents")
app.add_typer(maintenance_app, name="maintenance")
app.add_typer(tokens_app, name="tokens")

Body = Annotated[str, typer.Option("--body", help="The update's text.")]
Components = Annotated[
    list[str],
    typer.Option(
        "--component",
        help="KEY=STATE (e.g. api=partial_outage) for an incident, KEY for a maintenance; repeat.",
    ),
]


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "-"


def _time(value: str, option: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date and time (ISO 8601)", param=option) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _states(pairs: list[str]) -> dict[str, str]:
    states: dict[str, str] = {}
    for pair in pairs:
        key, sep, state = pair.partition("=")
        if not sep:
            raise InvalidInput(f"{pair!r} is not KEY=STATE", param="--component")
        states[key.strip()] = state.strip()
    return states


@app.command("probe")
@user_errors
def probe() -> None:
    """Run one round of the probes now, as the server does every minute (the scheduled
    maintenance due moved on first), and print each component's state."""
    from pointage.db.session import make_engine, make_session_factory
    from pointage.jobs.status import StatusProbeJob

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        result = StatusProbeJob(make_session_factory(engine), settings, app=None).tick()
    finally:
        engine.dispose()
    for reading in result.readings:
        value = "" if reading.value is None else f" {reading.value:g}{reading.unit or ''}"
        typer.echo(f"{reading.probe}\t{reading.component_key}\t{reading.status}{value}")
    for key, status in result.statuses.items():
        typer.echo(f"component {key}: {status}")
    if result.error:
        fail(f"the round failed: {result.error}")


@incidents_app.command("list")
@user_errors
def list_incidents(
    open_only: Annotated[bool, typer.Option("--open", help="Only those not resolved.")] = False,
) -> None:
    """Incidents, newest first, drafts included: id, status, impact, name."""
    settings = load_settings()
    with session_scope(settings) as session:
        rows = incident_service.list_incidents(session, open_only=open_only)
        for row in rows:
            draft = "\tdraft" if row.draft else ""
            typer.echo(
                f"{row.public_id}\t{row.status}\t{row.impact}\t{_when(row.created_at)}\t"
                f"{row.name}{draft}"
            )
    typer.echo(f"{len(rows)} incident(s)")


@incidents_app.command("create")
@user_errors
def create_incident(
    name: Annotated[str, typer.Argument(help="What is wrong, in a line.")],
    impact: Annotated[str, typer.Option("--impact", help="none, minor, major or critical.")],
    body: Body,
    component: Components = [],  # noqa: B006 - typer copies a list default
) -> None:
    """Open a published incident (status investigating); subscribers are notified."""
    settings = load_settings()
    with session_scope(settings) as session:
        ensure_components(session)
        incident = incident_service.create_incident(
            session,
            name=name,
            impact=impact,
            components=_states(component),
            body=body,
            actor=cli_actor(),
        )
        public_id = incident.public_id
    typer.echo(f"incident {public_id} opened: {name}")


@incidents_app.command("update")
@user_errors
def update_incident(
    incident_id: Annotated[str, typer.Argument(help="The incident's id.")],
    status: Annotated[
        str, typer.Option("--status", help="investigating, identified, monitoring or resolved.")
    ],
    body: Body,
    component: Components = [],  # noqa: B006 - typer copies a list default
) -> None:
    """Post an update of an incident's timeline."""
    settings = load_settings()
    with session_scope(settings) as session:
        ensure_components(session)
        incident = incident_service.get_incident(session, incident_id, IncidentKind.INCIDENT)
        incident_service.post_update(
            session,
            incident,
            status=status,
            body=body,
            components=_states(component),
            actor=cli_actor(),
        )
        now = incident.status
    typer.echo(f"incident {incident_id} is {now}")


@incidents_app.command("resolve")
@user_errors
def resolve_incident(
    incident_id: Annotated[str, typer.Argument(help="The incident's id.")],
    body: Body = "This incident has been resolved.",
) -> None:
    """Resolve an incident (its last update)."""
    settings = load_settings()
    with session_scope(settings) as session:
        incident = incident_service.get_incident(session, incident_id, IncidentKind.INCIDENT)
        incident_service.resolve(session, incident, body=body, actor=cli_actor())
    typer.echo(f"incident {incident_id} resolved")


@maintenance_app.command("schedule")
@user_errors
def schedule(
    name: Annotated[str, typer.Argument(help="What is done, in a line.")],
    start: Annotated[str, typer.Option("--from", help="Start, ISO 8601 (UTC if no offset).")],
    end: Annotated[str, typer.Option("--until", help="End, ISO 8601 (UTC if no offset).")],
    body: Body,
    component: Components = [],  # noqa: B006 - typer copies a list default
) -> None:
    """Announce a maintenance; it starts and completes by itself at its times."""
    settings = load_settings()
    with session_scope(settings) as session:
        ensure_components(session)
        made = maintenance_service.schedule(
            session,
            name=name,
            components=component,
            scheduled_for=_time(start, "--from"),
            scheduled_until=_time(end, "--until"),
            body=body,
            actor=cli_actor(),
        )
        public_id = made.public_id
    typer.echo(f"maintenance {public_id} scheduled: {name}")


@maintenance_app.command("list")
@user_errors
def list_maintenance() -> None:
    """Scheduled maintenance, latest window first: id, status, window, name."""
    settings = load_settings()
    with session_scope(settings) as session:
        rows = incident_service.list_incidents(session, IncidentKind.MAINTENANCE)
        for row in rows:
            typer.echo(
                f"{row.public_id}\t{row.status}\t{_when(row.scheduled_for)}\t"
                f"{_when(row.scheduled_until)}\t{row.name}"
            )
    typer.echo(f"{len(rows)} maintenance(s)")


@tokens_app.command("create")
@user_errors
def create_operator_token(
    user: Annotated[str, typer.Option("--user", help="The operator's e-mail address.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "",
) -> None:
    """Create an API token for an operator and print it once."""
    settings = load_settings()
    with session_scope(settings) as session:
        made = create_token(session, user_by_email(session, user), label=label, actor=cli_actor())
        token_id, secret = made.token.id, made.secret
    typer.echo(f"token {token_id} created for {user}")
    typer.echo(f"token: {secret}")
    typer.echo("the token is shown once: it is stored hashed", err=True)


@tokens_app.command("revoke")
@user_errors
def revoke_operator_token(
    token_id: Annotated[int, typer.Argument(help="The token's id.", min=1)],
) -> None:
    """Revoke an operator's API token for good."""
    settings = load_settings()
    with session_scope(settings) as session:
        revoke_token(session, token_id, actor=cli_actor())
    typer.echo(f"token {token_id} revoked")


@app.command("override")
@user_errors
def override(
    component: Annotated[str, typer.Argument(help="The component's key (e.g. api).")],
    status: Annotated[
        str | None,
        typer.Argument(help="operational, degraded_performance, partial_outage, major_outage…"),
    ] = None,
    until: Annotated[str, typer.Option("--until", help="End, ISO 8601 (UTC if no offset).")] = "",
    reason: Annotated[str, typer.Option("--reason", help="Why, for the other operators.")] = "",
    lift: Annotated[bool, typer.Option("--lift", help="End the override now.")] = False,
) -> None:
    """Show a component in STATUS until a time, whatever the probes say; or --lift it."""
    settings = load_settings()
    with session_scope(settings) as session:
        ensure_components(session)
        if lift:
            shown = lift_override(session, component, actor=cli_actor()).status
            typer.echo(f"component {component}: override lifted, {shown}")
            return
        if status not in {s.value for s in ComponentStatus}:
            raise InvalidInput(
                "STATUS must be one of " + ", ".join(s.value for s in ComponentStatus),
                param="STATUS",
            )
        if not until:
            raise InvalidInput("--until is required", param="--until")
        set_override(
            session,
            component,
            ComponentStatus(status),
            _time(until, "--until"),
            reason,
            actor=cli_actor(),
        )
    typer.echo(f"component {component}: {status} until {until}")
