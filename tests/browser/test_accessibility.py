"""Accessibility of the back office's main pages, checked by axe-core in a real browser on
the demo merchant's data: no violation of "serious" or "critical" impact on the sign-in
page, on every page of the navigation, nor on a transaction's detail.

axe-core is pinned in tests/browser/package-lock.json and installed by `./dev test`
(`npm ci --prefix tests/browser`); without it the test fails and says how to install it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import select

from pointage.core.statuses import Mode, Role
from pointage.demo.runner import DemoOptions, build_demo
from pointage.payment.models import Transaction
from pointage.settings import Settings
from pointage.web.backoffice import NAVIGATION
from tests.browser.conftest import LiveApp

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
PAGES = ["sign-in", *(item.key for item in NAVIGATION), "transaction-detail"]


@dataclass(frozen=True)
class Demo:
    email: str
    password: str
    transaction_uuid: str


@pytest.fixture
def demo(live_app: LiveApp, settings: Settings, tmp_path: Path) -> Demo:
    """A week of the demo merchant's activity, its bank files imported and reconciled."""
    with live_app.session_factory() as session, session.begin():
        summary = build_demo(
            session,
            DemoOptions(days=7, per_day=6, bank_dir=tmp_path / "bank"),
            secret_key=settings.secret_key,
            now=datetime.now(UTC),
        )
        admin = next(user for user in summary.users if user.role == Role.ADMIN)
        uuid = session.scalars(
            select(Transaction.uuid)
            .where(Transaction.mode == Mode.PRODUCTION.value)
            .order_by(Transaction.id)
        ).first()
    assert uuid is not None
    return Demo(admin.email, admin.password, uuid)


@pytest.fixture
def checked_context(browser: Browser, live_app: LiveApp) -> Iterator[BrowserContext]:
    # The pages allow only their own scripts (Content-Security-Policy): the check's script is
    # added by the browser itself.
    context = browser.new_context(base_url=live_app.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def _sign_in(page: Page, demo: Demo) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(demo.email)
    page.get_by_label("Password", exact=True).fill(demo.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def _path(key: str, demo: Demo) -> str:
    if key == "sign-in":
        return "/sign-in"
    if key == "transaction-detail":
        return f"/transactions/{demo.transaction_uuid}"
    return next(item.path for item in NAVIGATION if item.key == key)


def _violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in found if v.get("impact") in BLOCKING]


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(
                f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '')}"
            )
    return "\n".join(lines)


@pytest.mark.parametrize("key", PAGES)
def test_a_main_page_has_no_serious_accessibility_violation(
    checked_context: BrowserContext, demo: Demo, key: str
):
    if not AXE.is_file():
        pytest.fail(
            "axe-core is not installed: run `./dev test`, or "
            "`npm ci --prefix tests/browser --no-audit --no-fund`",
            pytrace=False,
        )
    page = checked_context.new_page()
    if key != "sign-in":
        _sign_in(page, demo)
    answer = page.goto(_path(key, demo))
    assert answer is not None and answer.status == 200, f"{key}: HTTP {answer and answer.status}"
    violations = _violations(page)
    print(f"{key} ({page.url}):\n{_describe(violations) or '    no serious violation'}")
    assert not violations, f"{key} ({page.url}):\n{_describe(violations)}"


def test_the_check_finds_a_serious_violation_where_there_is_one(
    checked_context: BrowserContext, live_app: LiveApp
):
    page = checked_context.new_page()
    page.goto("/sign-in")
    page.evaluate(
        "() => { const input = document.createElement('input');"
        " input.id = 'unlabelled'; document.querySelector('main').append(input); }"
    )
    violations = _violations(page)
    assert [v["id"] for v in violations] == ["label"], _describe(violations)
    assert "#unlabelled" in _describe(violations)
