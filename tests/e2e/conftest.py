"""End-to-end tests: pytest-django's live server driven by Debian's Chromium through Playwright.

No browser is downloaded: Playwright launches /usr/bin/chromium (`apt-get install chromium`).
Tibetan and Chinese need system fonts (`fonts-noto-core`, `fonts-noto-cjk`) to show as text
rather than boxes in the screenshots.

The live server serves static files itself (django.contrib.staticfiles is installed), so the
CSS loads without collectstatic.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test.utils import override_settings

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium)",
)


@pytest.fixture(scope="session")
def live_server(request) -> Iterator:
    """pytest-django's live server, started with a MEDIA_URL Django's test server can parse.

    Casebook sets MEDIA_URL = None (evidence is only served through a view that logs access),
    but LiveServerThread always wraps the site in a media-files handler that parses MEDIA_URL
    when the server starts, and None breaks every request. The URL is overridden only while the
    server starts; nothing is stored under it.
    """
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(MEDIA_URL="/e2e-media-never-served/"):
        server = LiveServer(addr)
    yield server
    server.stop()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def insecure_cookies_for_http(settings):
    """The live server speaks plain HTTP; production cookies are Secure-only."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def browser_page(insecure_cookies_for_http) -> Iterator:
    """A fresh headless Chromium page at desktop width.

    Function-scoped on purpose: Playwright's sync API runs an event loop in this thread, and
    Django refuses ORM calls while one runs. Test data fixtures are set up before this one and
    torn down after it, so no ORM call happens while the browser is open.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport=DESKTOP, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def log_in(page, live_server, username: str) -> None:
    """Log in through the login form, as a person would."""
    from ..factories import PASSWORD

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
