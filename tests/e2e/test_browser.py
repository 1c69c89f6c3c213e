"""The demo in a real browser: headless Chromium, driven by Playwright, against the demo served
by uvicorn. Each test signs up a user of its own, so they share one server.

Every page visited is saved as a screenshot (see ``conftest.py``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .conftest import OtherSite, chromium_executable, unavailable

try:
    from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
except ImportError:
    unavailable("Playwright is not installed: pip install playwright (no browser download is needed)")
chromium_executable()  # skips (or fails, in CI) the whole module when there is no Chromium

PASSWORD = "correct horse battery"
NEW_PASSWORD = "tr0ub4dor & 3, again"
VIEWPORT: ViewportSize = {"width": 1100, "height": 760}


class Screenshots:
    """Saves numbered screenshots of the pages a test visits."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder = folder
        self.prefix = prefix
        self.count = 0

    def take(self, page: Page, name: str) -> None:
        self.count += 1
        path = self.folder / f"{self.prefix}-{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)


@pytest.fixture
def shots(screenshots: Path, request: pytest.FixtureRequest) -> Screenshots:
    name = request.node.name.removeprefix("test_").replace("_", "-")
    return Screenshots(screenshots, name)


NewPage = Callable[[], Page]


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """Opens a page in a browser context of its own: its own cookie jar, a separate browser as far
    as the demo can tell."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def unique_username(stem: str) -> str:
    return f"{stem}_{secrets.token_hex(3)}"


def submit(page: Page) -> None:
    """Press the main form's submit button (not the header's)."""
    page.locator("main form button[type=submit]").first.click()


def sign_up(page: Page, demo_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{demo_url}/signup")
    page.fill("#username", username)
    page.fill("#email", f"{username.lower()}@example.com")
    page.fill("#password", password)
    submit(page)


def log_in(page: Page, demo_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{demo_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    submit(page)


def expect_profile(page: Page, demo_url: str, username: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(f"{demo_url}/profile")))
    expect(page.locator("h1")).to_have_text(f"Hello, {username}")


def expect_signed_out(page: Page, demo_url: str) -> None:
    """On the login page, with no signed-in header."""
    expect(page).to_have_url(re.compile(re.escape(f"{demo_url}/login")))
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator(".who")).to_have_count(0)


def session_cookies(context: BrowserContext) -> list[str]:
    return [cookie["value"] for cookie in context.cookies() if cookie["name"] == "auth_session"]


def test_sign_up_stay_signed_in_log_out_and_log_in_again(
    demo_url: str, new_page: NewPage, shots: Screenshots
) -> None:
    page = new_page()
    page.goto(f"{demo_url}/signup")
    shots.take(page, "sign-up")

    # The guide's checks, each with its message.
    page.fill("#username", "ab")
    page.fill("#password", "short")
    submit(page)
    expect(page.locator("#username-error")).to_have_text("Usernames are 4 to 31 characters long.")
    expect(page.locator("#password-error")).to_have_text("Passwords are 8 to 255 characters long.")
    shots.take(page, "sign-up-errors")

    username = unique_username("Ada")  # capitals are lowercased
    sign_up(page, demo_url, username)
    expect_profile(page, demo_url, username.lower())
    expect(page.locator(".notice")).to_have_text("Welcome! Your account is ready and you are signed in.")
    expect(page.locator("#session-state")).to_have_text("active")
    expect(page.locator("#session-count")).to_have_text("1")
    expect(page.locator("tr.current")).to_contain_text("this browser")
    shots.take(page, "profile")
    (cookie,) = session_cookies(page.context)
    assert re.fullmatch(r"[a-z0-9]{40}", cookie)

    page.reload()
    expect_profile(page, demo_url, username.lower())

    page.locator("header form button", has_text="Sign out").click()
    expect_signed_out(page, demo_url)
    expect(page.locator(".notice")).to_have_text("You are signed out.")
    assert session_cookies(page.context) == []
    page.goto(f"{demo_url}/profile")
    expect_signed_out(page, demo_url)

    log_in(page, demo_url, username, "not the password")
    expect(page.locator(".error")).to_have_text("Incorrect username or password")
    expect(page.locator("#username")).to_have_value(username.lower())
    shots.take(page, "login-failed")
    log_in(page, demo_url, unique_username("nobody"), PASSWORD)
    expect(page.locator(".error")).to_have_text("Incorrect username or password")

    log_in(page, demo_url, username.upper(), PASSWORD)
    expect_profile(page, demo_url, username.lower())
    expect(page.locator(".notice")).to_have_text("You are signed in.")
    expect(page.locator("#session-count")).to_have_text("1")  # the signed-out session is gone


def test_sign_out_of_all_other_sessions_ends_the_other_browsers_session(
    demo_url: str, new_page: NewPage, shots: Screenshots
) -> None:
    first, second = new_page(), new_page()
    username = unique_username("grace")
    sign_up(first, demo_url, username)
    expect_profile(first, demo_url, username)

    log_in(second, demo_url, username)
    expect_profile(second, demo_url, username)
    expect(second.locator("#session-count")).to_have_text("2")
    expect(second.locator("tr.current")).to_have_count(1)
    shots.take(second, "two-sessions")

    second.get_by_role("button", name="Sign out of all other sessions").click()
    expect(second.locator(".notice")).to_have_text("Every other session was signed out.")
    expect(second.locator("#session-count")).to_have_text("1")
    shots.take(second, "others-signed-out")

    first.reload()
    expect_signed_out(first, demo_url)
    expect(first.locator(".notice")).to_have_text("Log in to continue.")
    shots.take(first, "first-browser-signed-out")
    assert session_cookies(first.context) == []  # the invalid cookie was cleared

    second.reload()
    expect_profile(second, demo_url, username)


def test_changing_the_password_ends_every_other_session(
    demo_url: str, new_page: NewPage, shots: Screenshots
) -> None:
    first, second = new_page(), new_page()
    username = unique_username("hopper")
    sign_up(first, demo_url, username)
    expect_profile(first, demo_url, username)
    log_in(second, demo_url, username)
    cookie_before = session_cookies(second.context)

    second.goto(f"{demo_url}/password")
    shots.take(second, "password-form")
    second.fill("#current_password", "wrong password")
    second.fill("#new_password", NEW_PASSWORD)
    second.fill("#confirm_password", NEW_PASSWORD + "!")
    submit(second)
    expect(second.locator("#current_password-error")).to_have_text("Your current password is incorrect.")
    expect(second.locator("#confirm_password-error")).to_have_text("The two new passwords do not match.")
    shots.take(second, "password-errors")

    second.fill("#current_password", PASSWORD)
    second.fill("#new_password", NEW_PASSWORD)
    second.fill("#confirm_password", NEW_PASSWORD)
    submit(second)
    expect_profile(second, demo_url, username)
    expect(second.locator(".notice")).to_have_text("Password changed. Every other session was signed out.")
    expect(second.locator("#session-count")).to_have_text("1")
    assert session_cookies(second.context) not in ([], cookie_before)  # a new session for this browser
    shots.take(second, "password-changed")

    first.reload()
    expect_signed_out(first, demo_url)
    log_in(first, demo_url, username, PASSWORD)
    expect(first.locator(".error")).to_have_text("Incorrect username or password")
    log_in(first, demo_url, username, NEW_PASSWORD)
    expect_profile(first, demo_url, username)


def test_forms_posted_from_another_site_are_refused(
    demo_url: str, other_site: OtherSite, new_page: NewPage, shots: Screenshots
) -> None:
    assert not demo_url.startswith(other_site.origin)
    victim, other_browser = new_page(), new_page()
    username = unique_username("victim")
    sign_up(victim, demo_url, username)
    expect_profile(victim, demo_url, username)
    log_in(other_browser, demo_url, username)
    expect_profile(other_browser, demo_url, username)

    attacks = {
        "sign-out-others": {},
        "password": {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
        "logout": {},
    }
    for action, fields in attacks.items():
        target = (
            f"{demo_url}/sessions/sign-out-others" if action == "sign-out-others" else f"{demo_url}/{action}"
        )
        page_url = other_site.auto_submitting_form(f"{action}.html", target, fields)
        with victim.expect_response(target) as response:
            victim.goto(page_url)
        assert response.value.status == 403
        assert response.value.request.method == "POST"
        expect(victim.locator("h1")).to_have_text("Request refused")
        shots.take(victim, f"refused-{action}")

    # Nothing happened: both sessions live, the password unchanged.
    victim.goto(f"{demo_url}/profile")
    expect_profile(victim, demo_url, username)
    expect(victim.locator("#session-count")).to_have_text("2")
    other_browser.reload()
    expect_profile(other_browser, demo_url, username)

    third = new_page()
    log_in(third, demo_url, username, NEW_PASSWORD)
    expect(third.locator(".error")).to_have_text("Incorrect username or password")
    third.wait_for_timeout(1_100)  # the wrong password timed the username out for a second
    log_in(third, demo_url, username, PASSWORD)
    expect_profile(third, demo_url, username)

    # The same forms from the demo's own pages do work: the refusal above was the origin check.
    victim.reload()
    victim.get_by_role("button", name="Sign out of all other sessions").click()
    expect(victim.locator("#session-count")).to_have_text("1")
