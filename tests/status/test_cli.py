"""`pointage status …` and the operator flag of `pointage users`: incidents opened, updated
and resolved, maintenance scheduled and listed, tokens created once and revoked, overrides set
and lifted; refused inputs on one line, exit status 1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pointage.auth.models import User
from pointage.cli.main import app
from pointage.status.models import StatusComponent, StatusIncident, StatusOperatorToken
from pointage.status.operators import authenticate
from tests.factories import make_shop


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"POINTAGE_DATABASE_URL": database_url}


@pytest.fixture
def invoke(session):
    def run(env, *args):
        session.commit()  # the test's reads end before the command writes (SQLite's lock)
        return CliRunner().invoke(app, list(args), env=env)

    return run


def test_a_user_is_made_an_operator_and_given_a_token(invoke, env, session):
    make_shop(session)
    session.commit()
    made = invoke(
        env, "users", "create", "ops@example.com", "--role", "read_only", "--shop", "12345678",
        "--operator",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "status page operator" in made.stdout
    user = session.scalars(select(User)).one()
    assert user.operator

    token = invoke(env, "status", "tokens", "create", "--user", "ops@example.com")
    assert token.exit_code == 0, token.output
    secret = token.stdout.splitlines()[-1].removeprefix("token: ")
    assert secret.startswith("pso_") and "shown once" in token.stderr
    session.expire_all()
    assert authenticate(session, secret).email == "ops@example.com"

    assert invoke(env, "users", "set-operator", "ops@example.com", "--no").exit_code == 0
    session.expire_all()
    assert not session.get(User, user.id).operator
    refused = invoke(env, "status", "tokens", "create", "--user", "ops@example.com")
    assert refused.exit_code == 1 and "operator" in refused.stderr

    token_id = session.scalars(select(StatusOperatorToken.id)).one()
    assert invoke(env, "status", "tokens", "revoke", str(token_id)).exit_code == 0
    session.expire_all()
    assert session.get(StatusOperatorToken, token_id).revoked_at is not None
    assert invoke(env, "users", "set-operator", "nobody@example.com").exit_code == 1


def test_an_incident_is_opened_updated_and_resolved(invoke, env, session):
    opened = invoke(
        env, "status", "incidents", "create", "Slow API", "--impact", "minor",
        "--body", "Looking.", "--component", "api=degraded_performance",
    )  # fmt: skip
    assert opened.exit_code == 0, opened.output
    incident = session.scalars(select(StatusIncident)).one()
    assert opened.stdout.startswith(f"incident {incident.public_id} opened")

    moved = invoke(
        env, "status", "incidents", "update", incident.public_id, "--status", "monitoring",
        "--body", "Fixed, watching.",
    )  # fmt: skip
    assert moved.exit_code == 0 and "monitoring" in moved.stdout
    assert invoke(env, "status", "incidents", "resolve", incident.public_id).exit_code == 0
    again = invoke(
        env, "status", "incidents", "update", incident.public_id, "--status", "identified",
        "--body", "x",
    )  # fmt: skip
    assert again.exit_code == 1 and again.stderr.startswith("error:")
    listed = invoke(env, "status", "incidents", "list")
    assert f"{incident.public_id}\tresolved\tminor" in listed.stdout

    bad = invoke(
        env, "status", "incidents", "create", "X", "--impact", "huge", "--body", "y",
    )  # fmt: skip
    assert bad.exit_code == 1 and "impact" in bad.stderr


def test_a_maintenance_is_scheduled_and_listed(invoke, env):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    made = invoke(
        env, "status", "maintenance", "schedule", "Database upgrade",
        "--from", start.isoformat(), "--until", (start + timedelta(hours=2)).isoformat(),
        "--body", "Upgrade.", "--component", "database",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    listed = invoke(env, "status", "maintenance", "list")
    assert "\tscheduled\t" in listed.stdout and "Database upgrade" in listed.stdout
    late = invoke(
        env, "status", "maintenance", "schedule", "Late", "--from", "2020-01-01T00:00",
        "--until", "2020-01-01T01:00", "--body", "x", "--component", "database",
    )  # fmt: skip
    assert late.exit_code == 1 and "future" in late.stderr


def test_a_component_is_overridden_and_lifted(invoke, env, session):
    until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    done = invoke(
        env, "status", "override", "ipn", "major_outage", "--until", until,
        "--reason", "provider down",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    ipn = session.scalars(select(StatusComponent).where(StatusComponent.key == "ipn")).one()
    assert ipn.status == "major_outage"
    lifted = invoke(env, "status", "override", "ipn", "--lift")
    assert lifted.exit_code == 0 and "operational" in lifted.stdout
    unknown = invoke(env, "status", "override", "nope", "major_outage", "--until", until,
                     "--reason", "x")  # fmt: skip
    assert unknown.exit_code == 1


def test_a_probe_round_from_the_command_moves_a_due_maintenance_on_first(invoke, env, session):
    from pointage.status.components import ensure_components
    from pointage.status.maintenance import schedule

    ensure_components(session)
    start = datetime.now(UTC) - timedelta(minutes=5)
    window = schedule(
        session,
        name="Database upgrade",
        components=["database"],
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=2),
        body="The database is upgraded.",
        actor="ops@example.com",
        now=start - timedelta(days=1),
    )

    ran = invoke(env, "status", "probe")

    assert ran.exit_code == 0, ran.output
    session.expire_all()
    assert session.get(StatusIncident, window.id).status == "in_progress"
    database = session.scalars(select(StatusComponent).where(StatusComponent.key == "database"))
    assert database.one().status == "under_maintenance"
