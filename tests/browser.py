"""A real browser for the tests: Debian's Chromium, driven by Playwright, network blocked.

``offline_page`` is a pytest fixture giving an ``OfflinePage``: a fresh headless Chromium
page on which every network request (anything but ``file:``, ``data:``, ``blob:`` and
``about:``) is blocked *and recorded*, and every console error and uncaught exception is
recorded, so a test can assert that a page loaded nothing from the network and ran cleanly.

Without Playwright or Chromium the tests that use it are skipped, with the reason.
Set ``AUTOGRAD_LITE_CHROMIUM`` to use another Chromium binary.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
# Flags for a closed machine: no background connections, no first-run or sync traffic.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 30_000  # every wait of a browser test is bounded


def chromium_path() -> str | None:
    """The Chromium binary to drive, or None when there is none."""
    explicit = os.environ.get("AUTOGRAD_LITE_CHROMIUM")
    if explicit:
        return explicit
    return next(filter(None, (shutil.which(n) for n in ("chromium", "chromium-browser"))), None)


@dataclass
class OfflinePage:
    """A page whose network is blocked; what it tried to fetch and every error it raised."""

    page: Any  # playwright.sync_api.Page
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def open(self, path: Path) -> Any:
        """Load a local file by its ``file://`` URL and return the Playwright page."""
        self.page.goto(Path(path).resolve().as_uri(), wait_until="load")
        return self.page

    def assert_clean(self) -> None:
        """No network request was attempted and no error reached the console."""
        assert self.requests == [], f"the page tried to load from the network: {self.requests}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"


@pytest.fixture(scope="session")
def _browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium on PATH: sudo apt-get install chromium (make test does)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        yield browser
        browser.close()


@pytest.fixture
def offline_page(_browser: Any) -> Iterator[OfflinePage]:
    context = _browser.new_context(viewport={"width": 1600, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    offline = OfflinePage(page)

    def route(r: Any) -> None:
        if r.request.url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            offline.requests.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and offline.console_errors.append(m.text))
    page.on("pageerror", lambda e: offline.console_errors.append(str(e)))
    yield offline
    context.close()
