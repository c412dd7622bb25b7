"""The status page's administration in Chromium, on the demo (whose admin is an operator):
every page free of serious accessibility violations (axe-core), and an incident opened and
resolved with the keyboard and the confirmation page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import select

from pointage.core.statuses import Role
from pointage.demo.runner import DemoOptions, build_demo
from pointage.settings import Settings
from pointage.status.models import StatusIncident
from tests.browser.conftest import LiveApp
from tests.browser.test_accessibility import AXE, Demo, _describe, _sign_in, _violations


@pytest.fixture
def demo(live_app: LiveApp, settings: Settings, tmp_path: Path) -> Demo:
    """Two days of the demo merchant, its status page included (its admin is an operator)."""
    with live_app.session_factory() as session, session.begin():
        summary = build_demo(
            session,
            DemoOptions(days=2, per_day=3),
            secret_key=settings.secret_key,
            now=datetime.now(UTC),
        )
        admin = next(user for user in summary.users if user.role == Role.ADMIN)
    return Demo(admin.email, admin.password, "")


@pytest.fixture
def checked_context(browser: Browser, live_app: LiveApp) -> Iterator[BrowserContext]:
    # axe-core's script is added by the browser itself, past the pages' script policy.
    context = browser.new_context(base_url=live_app.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def _incident_id(live_app: LiveApp, name: str) -> str:
    with live_app.session_factory() as session:
        return session.scalars(
            select(StatusIncident.public_id).where(StatusIncident.name == name)
        ).one()


def test_the_administration_pages_have_no_serious_violation(
    checked_context: BrowserContext,
    demo: Demo,
    live_app: LiveApp,
):
    assert AXE.is_file(), "axe-core is not installed: run `./dev test`"
    page = checked_context.new_page()
    _sign_in(page, demo)
    postmortem = _incident_id(live_app, "Payment notifications delayed")
    maintenance = _incident_id(live_app, "Statement import service update")
    failures = []
    for path in (
        "/status-admin",
        "/status-admin/incidents/new",
        "/status-admin/maintenances/new",
        f"/status-admin/incidents/{postmortem}",
        f"/status-admin/incidents/{maintenance}",
    ):
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        violations = _violations(page)
        if violations:
            failures.append(f"{path}:\n{_describe(violations)}")
    assert failures == []


def _open_incident(page: Page) -> None:
    page.goto("/status-admin")
    page.get_by_role("link", name="Open an incident").click()
    page.get_by_label("Name").fill("Reports late")
    page.get_by_label("Impact").select_option("minor")
    page.get_by_label("Report delivery").select_option("degraded_performance")
    page.get_by_label("First update").fill("Daily journals are late.")
    page.get_by_label("First update").press("Tab")
    page.keyboard.press("Enter")  # the focus is on the submit button


def test_an_operator_opens_and_resolves_an_incident(
    checked_context: BrowserContext,
    demo: Demo,
    live_app: LiveApp,
):
    page = checked_context.new_page()
    _sign_in(page, demo)
    page.goto("/dashboard")
    page.get_by_text(demo.email).first.click()
    page.get_by_role("link", name="Status page").click()
    page.wait_for_url("**/status-admin")
    _open_incident(page)
    page.wait_for_url(re.compile(r"/status-admin/incidents/[a-z0-9]{12}$"))
    assert page.get_by_role("heading", name="Reports late").is_visible()
    page.get_by_label("New status").select_option("resolved")
    page.get_by_label("Message").fill("Journals sent.")
    page.get_by_role("button", name="Post the update").click()
    assert page.get_by_text("Resolve this incident?").is_visible()
    page.get_by_role("button", name="Resolve").click()
    page.wait_for_url(re.compile(r"/status-admin/incidents/[a-z0-9]{12}$"))
    assert page.get_by_text("The update is posted.").is_visible()
    with live_app.session_factory() as session:
        status = session.scalars(
            select(StatusIncident.status).where(StatusIncident.name == "Reports late")
        ).one()
    assert status == "resolved"
