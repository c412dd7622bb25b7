"""Browser tests: the real application served by uvicorn on a free loopback port, on a migrated
test database, driven through Playwright in Debian's Chromium.

The browser is the `chromium` binary found on PATH, never one downloaded by Playwright. When it
is missing and the tests run as root (CI, a fresh development machine), Debian's package is
installed with apt-get; otherwise the tests fail with the command to run: a browser test is
never skipped silently.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from pointage.auth.service.users import create_user
from pointage.core.statuses import Role
from pointage.settings import Settings
from pointage.shop import service as shop_service
from pointage.web.app import create_app

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EMAIL = "compta@example.com"
PASSWORD = "correct horse battery staple"
GIVEN_SHOPS = {"11111111": "Boutique Paris", "22222222": "Boutique Lyon"}
OTHER_SHOP = ("33333333", "Boutique Nice")
_INSTALL_HINT = (
    "the browser tests need Debian's Chromium on PATH: install it with "
    "`apt-get install -y chromium` (as root), then run the tests again"
)


def _install_chromium() -> None:
    """Debian's chromium, when this process may install packages; waits for another
    installation (a parallel test worker) to finish rather than failing on its lock."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return
    apt_get = shutil.which("apt-get") or "apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    install = [apt_get, "install", "-y", "-q", *lock, "chromium"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run([apt_get, "update", "-q", *lock], env=env, capture_output=True, check=False)
        subprocess.run(install, env=env, capture_output=True, check=False)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        _install_chromium()
        path = shutil.which("chromium")
    if path is None:
        pytest.fail(_INSTALL_HINT, pytrace=False)
    return path


# Per test, not per session: Playwright's synchronous API keeps an event loop running in the
# thread while it is started, and the other tests that the same worker runs between two
# browser tests (asyncio.run, anyio) cannot start theirs meanwhile.
@pytest.fixture
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser(playwright_driver: Playwright, chromium_path: str) -> Iterator[Browser]:
    launched = playwright_driver.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@dataclass
class LiveApp:
    url: str
    session_factory: sessionmaker[Session]


def _seed(factory: sessionmaker[Session]) -> None:
    """Three shops, two of them given to an accountant."""
    with factory() as session, session.begin():
        merchant = shop_service.create_merchant(session, "Maison Test")
        for shop_id, name in [*GIVEN_SHOPS.items(), OTHER_SHOP]:
            shop_service.create_shop(session, merchant, shop_id=shop_id, name=name)
        create_user(session, EMAIL, Role.ACCOUNTANT, list(GIVEN_SHOPS), password=PASSWORD)


@pytest.fixture
def live_app(settings: Settings) -> Iterator[LiveApp]:
    app = create_app(settings)
    factory = app.state.session_factory
    _seed(factory)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the application did not start")
        time.sleep(0.02)
    yield LiveApp(f"http://127.0.0.1:{port}", factory)
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


def new_context(browser: Browser, live_app: LiveApp, locale: str = "fr-FR") -> BrowserContext:
    context = browser.new_context(base_url=live_app.url, locale=locale)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def context(browser: Browser, live_app: LiveApp) -> Iterator[BrowserContext]:
    ctx = new_context(browser, live_app)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def sign_in(page: Page, email: str = EMAIL, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
