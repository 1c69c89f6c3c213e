"""The demo's mailed flows: email verification by code or link, and password reset by link, with
the mail going over SMTP to a real aiosmtpd server on loopback (the demo's development mailbox,
or one standing in for a production SMTP server)."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

pytest.importorskip("lucia_demo")

import httpx
from fastapi import FastAPI
from lucia_demo import Storage, create_app, open_storage
from lucia_demo.mail import Mail, Mailbox, MailSettings, ReceivedMessage
from lucia_demo.password_reset import BROKEN_LINK
from lucia_demo.verification import WRONG_CODE

from lucia_core import Auth
from lucia_core.throttling import Throttle, memory_store

from .test_demo import (
    FAST_HASHER,
    ORIGIN,
    PASSWORD,
    error_text,
    is_valid,
    log_in,
    password_works,
    post,
    session_id,
)

NEW_PASSWORD = "a whole new passphrase"
CODE = re.compile(r"Your verification code is (\d{8})")
LINK = re.compile(r"(https?://\S+)")


@pytest.fixture
async def storage(tmp_path: object) -> AsyncIterator[Storage]:
    opened = await open_storage(f"sqlite:///{tmp_path}/demo.sqlite3")
    yield opened
    await opened.aclose()


def quick_throttle() -> Throttle:
    """A throttle whose back-off (1 ms) does not slow these tests; the demo's own is tested below."""
    return Throttle(store=memory_store(), base_delay=timedelta(milliseconds=1), secure=False)


@pytest.fixture
async def app(storage: Storage) -> AsyncIterator[FastAPI]:
    application = create_app(storage, password_hash=FAST_HASHER, throttle=quick_throttle())
    yield application
    await application.state.mail.aclose()


@pytest.fixture
async def throttled_app(storage: Storage) -> AsyncIterator[FastAPI]:
    """The demo with its default throttle (back-off from 1 second)."""
    application = create_app(storage, password_hash=FAST_HASHER)
    yield application
    await application.state.mail.aclose()


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)


async def next_mail(app: FastAPI, count: int) -> ReceivedMessage:
    """The ``count``-th message the development mailbox received, waiting for it (mail sent in
    the background arrives a moment later)."""
    mailbox: Mailbox = app.state.mail.mailbox
    for _ in range(200):
        if len(mailbox.messages) >= count:
            return mailbox.messages[len(mailbox.messages) - count]
        await asyncio.sleep(0.01)
    raise AssertionError(f"no message number {count}: {list(mailbox.messages)}")


async def sign_up(client: httpx.AsyncClient, username: str) -> None:
    data = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    response = await post(client, "/signup", data)
    assert response.status_code == 303, response.text


def path_of(link: str) -> str:
    return link.removeprefix(ORIGIN)


async def test_sign_up_mails_a_code_and_a_link_and_the_profile_says_unverified(app: FastAPI) -> None:
    async with client_for(app) as client:
        await sign_up(client, "ada_love")
        mail = await next_mail(app, 1)
        assert mail.recipients == ("ada_love@example.com",)
        assert mail.subject == "Verify your email address"
        assert CODE.search(mail.text)
        assert "/verify-email/link?token=" in mail.text
        profile = await client.get("/profile")
        assert 'id="email-status">unverified<' in profile.text


async def test_the_mailed_code_verifies_the_address_and_a_wrong_one_does_not(app: FastAPI) -> None:
    auth: Auth = app.state.auth
    async with client_for(app) as client:
        await sign_up(client, "grace_h")
        match = CODE.search((await next_mail(app, 1)).text)
        assert match
        code = match.group(1)
        wrong = await post(client, "/verify-email", {"code": f"{(int(code) + 1) % 10**8:08d}"})
        assert wrong.status_code == 400
        assert error_text(wrong, "error") == [html.escape(WRONG_CODE, quote=True)]
        right = await post(client, "/verify-email", {"code": code})
        assert right.headers["location"] == "/profile?notice=email-verified"
        profile = await client.get("/profile")
        assert 'id="email-status">verified<' in profile.text
        # Both ways of confirming are used up: the code and the link.
        assert (await post(client, "/verify-email", {"code": code})).status_code in (303, 400)
        key = await auth.get_key("username", "grace_h")
        assert (await auth.get_user(key.user_id)).email_verified is True


