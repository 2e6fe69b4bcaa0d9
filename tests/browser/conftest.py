"""Headless Chromium (Debian's package) driven by Playwright against ``live_server``.

Playwright's sync API runs an event loop in the test thread, which makes Django refuse
database calls as "async unsafe"; the tests only touch the database from that thread
between page loads, so the check is switched off here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
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
def chromium():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed: run `make browser-deps` (Debian)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser tab with the live server as base URL."""
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, errors


@pytest.fixture
def screenshot():
    """``screenshot(page, "home")`` saves docs/screenshots/home.png (committed, linked in
    the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(tab, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def site_data(ingested_seed, ingest_text):
    """The seed article plus a second, earlier one, so charts have more than one date."""
    ingest_text(
        "Qais al-Khazali, Secretary-General of Asa'ib Ahl al-Haq, rejected the presence of "
        "foreign troops in Iraq on Monday. \u201cThe Iraqi government must end the presence "
        "of all foreign forces,\u201d Khazali said in a speech in Baghdad.\n"
        "Hawre Tawfiq, General Director of Foreign Relations for the Iraqi Presidency, urged "
        "Turkey to respect Iraq\u2019s sovereignty.",
        title="Khazali rejects foreign troops",
        publisher="Example Wire",
        published="2024-03-04",
    )
    return ingested_seed
