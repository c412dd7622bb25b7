"""Screenshots of the back office for the documentation (docs/screenshots/).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--days 30] [--per-day 40]

Builds a fresh SQLite database in a temporary directory with `pointage db upgrade` and
`pointage demo` (the demo merchant, its bank files imported and reconciled), serves it with
`pointage serve` on a free loopback port, signs in as the demo administrator in Debian's
Chromium (the `chromium` on PATH) and saves a 1280×800 PNG of each main page in English, and
of the dashboard and the transaction list in French. The temporary directory is removed
afterwards; nothing of the working copy's database is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
POINTAGE = Path(sys.executable).parent / "pointage"
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
# (file name, path): the English pages; a path of None is a reconciled transaction's page.
PAGES: tuple[tuple[str, str | None], ...] = (
    ("dashboard", "/dashboard"),
    ("transactions", "/transactions"),
    ("transaction-detail", None),
    ("remittances", "/remittances"),
    ("statements", "/statements"),
    ("reconciliation", "/reconciliation"),
    ("reports", "/reports"),
    ("settings", "/settings"),
    ("status", "/status"),  # the public status page (the demo admin is also its operator)
    ("status-admin", "/status-admin"),
)
FRENCH_PAGES = (("dashboard-fr", "/dashboard"), ("transactions-fr", "/transactions"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--days", type=int, default=30, help="days of demo activity")
    parser.add_argument("--per-day", type=int, default=40, help="payments a day per shop")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        print("error: Debian's chromium is needed on PATH (apt-get install -y chromium)")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pointage-screenshots-") as work:
        env = _environment(Path(work))
        admin = _build_demo(Path(work), env, args.days, args.per_day)
        with _served(env) as url, sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                _take_all(browser, url, admin, args.out)
            finally:
                browser.close()
    return 0


def _environment(work: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("POINTAGE_")}
    env.update(
        POINTAGE_DATABASE_URL=f"sqlite:///{work / 'pointage.db'}",
        POINTAGE_SCHEDULER_ENABLED="false",
        POINTAGE_LOG_LEVEL="WARNING",
    )
    return env


def _build_demo(work: Path, env: dict[str, str], days: int, per_day: int) -> dict[str, str]:
    """The demo in the temporary database; the administrator's e-mail and password."""
    credentials = work / "credentials.json"
    # The project's own command, with arguments built here (no untrusted input).
    subprocess.run([str(POINTAGE), "db", "upgrade"], env=env, cwd=work, check=True)  # noqa: S603
    demo = [str(POINTAGE), "demo", "--days", str(days), "--per-day", str(per_day)]
    demo += ["--credentials-json", str(credentials), "--bank-dir", str(work / "bank")]
    subprocess.run(demo, env=env, cwd=work, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    users = json.loads(credentials.read_text(encoding="utf-8"))["users"]
    admin: dict[str, str] = next(user for user in users if user["role"] == "admin")
    return admin


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _served(env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    command = [str(POINTAGE), "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, env=env)  # noqa: S603 (the project's own command)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # An http address on the loopback, built above.
                urllib.request.urlopen(f"{url}/sign-in", timeout=2).close()  # noqa: S310
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the back office did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _take_all(browser: Browser, url: str, admin: dict[str, str], out: Path) -> None:
    for locale, pages in (("en-GB", PAGES), ("fr-FR", FRENCH_PAGES)):
        context = browser.new_context(base_url=url, locale=locale, viewport=VIEWPORT)
        context.set_default_timeout(30_000)
        try:
            page = context.new_page()
            if locale == "en-GB":
                page.goto("/sign-in")
                _shoot(page, out / "sign-in.png")
            _sign_in(page, admin)
            for name, path in pages:
                page.goto(path or _first_detail(page))
                if path == "/transactions":  # the lines rather than the filters
                    page.evaluate("document.querySelector('.tx-exports').scrollIntoView()")
                _shoot(page, out / f"{name}.png")
        finally:
            context.close()


def _sign_in(page: Page, admin: dict[str, str]) -> None:
    page.goto("/sign-in")
    page.locator("#email").fill(admin["email"])
    page.locator("#password").fill(admin["password"])
    with page.expect_navigation():
        page.locator("form[action='/sign-in'] button[type=submit]").click()


def _first_detail(page: Page) -> str:
    """The page of the newest reconciled transaction (else of the newest one)."""
    for query in ("?reconciliation=reconciled", ""):
        page.goto(f"/transactions{query}")
        links = page.locator("table.tx-table tbody tr a[href^='/transactions/']")
        if links.count():
            href = links.first.get_attribute("href")
            if href is not None:
                return href
    raise RuntimeError("the transaction list has no line to open")


def _shoot(page: Page, path: Path) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path))
    print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    sys.exit(main())