async def test_the_mailed_link_verifies_the_address_when_its_button_is_pressed(app: FastAPI) -> None:
    async with client_for(app) as client:
        await sign_up(client, "linus_t")
        link = next(
            found for found in LINK.findall((await next_mail(app, 1)).text) if "verify-email" in found
        )
        page = await client.get(path_of(link))
        assert page.status_code == 200
        assert (
            'id="email-status">unverified<' in (await client.get("/profile")).text
        )  # opening changes nothing
        token = re.search(r'name="token" value="([a-z0-9]+)"', page.text)
        assert token
        confirmed = await post(client, "/verify-email/link", {"token": token.group(1)})
        assert confirmed.headers["location"] == "/profile?notice=email-verified"
        assert 'id="email-status">verified<' in (await client.get("/profile")).text
        again = await post(client, "/verify-email/link", {"token": token.group(1)})
        assert again.status_code == 400


async def test_resend_mails_a_new_code_and_the_old_one_stops_working(app: FastAPI) -> None:
    async with client_for(app) as client:
        await sign_up(client, "barbara_l")
        first = CODE.search((await next_mail(app, 1)).text)
        await post(client, "/verify-email/resend")
        second = CODE.search((await next_mail(app, 2)).text)
        assert first
        assert second
        if first.group(1) != second.group(1):
            assert (await post(client, "/verify-email", {"code": first.group(1)})).status_code == 400
        assert (await post(client, "/verify-email", {"code": second.group(1)})).status_code == 303


async def reset_link(app: FastAPI, client: httpx.AsyncClient, username: str, count: int) -> str:
    asked = await post(client, "/forgot-password", {"username": username})
    assert asked.headers["location"] == "/login?notice=reset-sent"
    mail = await next_mail(app, count)
    assert mail.subject == "Reset your password"
    links: list[str] = LINK.findall(mail.text)
    return next(found for found in links if "reset-password" in found)


