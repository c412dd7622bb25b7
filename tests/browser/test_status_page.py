"""The public status page in Chromium: no sign-in, components in their groups with their 90
uptime bars, an active incident followed to its timeline, and no serious accessibility
violation (axe-core) on the page, an incident's page and the history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from pointage.settings import Settings
from pointage.status import snapshot
from tests.browser.conftest import LiveApp, new_context
from tests.status.public_seed import Seeded, seed

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    snapshot.forget()
    return settings.model_copy(update={"status_snapshot_file": str(tmp_path / "snapshot.json")})


@pytest.fixture
def seeded(live_app: LiveApp) -> Seeded:
    return seed(live_app.session_factory, datetime.now(UTC))


@pytest.fixture
def english(browser: Browser, live_app: LiveApp) -> Iterator[BrowserContext]:
    context = new_context(browser, live_app, locale="en-GB")
    yield context
    context.close()


def _violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in found if v.get("impact") in BLOCKING]


def test_the_status_page_shows_components_bars_and_an_incident(
    english: BrowserContext, seeded: Seeded
) -> None:
    page = english.new_page()
    answer = page.goto("/status")
    assert answer is not None and answer.status == 200
    expect(page.get_by_role("heading", name="Partial System Outage")).to_be_visible()
    expect(page.get_by_role("heading", name="Components")).to_be_visible()
    api = page.locator('li.status-component[data-key="api"]')
    expect(api).to_contain_text("Web Services API")
    expect(api).to_contain_text("Partial outage")
    bars = page.get_by_role("list", name="Daily uptime over the last 90 days: Web Services API")
    expect(bars.get_by_role("listitem")).to_have_count(90)
    last = bars.get_by_role("listitem").last
    assert "%" in (last.get_attribute("title") or "")
    assert last.bounding_box() is not None and last.bounding_box()["height"] > 10  # type: ignore[index]
    expect(page.locator("li.status-component")).to_have_count(8)
    page.get_by_role("link", name="Slow answers from the API").click()
    expect(page.get_by_role("heading", name="Slow answers from the API", level=1)).to_be_visible()
    expect(page.get_by_text("A database index is missing.")).to_be_visible()
    expect(page.get_by_text("Probe says the IPN is down")).to_have_count(0)


def test_the_status_page_is_in_french_for_a_french_browser(
    browser: Browser, live_app: LiveApp, seeded: Seeded
) -> None:
    context = new_context(browser, live_app, locale="fr-FR")
    page = context.new_page()
    page.goto("/status")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    context.close()


@pytest.mark.parametrize("path", ["/status", "incident", "/status/history"])
def test_no_serious_accessibility_violation(
    browser: Browser, live_app: LiveApp, seeded: Seeded, path: str
) -> None:
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `npm ci --prefix tests/browser`", pytrace=False)
    context = browser.new_context(base_url=live_app.url, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    target = f"/status/incidents/{seeded.resolved}" if path == "incident" else path
    answer = page.goto(target)
    assert answer is not None and answer.status == 200
    violations = _violations(page)
    context.close()
    assert not violations, "\n".join(f"{v['id']}: {v['help']} {v['nodes'][:3]}" for v in violations)
