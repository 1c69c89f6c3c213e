"""The demo's mailed flows and its throttling in a real browser (headless Chromium under
Playwright): the codes and links are read from the mail the demo's own SMTP server received, on
its development page. These tests run against a demo of their own, so that the failed sign-ins
they make on purpose throttle no other test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from .conftest import chromium_executable, running_demo, unavailable

try:
    from playwright.sync_api import Page, expect
except ImportError:
    unavailable("Playwright is not installed: pip install playwright (no browser download is needed)")
chromium_executable()  # skips (or fails, in CI) the whole module when there is no Chromium

from .test_browser import (  # noqa: E402 - after the checks that skip the module
    NEW_PASSWORD,
    PASSWORD,
    NewPage,
    Screenshots,
    expect_profile,
    expect_signed_out,
    log_in,
    new_page,  # noqa: F401 - a fixture, used here too
    shots,  # noqa: F401 - a fixture, used here too
    sign_up,
    submit,
    unique_username,
)

CODE = re.compile(r"Your verification code is (\d{8})")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo for this module alone."""
    with running_demo(tmp_path_factory.mktemp("mail-demo")) as url:
        yield url


def latest_mail(page: Page, demo_url: str, address: str, subject: str) -> str:
    """The text of the newest mail to ``address`` with ``subject``, read on the development page
    (reloaded until it is there: some mail is sent in the background)."""
    for _ in range(50):
        page.goto(f"{demo_url}/dev/mail")
        expect(page.locator(".dev-banner")).to_contain_text("Development only.")
        message = page.locator("section.mail", has=page.locator(".mail-to", has_text=address)).filter(
            has=page.locator(".mail-subject", has_text=subject)
        )
        if message.count():
            return message.first.locator(".mail-text").inner_text()
        page.wait_for_timeout(200)
    pytest.fail(f"no mail {subject!r} to {address} on the development page")


def test_sign_up_then_verify_the_address_with_the_mailed_code(
    demo_url: str,
    new_page: NewPage,  # noqa: F811 - the fixture imported above
    shots: Screenshots,  # noqa: F811 - the fixture imported above
) -> None:
    page = new_page()
    username = unique_username("ada")
    address = f"{username}@example.com"
    sign_up(page, demo_url, username)
    expect_profile(page, demo_url, username)
    expect(page.locator("#email-status")).to_have_text("unverified")
    shots.take(page, "unverified")

    text = latest_mail(page, demo_url, address, "Verify your email address")
    shots.take(page, "dev-mail")
    match = CODE.search(text)
    assert match, text
    code = match.group(1)
    assert f"{demo_url}/verify-email/link?token=" in text

    page.goto(f"{demo_url}/verify-email")
    expect(page.locator("#verify-address")).to_have_text(address)
    page.fill("#code", f"{(int(code) + 1) % 10**8:08d}")
    submit(page)
    expect(page.locator(".error")).to_contain_text("That code is not right")
    shots.take(page, "wrong-code")
    page.wait_for_timeout(1_100)  # the wrong code timed code entry out for a second
    page.fill("#code", code)
    submit(page)
    expect_profile(page, demo_url, username)
    expect(page.locator(".notice")).to_have_text("Your email address is verified.")
    expect(page.locator("#email-status")).to_have_text("verified")
    shots.take(page, "verified")


def test_forgot_password_follow_the_mailed_link_and_old_sessions_are_gone(
    demo_url: str,
    new_page: NewPage,  # noqa: F811 - the fixture imported above
    shots: Screenshots,  # noqa: F811 - the fixture imported above
) -> None:
    first, second, third = new_page(), new_page(), new_page()
    username = unique_username("grace")
    sign_up(first, demo_url, username)
    expect_profile(first, demo_url, username)
    log_in(second, demo_url, username)
    expect_profile(second, demo_url, username)

    third.goto(f"{demo_url}/login")
    third.locator("#forgot-password").click()
    third.fill("#username", username)
    shots.take(third, "forgot-password")
    submit(third)
    expect(third.locator(".notice")).to_contain_text("a link to set a new password is on its way")

    text = latest_mail(third, demo_url, f"{username}@example.com", "Reset your password")
    link = re.search(r"(http://\S+/reset-password\?token=[a-z0-9]+)", text)
    assert link, text
    third.goto(link.group(1))
    third.fill("#new_password", NEW_PASSWORD)
    third.fill("#confirm_password", NEW_PASSWORD)
    shots.take(third, "reset-password")
    submit(third)
    expect_profile(third, demo_url, username)
    expect(third.locator(".notice")).to_contain_text("Password set. Every other session was signed out")
    expect(third.locator("#session-count")).to_have_text("1")
    shots.take(third, "password-reset")

    for old in (first, second):
        old.reload()
        expect_signed_out(old, demo_url)

    third.goto(link.group(1))  # the link works once
    third.fill("#new_password", PASSWORD)
    third.fill("#confirm_password", PASSWORD)
    submit(third)
    expect(third.locator(".error")).to_contain_text("This reset link is not valid any more")

    log_in(first, demo_url, username, NEW_PASSWORD)
    expect_profile(first, demo_url, username)


def test_ten_wrong_passwords_are_throttled_but_a_browser_that_signed_in_before_is_not(
    demo_url: str,
    new_page: NewPage,  # noqa: F811 - the fixture imported above
    shots: Screenshots,  # noqa: F811 - the fixture imported above
) -> None:
    known, attacker = new_page(), new_page()
    username = unique_username("linus")
    sign_up(known, demo_url, username)
    expect_profile(known, demo_url, username)
    known.locator("header form button", has_text="Sign out").click()
    expect_signed_out(known, demo_url)

    messages = []
    for number in range(10):
        log_in(attacker, demo_url, username, f"wrong password {number}")
        messages.append(attacker.locator(".error").inner_text())
    shots.take(attacker, "throttled")
    assert messages[0] == "Incorrect username or password"
    throttled = [text for text in messages if text.startswith("Too many attempts, try again in")]
    assert len(throttled) >= 5, messages
    assert all(re.fullmatch(r"Too many attempts, try again in \d+ seconds?\.", text) for text in throttled)

    # Keep guessing until the timeout is long (the back-off doubles with each counted failure), so
    # that the two sign-ins below both happen while the username is timed out.
    for number in range(40):
        wait = re.search(r"try again in (\d+) second", attacker.locator(".error").inner_text())
        if wait and int(wait.group(1)) >= 4:
            break
        attacker.wait_for_timeout(250)
        log_in(attacker, demo_url, username, f"more wrong passwords {number}")
    else:
        pytest.fail(f"the timeout never reached 4 seconds: {attacker.locator('.error').inner_text()}")

    log_in(attacker, demo_url, username, PASSWORD)  # even the right password, from a new browser
    expect(attacker.locator(".error")).to_contain_text("Too many attempts")

    log_in(known, demo_url, username, PASSWORD)  # the browser that signed in before
    expect_profile(known, demo_url, username)
    shots.take(known, "known-browser-signed-in")
