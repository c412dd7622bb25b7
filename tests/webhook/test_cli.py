"""`pointage webhooks deliver-due`, as cron runs it: what is due is sent once, and the
outcome printed."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from pointage.cli import webhooks as webhooks_cli
from pointage.webhook.transport import HttpxTransport
from tests.factories import make_payment, make_shop
from tests.webhook.builders import deliveries, register
from tests.webhook.receiver import client_context


def _pointage() -> typer.Typer:
    """The command group as `pointage` mounts it."""
    root = typer.Typer()
    root.add_typer(webhooks_cli.app, name="webhooks")
    return root


@pytest.fixture
def env(database_url, settings):
    return {
        "POINTAGE_DATABASE_URL": database_url,
        "POINTAGE_SECRET_KEY": settings.secret_key,
        "POINTAGE_SCHEDULER_ENABLED": "false",
    }


def test_deliver_due_sends_what_is_due_and_says_so(
    session, settings, env, https_receiver, authority, monkeypatch
):
    # The command's client trusts the system's authorities; the test's endpoint has its own.
    monkeypatch.setattr(
        webhooks_cli, "HttpxTransport", lambda: HttpxTransport(verify=client_context(authority))
    )
    setup = make_shop(session)
    hook = register(session, settings, setup.shop, https_receiver.url)
    https_receiver.secrets = [hook.secret]
    make_payment(session, setup.shop)
    session.commit()

    result = CliRunner().invoke(_pointage(), ["webhooks", "deliver-due"], env=env)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "webhooks: 1 delivered, 0 to retry, 0 failed"
    assert [r.signature_error for r in https_receiver.received] == [None]
    assert [d.status for d in deliveries(session)] == ["delivered"]


def test_deliver_due_prints_each_failure(session, settings, env, https_receiver, monkeypatch):
    setup = make_shop(session)
    register(session, settings, setup.shop, https_receiver.url)
    make_payment(session, setup.shop)
    session.commit()

    # The system's authorities do not know the test endpoint's: a TLS failure, retried.
    result = CliRunner().invoke(_pointage(), ["webhooks", "deliver-due"], env=env)

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == "webhooks: 0 delivered, 1 to retry, 0 failed"
    assert "certificate" in lines[0].lower() or "ssl" in lines[0].lower()
    assert https_receiver.received == []
