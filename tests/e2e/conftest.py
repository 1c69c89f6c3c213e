"""Fixtures for the browser tests: the demo served by uvicorn, a page on another origin, Chromium.

The demo runs as ``python -m lucia_demo --port 0`` in a subprocess, on an SQLite file in a
temporary folder; the "other site" is a plain ``http.server`` on another port of 127.0.0.1.
Chromium is Debian's (``apt-get install chromium``), driven by Playwright, which never downloads
a browser here: ``LUCIA_CHROMIUM`` names another executable. Without Chromium or Playwright the
tests are skipped, or fail when ``CI`` or ``LUCIA_REQUIRE_BACKENDS`` is set (as ``.ci/run`` does).

Screenshots go to ``test-artifacts/screenshots/`` (or ``LUCIA_SCREENSHOTS_DIR``); the path is
printed at the end of the run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 60.0
_READY = re.compile(r"lucia demo running at (http://\S+)")


def unavailable(reason: str) -> NoReturn:
    """Skip the browser tests, or fail them where they must run (CI)."""
    if os.environ.get("CI") or os.environ.get("LUCIA_REQUIRE_BACKENDS"):
        pytest.fail(f"{reason} (required here: CI or LUCIA_REQUIRE_BACKENDS is set)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def chromium_executable() -> str:
    """The Chromium to drive: ``LUCIA_CHROMIUM``, else Debian's ``/usr/bin/chromium``."""
    wanted = os.environ.get("LUCIA_CHROMIUM") or DEFAULT_CHROMIUM
    found = shutil.which(wanted)
    if found is None:
        unavailable(
            f"no Chromium at {wanted}: install it with `apt-get install chromium` or set LUCIA_CHROMIUM"
        )
    return found


def screenshots_dir() -> Path:
    """Where the screenshots go: ``LUCIA_SCREENSHOTS_DIR`` or ``test-artifacts/screenshots``."""
    configured = os.environ.get("LUCIA_SCREENSHOTS_DIR")
    return Path(configured).resolve() if configured else REPO / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The screenshots folder, created and emptied of earlier runs' PNG files."""
    folder = screenshots_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the screenshots are, so that CI logs show it."""
    folder = screenshots_dir()
    taken = sorted(folder.glob("*.png")) if folder.is_dir() else []
    if taken:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(taken)} screenshots in {folder}")


@contextmanager
def running_demo(folder: Path) -> Iterator[str]:
    """``python -m lucia_demo`` on a fresh SQLite file in ``folder`` and a free port: its base URL."""
    log_path = folder / "server.log"
    database = folder / "demo.sqlite3"
    command = [sys.executable, "-m", "lucia_demo", "--port", "0", "--database-url", f"sqlite:///{database}"]
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LUCIA_DEMO_")}
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=environment)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            match = _READY.search(log_path.read_text())
            if match:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the demo did not start:\n{log_path.read_text()}", pytrace=False)
            time.sleep(0.05)
        yield match.group(1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of the demo, ``python -m lucia_demo`` on a fresh SQLite file and a free port."""
    with running_demo(tmp_path_factory.mktemp("demo")) as url:
        yield url


class OtherSite:
    """A web server on another port of 127.0.0.1: the pages of "another site"."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def auto_submitting_form(self, name: str, action: str, fields: dict[str, str]) -> str:
        """Serve ``/<name>``: a page whose form POSTs ``fields`` to ``action`` as soon as it loads.

        Returns the page's URL.
        """
        inputs = "".join(
            f'<input type="hidden" name="{key}" value="{value}">' for key, value in fields.items()
        )
        self.pages[f"/{name}"] = (
            '<!doctype html><title>You won a prize</title><body onload="document.forms[0].submit()">'
            f'<h1>Claim your prize</h1><form method="post" action="{action}">{inputs}</form></body>'
        )
        return f"{self.origin}/{name}"

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture(scope="session")
def other_site() -> Iterator[OtherSite]:
    """A second local web server, another origin than the demo's."""
    site = OtherSite()
    yield site
    site.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium under Playwright."""
    executable = chromium_executable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: pip install playwright (no browser download is needed)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