async def test_a_password_reset_ends_every_session_and_token_and_signs_in_on_the_new_password(
    app: FastAPI,
) -> None:
    auth: Auth = app.state.auth
    async with client_for(app) as first, client_for(app) as second, client_for(app) as third:
        await sign_up(first, "alan_t")
        await log_in(second, "alan_t")
        old_sessions = [session_id(first), session_id(second)]
        link = await reset_link(app, third, "alan_t", 2)
        page = await third.get(path_of(link))
        token = re.search(r'name="token" value="([a-z0-9]+)"', page.text)
        assert token
        mismatch = await post(
            third,
            "/reset-password",
            {"token": token.group(1), "new_password": NEW_PASSWORD, "confirm_password": "something else"},
        )
        assert mismatch.status_code == 400  # the token is left unused
        done = await post(
            third,
            "/reset-password",
            {"token": token.group(1), "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        )
        assert done.headers["location"] == "/profile?notice=password-reset"
        assert not any([await is_valid(auth, old) for old in old_sessions])
        assert await is_valid(auth, session_id(third))
        assert await password_works(auth, "alan_t", NEW_PASSWORD)
        assert not await password_works(auth, "alan_t", PASSWORD)
        # The verification code mailed at sign-up is gone with every other token.
        code = CODE.search((await next_mail(app, 1)).text)
        assert code
        assert (await post(third, "/verify-email", {"code": code.group(1)})).status_code == 400
        key = await auth.get_key("username", "alan_t")
        assert (await auth.get_user(key.user_id)).email_verified is True  # the mail reached the address
        again = await post(
            third,
            "/reset-password",
            {"token": token.group(1), "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        )
        assert again.status_code == 400
        assert error_text(again, "error") == [html.escape(BROKEN_LINK, quote=True)]


async def test_forgot_password_says_the_same_for_unknown_accounts_and_mails_nothing(app: FastAPI) -> None:
    async with client_for(app) as client:
        asked = await post(client, "/forgot-password", {"username": "nobody_here"})
        assert asked.headers["location"] == "/login?notice=reset-sent"
        await asyncio.sleep(0.2)
        assert len(app.state.mail.mailbox.messages) == 0


async def test_the_development_page_lists_received_mail_and_says_it_is_for_development(app: FastAPI) -> None:
    async with client_for(app) as client:
        await sign_up(client, "edsger_d")
        await next_mail(app, 1)
        page = await client.get("/dev/mail")
        assert page.status_code == 200
        assert "Development only." in page.text
        assert "edsger_d@example.com" in page.text


async def test_in_production_mail_goes_to_the_configured_smtp_server_links_use_the_public_url(
    storage: Storage,
) -> None:
    server = Mailbox()  # a real SMTP server standing in for the production one
    port = await server.start()
    mail = Mail(
        MailSettings(host="127.0.0.1", port=port, starttls=False, sender="Demo <demo@example.com>"),
        env="PROD",
    )
    app = create_app(
        storage, env="PROD", password_hash=FAST_HASHER, mail=mail, public_url="https://demo.example"
    )
    try:
        async with client_for(app) as client:
            assert (await client.get("/dev/mail")).status_code == 404
            await post(client, "/forgot-password", {"username": "nobody"})
            data = {"username": "ada_prod", "email": "ada@example.com", "password": PASSWORD}
            await post(client, "/signup", data, origin=ORIGIN)
            # A forged Host header cannot move the link to another site.
            forged = await client.post(
                "/forgot-password",
                data={"username": "ada_prod"},
                headers={"Origin": "http://evil.example", "Host": "evil.example"},
            )
            assert forged.headers["location"] == "/login?notice=reset-sent"
            for _ in range(200):
                if len(server.messages) >= 2:
                    break
                await asyncio.sleep(0.01)
        texts = [message.text for message in server.messages]
        assert len(texts) == 2
        assert all("https://demo.example/" in text and "evil.example" not in text for text in texts)
        assert {message.sender for message in server.messages} == {"demo@example.com"}
    finally:
        await server.aclose()


def test_mail_settings_come_from_the_environment() -> None:
    settings = MailSettings.from_environment(
        {
            "LUCIA_DEMO_SMTP_HOST": "smtp.example",
            "LUCIA_DEMO_SMTP_PORT": "2525",
            "LUCIA_DEMO_MAIL_FROM": "x@y.z",
        }
    )
    assert (settings.host, settings.port, settings.sender, settings.starttls) == (
        "smtp.example",
        2525,
        "x@y.z",
        True,
    )
    assert MailSettings.from_environment({}).host is None
    with pytest.raises(ValueError, match="LUCIA_DEMO_SMTP_PORT"):
        MailSettings.from_environment({"LUCIA_DEMO_SMTP_PORT": "smtp"})
    with pytest.raises(ValueError, match="LUCIA_DEMO_SMTP_HOST"):
        Mail(MailSettings(), env="PROD")


async def test_code_entry_is_throttled_per_user(throttled_app: FastAPI) -> None:
    app = throttled_app
    async with client_for(app) as client:
        await sign_up(client, "tony_h")
        code = CODE.search((await next_mail(app, 1)).text)
        assert code
        wrong = await post(client, "/verify-email", {"code": f"{(int(code.group(1)) + 1) % 10**8:08d}"})
        assert wrong.status_code == 400
        limited = await post(client, "/verify-email", {"code": code.group(1)})
        assert limited.status_code == 429
        assert error_text(limited, "error") == ["Too many attempts, try again in 1 second."]
        await asyncio.sleep(1.1)
        assert (await post(client, "/verify-email", {"code": code.group(1)})).status_code == 303


async def test_wrong_passwords_in_a_row_are_throttled_but_not_for_a_browser_that_signed_in_before(
    throttled_app: FastAPI,
) -> None:
    app = throttled_app
    async with client_for(app) as known, client_for(app) as attacker:
        await sign_up(known, "niklaus_w")
        assert "device_cookie" in known.cookies
        answers = [await log_in(attacker, "niklaus_w", f"guess number {n}") for n in range(10)]
        statuses = [answer.status_code for answer in answers]
        assert statuses[0] == 400
        assert statuses.count(429) >= 5, statuses
        assert re.fullmatch(
            r"Too many attempts, try again in \d+ seconds?\.", error_text(answers[-1], "error")[0]
        )
        assert (await log_in(attacker, "niklaus_w", PASSWORD)).status_code == 429
        await post(known, "/logout")
        signed_in = await log_in(known, "niklaus_w", PASSWORD)
        assert signed_in.headers["location"] == "/profile?notice=signed-in"
