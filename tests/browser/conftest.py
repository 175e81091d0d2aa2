"""Browser fixtures: a real daphne server and real Chromium driven by Playwright.

Screenshots are kept under `artifacts/screenshots/` (CI keeps them; people look at them).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.server import ROOT, Server, prepare_database, server_env
from tests.conftest import require

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# Chromium must not reach for the network: this machine (and a classroom) may be offline.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def site_server(tmp_path_factory) -> Iterator[Server]:
    env = server_env(tmp_path_factory.mktemp("site") / "db.sqlite3")
    prepare_database(env)
    server = Server(env).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def site(site_server) -> str:
    return site_server.url


# Per module, not per session: Playwright's sync API keeps an event loop running while it is
# open, and async tests that pytest-django orders after the browser tests need the loop free.
@pytest.fixture(scope="module")
def chromium():
    found = Path(CHROMIUM).exists() or shutil.which("chromium")
    require(bool(found), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=CHROMIUM_ARGS,
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
