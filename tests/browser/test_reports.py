"""Reports in a real browser (English pages): download a report from the history, change a
setting after the confirmation (a refused value told next to its field first), re-send a
report after the confirmation, generate one on demand; every page passes axe-core."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect
from sqlalchemy import select

from pointage.report.models import GeneratedReport
from pointage.report.service import on_demand
from pointage.report.service.settings import save_settings, settings_view
from pointage.settings import Settings
from pointage.shop.models import Shop
from tests.browser.conftest import EMAIL, GIVEN_SHOPS, PASSWORD, LiveApp
from tests.report.reports_data import DAY, report_settings

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
PARIS = next(iter(GIVEN_SHOPS))


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The application's settings with a reports folder of the test's own."""
    return report_settings(settings, tmp_path)


def _sign_in(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def _no_axe_violations(page: Page) -> None:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    assert found == [], json.dumps(found, indent=1)


def _seed(live_app: LiveApp, settings: Settings, outbox: Path) -> GeneratedReport:
    with live_app.session_factory() as session, session.begin():
        shop = session.scalars(select(Shop).where(Shop.shop_id == PARIS)).one()
        save_settings(
            session,
            shop,
            {"journals": ["jt"], "local_directory": str(outbox)},
            "cli:operator",
            secret_key=settings.secret_key,
        )
        report = on_demand.generate_now(
            session,
            shop,
            on_demand.Request(journal="jt", day=DAY),
            reports_dir=Path(settings.reports_dir),
            actor="test",
            now=datetime(2026, 3, 3, 6, tzinfo=UTC),
        )
        session.expunge(report)
    return report


def test_download_a_report_and_change_a_setting(
    browser: Browser, live_app: LiveApp, settings: Settings, tmp_path: Path
):
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    report = _seed(live_app, settings, outbox)
    # axe-core is added to the pages: the context lets it past their CSP.
    context = browser.new_context(base_url=live_app.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page)

    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    _no_axe_violations(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Download {report.filename}").click()
    download = download_info.value
    assert download.suggested_filename == report.filename
    saved = tmp_path / "downloaded"
    download.save_as(saved)
    assert saved.read_bytes() == (Path(settings.reports_dir) / report.storage_path).read_bytes()

    page.get_by_role("link", name="Report settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report settings")
    _no_axe_violations(page)
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.get_by_label("Operations journal (JO)").check()
    page.get_by_label("Recipients").fill("compta@example.fr")
    page.get_by_label("Port").fill("abc")
    page.get_by_role("button", name="Save the settings").click()
    expect(page.locator("#s-sftp_port-error")).to_have_text("Enter a whole number from 1 to 65535.")
    expect(page.get_by_label("Operations journal (JO)")).to_be_checked()
    _no_axe_violations(page)

    page.get_by_label("Port").fill("22")
    page.get_by_role("button", name="Save the settings").click()
    expect(page.get_by_role("status")).to_contain_text("The report settings are saved.")
    expect(page.get_by_label("Operations journal (JO)")).to_be_checked()
    expect(page.get_by_label("Recipients")).to_have_value("compta@example.fr")
    assert dialogs == ["Save these report settings?"] * 2
    with live_app.session_factory() as session:
        shop = session.scalars(select(Shop).where(Shop.shop_id == PARIS)).one()
        view = settings_view(session, shop)
    assert view.journals == ["jt", "jo"]
    assert view.email_recipients == ["compta@example.fr"]
    context.close()


def test_re_send_a_report_after_confirming(
    browser: Browser, live_app: LiveApp, settings: Settings, tmp_path: Path
):
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    report = _seed(live_app, settings, outbox)
    context = browser.new_context(base_url=live_app.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page)
    page.goto("/reports")
    page.get_by_role("link", name=report.filename, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(report.filename)
    _no_axe_violations(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Re-send the report").click()
    expect(page.get_by_role("status")).to_contain_text("Re-send requested")
    deliveries = page.get_by_role("group", name="Deliveries")
    expect(deliveries).to_contain_text("Re-send No. 1")
    context.close()


def test_generate_a_report_on_demand(
    browser: Browser, live_app: LiveApp, settings: Settings, tmp_path: Path
):
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    report = _seed(live_app, settings, outbox)
    context = browser.new_context(base_url=live_app.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page)
    page.goto("/reports")
    page.get_by_role("link", name="Generate a report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Generate a report")
    page.on("dialog", lambda dialog: dialog.accept())

    page.get_by_label("Journal").select_option("jt")
    page.get_by_label("First day").fill(DAY.isoformat())
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.locator("#g-first-error")).to_contain_text("This report was generated already.")
    expect(page.locator("#g-first-error").get_by_role("link", name="Open it")).to_have_attribute(
        "href", f"/reports/{report.id}"
    )
    _no_axe_violations(page)

    page.get_by_label("Journal").select_option("jrb")
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("The report is generated.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("JRB")
    context.close()
