"""OAuth in a real browser: the demo with "Sign in with Local OpenID" (``--oidc-issuer`` ...)
against the project's local OpenID Provider (npm oidc-provider, its own login page), in headless
Chromium. Signs up through the provider, signs out, signs in again as the same user, links the
provider to a password account and unlinks it, and is refused a forged ``state``.

Screenshots as the other browser tests (see ``conftest.py``).
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.oauth.servers import OidcServer, free_port

from .conftest import SERVER_START_TIMEOUT, chromium_executable, unavailable

try:
    from playwright.sync_api import Browser, BrowserContext, ViewportSize, expect
except ImportError:
    unavailable("Playwright is not installed: pip install playwright (no browser download is needed)")
chromium_executable()

PASSWORD = "correct horse battery"
VIEWPORT: ViewportSize = {"width": 1100, "height": 760}
CLIENT_SECRET = secrets.token_urlsafe(16)
_READY = re.compile(r"lucia demo running at (http://\S+)")


def start_demo(folder: Path) -> tuple[str, OidcServer, subprocess.Popen[bytes]] | None:
    """The demo on a port chosen now (the provider must know the redirect URI first), with the
    local OpenID Provider as "Local OpenID"; None when the port was taken meanwhile."""
    port = free_port()
    provider = OidcServer(
        {
            "clients": [
                {
                    "client_id": "lucia-demo",
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": [f"http://127.0.0.1:{port}/login/oidc/callback"],
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                }
            ]
        }
    )
    log_path = folder / f"server-{port}.log"
    command = [
        sys.executable,
        "-m",
        "lucia_demo",
        "--port",
        str(port),
        "--database-url",
        f"sqlite:///{folder / 'demo.sqlite3'}",
        "--oidc-issuer",
        provider.issuer,
        "--oidc-client-id",
        "lucia-demo",
        "--oidc-client-secret",
        CLIENT_SECRET,
        "--oidc-name",
        "Local OpenID",
    ]
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LUCIA_DEMO_")}
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=environment)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not (match := _READY.search(log_path.read_text())):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            provider.stop()
            if "address already in use" in log_path.read_text().lower():
                return None
            pytest.fail(f"the demo did not start:\n{log_path.read_text()}", pytrace=False)
        time.sleep(0.05)
    return match.group(1), provider, process


@pytest.fixture(scope="module")
def demo_with_oidc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo with "Sign in with Local OpenID" (another port if another process took the first)."""
    folder = tmp_path_factory.mktemp("oauth-demo")
    for _attempt in range(3):
        started = start_demo(folder)
        if started is not None:
            break
    else:
        pytest.fail("no free port for the demo in three attempts", pytrace=False)
    url, provider, process = started
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        provider.stop()


class Browsing:
    """One browser (its own cookie jar, as a person's), with numbered screenshots."""

    def __init__(self, browser: Browser, folder: Path, prefix: str) -> None:
        self.context: BrowserContext = browser.new_context(viewport=VIEWPORT)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.folder = folder
        self.prefix = prefix
        self.count = 0

    def shot(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(
            path=str(self.folder / f"{self.prefix}-{self.count:02d}-{name}.png"), full_page=True
        )


@pytest.fixture
def browsing(browser: Browser, screenshots: Path, request: pytest.FixtureRequest) -> Iterator[Browsing]:
    prefix = "oauth-" + request.node.name.removeprefix("test_").replace("_", "-")
    session = Browsing(browser, screenshots, prefix)
    yield session
    session.context.close()


def sign_in_at_the_provider(browsing: Browsing, login: str) -> None:
    """On the provider's own login page: any login, any password."""
    page = browsing.page
    page.wait_for_selector("input[name=login]")
    expect(page).to_have_title(re.compile("Sign-in"))
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    browsing.shot("provider-login-page")
    page.click("button[type=submit]")


def test_sign_up_sign_out_and_sign_in_again_with_the_provider(
    demo_with_oidc: str, browsing: Browsing
) -> None:
    page = browsing.page
    login = f"oidc-{secrets.token_hex(3)}"
    page.goto(f"{demo_with_oidc}/login")
    browsing.shot("login-page")
    page.click("#sign-in-with-oidc")
    sign_in_at_the_provider(browsing, login)
    page.wait_for_url(f"{demo_with_oidc}/profile*")
    expect(page.locator(".notice")).to_contain_text("Welcome")
    expect(page.locator("h1")).to_contain_text(login)
    expect(page.locator("#oidc-status")).to_have_text("linked")
    user_id = page.locator("main code").first.inner_text()
    browsing.shot("signed-up")

    page.click("header form button[type=submit]")  # Sign out
    page.wait_for_url(f"{demo_with_oidc}/login*")
    expect(page.locator(".notice")).to_contain_text("signed out")
    browsing.shot("signed-out")

    page.click("#sign-in-with-oidc")  # the provider remembers this browser: straight back
    page.wait_for_url(f"{demo_with_oidc}/profile*")
    expect(page.locator(".notice")).to_contain_text("You are signed in")
    assert page.locator("main code").first.inner_text() == user_id
    browsing.shot("signed-in-again")


def test_link_and_unlink_the_provider_on_a_password_account(demo_with_oidc: str, browsing: Browsing) -> None:
    page = browsing.page
    username = f"pw_{secrets.token_hex(3)}"
    page.goto(f"{demo_with_oidc}/signup")
    page.fill("#username", username)
    page.fill("#email", f"{username}@example.com")
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{demo_with_oidc}/profile*")
    expect(page.locator("#oidc-status")).to_have_text("not linked")
    user_id = page.locator("main code").first.inner_text()
    browsing.shot("password-account")

    page.click("#link-oidc")
    sign_in_at_the_provider(browsing, f"linked-{secrets.token_hex(3)}")
    page.wait_for_url(f"{demo_with_oidc}/profile*")
    expect(page.locator("#oidc-status")).to_have_text("linked")
    assert page.locator("main code").first.inner_text() == user_id
    browsing.shot("linked")

    page.click("header form button[type=submit]")  # sign out, then in with the provider only
    page.wait_for_url(f"{demo_with_oidc}/login*")
    page.click("#sign-in-with-oidc")
    page.wait_for_url(f"{demo_with_oidc}/profile*")
    assert page.locator("main code").first.inner_text() == user_id
    expect(page.locator("h1")).to_contain_text(username)
    browsing.shot("signed-in-through-the-link")

    page.click("#unlink-oidc")
    page.wait_for_url(f"{demo_with_oidc}/profile")
    expect(page.locator("#oidc-status")).to_have_text("not linked")
    browsing.shot("unlinked")


def test_a_forged_state_is_refused(demo_with_oidc: str, browsing: Browsing) -> None:
    page = browsing.page
    page.goto(f"{demo_with_oidc}/login")
    # A sign-in starts (this browser now holds a state cookie) ...
    with page.expect_response(re.compile(r"/login/oidc$")) as started:
        page.click("#sign-in-with-oidc")
    assert started.value.status == 303
    page.wait_for_selector("input[name=login]")
    # ... and a callback with another state arrives: a forged one, as an attacker's link would carry.
    response = page.goto(f"{demo_with_oidc}/login/oidc/callback?code=attacker-code&state=forged-state")
    assert response is not None
    assert response.status == 400
    expect(page.locator("#oauth-problem")).to_have_text("Sign-in refused")
    browsing.shot("forged-state-refused")
    # Nobody is signed in by it.
    page.goto(f"{demo_with_oidc}/profile")
    page.wait_for_url(f"{demo_with_oidc}/login*")
