"""The demo application (``demo/lucia_demo``) through httpx's ASGI transport, on a real SQLite file;
and its whole flow once on each server backend (PostgreSQL, MySQL, MongoDB, Redis sessions).

A client is one browser: it keeps its cookies and sends ``Origin`` on POSTs, as browsers do.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

try:
    import lucia_demo  # noqa: F401
except ImportError:  # skipped on a developer's machine, a failure in CI
    if os.environ.get("CI") or os.environ.get("LUCIA_REQUIRE_BACKENDS"):
        raise
    pytest.skip("the demo is not installed: pip install -e ./demo", allow_module_level=True)

import httpx
from fastapi import FastAPI
from lucia_demo import Storage, create_app, open_storage
from lucia_demo.app import INCORRECT_CREDENTIALS, USERNAME_TAKEN
from lucia_demo.presentation import describe_user_agent, relative_time
from lucia_demo.storage import sqlite_path

from lucia_core import Argon2idHasher, Auth, LuciaError

from .backends import backend_url

ORIGIN = "http://demo.test"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
FAST_HASHER = Argon2idHasher(time_cost=2, memory_cost=19456, parallelism=1)
HOUR_MS = 3_600_000
SESSION_ID = re.compile(r"auth_session=([a-z0-9]{40});")

Browser = Callable[[], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    yield opened
    await opened.aclose()


@pytest.fixture
def app(storage: Storage) -> FastAPI:
    return create_app(storage, password_hash=FAST_HASHER)


@pytest.fixture
def auth(app: FastAPI) -> Auth:
    result: Auth = app.state.auth
    return result


def browser_for(app: FastAPI) -> Browser:
    @asynccontextmanager
    async def browser() -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
            client.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
            yield client

    return browser


@pytest.fixture
def browser(app: FastAPI) -> Browser:
    """A new browser (cookie jar) on the demo."""
    return browser_for(app)


async def post(
    client: httpx.AsyncClient, path: str, data: dict[str, str] | None = None, *, origin: str | None = ORIGIN
) -> httpx.Response:
    headers = {"Origin": origin} if origin is not None else {}
    return await client.post(path, data=data or {}, headers=headers)


async def sign_up(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    email = f"{username}@example.com"
    return await post(client, "/signup", {"username": username, "email": email, "password": password})


async def log_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await post(client, "/login", {"username": username, "password": password})


def session_id(client: httpx.AsyncClient) -> str:
    value = client.cookies.get("auth_session")
    assert value, "the client has no session cookie"
    return value


def set_cookies(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def error_text(response: httpx.Response, css_class: str) -> list[str]:
    """The texts of the page's ``<p class="css_class" ...>`` messages."""
    return re.findall(rf'<p class="{css_class}"[^>]*>([^<]*)</p>', response.text)


async def is_valid(auth: Auth, session: str) -> bool:
    try:
        await auth.validate_session(session)
    except LuciaError as error:
        if error.code != "AUTH_INVALID_SESSION_ID":
            raise
        return False
    return True


async def password_works(auth: Auth, username: str, password: str) -> bool:
    try:
        await auth.use_key("username", username, password)
    except LuciaError as error:
        if error.code != "AUTH_INVALID_PASSWORD":
            raise
        return False
    return True


async def key_exists(auth: Auth, username: str) -> bool:
    try:
        await auth.get_key("username", username)
    except LuciaError as error:
        if error.code != "AUTH_INVALID_KEY_ID":
            raise
        return False
    return True


# -- sign up ----------------------------------------------------------------------------------------


async def test_sign_up_stores_a_lowercased_username_signs_in_and_shows_the_profile(
    browser: Browser, auth: Auth
) -> None:
    async with browser() as client:
        response = await sign_up(client, "Ada_Love-1")
        assert response.status_code == 303
        assert response.headers["location"] == "/profile?notice=welcome"
        assert any(SESSION_ID.search(cookie) for cookie in set_cookies(response))
        key = await auth.get_key("username", "ada_love-1")
        user = await auth.get_user(key.user_id)
        assert user.username == "ada_love-1"

        profile = await client.get("/profile?notice=welcome")
        assert profile.status_code == 200
        assert "Hello, ada_love-1" in profile.text
        assert "Welcome! Your account is ready" in profile.text
        assert user.user_id in profile.text


@pytest.mark.parametrize(
    ("username", "password", "field", "message"),
    [
        ("abc", PASSWORD, "username", "Usernames are 4 to 31 characters long."),
        ("a" * 32, PASSWORD, "username", "Usernames are 4 to 31 characters long."),
        ("", PASSWORD, "username", "Usernames are 4 to 31 characters long."),
        (
            "ada lovelace",
            PASSWORD,
            "username",
            "Use only letters a-z, digits, hyphens (-) and underscores (_).",
        ),
        ("ädäm", PASSWORD, "username", "Use only letters a-z, digits, hyphens (-) and underscores (_)."),
        ("ada.l", PASSWORD, "username", "Use only letters a-z, digits, hyphens (-) and underscores (_)."),
        ("ada_l", "seven77", "password", "Passwords are 8 to 255 characters long."),
        ("ada_l", "p" * 256, "password", "Passwords are 8 to 255 characters long."),
    ],
)
async def test_sign_up_refuses_invalid_usernames_and_passwords_with_a_message(
    browser: Browser, auth: Auth, username: str, password: str, field: str, message: str
) -> None:
    async with browser() as client:
        response = await sign_up(client, username, password)
    assert response.status_code == 400
    assert f'<p class="field-error" id="{field}-error" role="alert">{message}</p>' in response.text
    assert set_cookies(response) == []
    assert not await key_exists(auth, username.lower())


@pytest.mark.parametrize(
    ("username", "password"), [("abcd", "p" * 8), ("a" * 31, "p" * 255), ("a-b_c", "p" * 8)]
)
async def test_sign_up_accepts_the_limits(browser: Browser, auth: Auth, username: str, password: str) -> None:
    async with browser() as client:
        response = await sign_up(client, username, password)
    assert response.status_code == 303
    assert await password_works(auth, username, password)


async def test_sign_up_with_a_taken_username_says_so_whatever_its_case(browser: Browser, auth: Auth) -> None:
    async with browser() as first, browser() as second:
        assert (await sign_up(first, "grace")).status_code == 303
        response = await sign_up(second, "Grace", "another password")
    assert response.status_code == 400
    assert error_text(response, "field-error") == [USERNAME_TAKEN]
    assert set_cookies(response) == []
    assert await password_works(auth, "grace", PASSWORD)
    assert not await password_works(auth, "grace", "another password")


async def test_sign_up_reports_a_taken_key_as_a_taken_username(
    browser: Browser, auth: Auth, tmp_path: Path
) -> None:
    # The key "username:bobby" belongs to a user whose username attribute differs, so the user row
    # goes in and the key is refused: AUTH_DUPLICATE_KEY_ID, and the new user is not left behind.
    owner = await auth.create_user(
        key={"provider_id": "username", "provider_user_id": "bobby", "password": PASSWORD},
        attributes={"username": "robert"},
    )
    async with browser() as client:
        response = await sign_up(client, "bobby", "another password")
    assert response.status_code == 400
    assert error_text(response, "field-error") == [USERNAME_TAKEN]
    assert (await auth.get_key("username", "bobby")).user_id == owner.user_id
    with sqlite3.connect(tmp_path / "demo.sqlite3") as database:
        users = database.execute("SELECT id, username FROM auth_user").fetchall()
    assert users == [(owner.user_id, "robert")]


# -- log in -----------------------------------------------------------------------------------------


async def test_log_in_starts_a_session(browser: Browser, auth: Auth) -> None:
    async with browser() as client:
        await sign_up(client, "hopper")
    async with browser() as client:
        response = await log_in(client, "HOPPER")
        assert response.status_code == 303
        assert response.headers["location"] == "/profile?notice=signed-in"
        session = await auth.validate_session(session_id(client))
        assert session.user.username == "hopper"
        assert session.attributes["user_agent"] == "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
        assert abs(session.attributes["created_at"] - time.time() * 1000) < 60_000


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("hopper", "wrong password"),
        ("nobody", PASSWORD),
        ("hopper", ""),
        ("", ""),
        ("no spaces allowed", PASSWORD),
        ("hopper", "p" * 300),
    ],
)
async def test_a_failed_log_in_always_says_incorrect_username_or_password(
    browser: Browser, username: str, password: str
) -> None:
    async with browser() as client:
        await sign_up(client, "hopper")
    async with browser() as client:
        response = await log_in(client, username, password)
    assert response.status_code == 400
    assert error_text(response, "error") == [INCORRECT_CREDENTIALS]
    assert set_cookies(response) == []


async def test_logging_in_again_ends_the_browsers_previous_session(browser: Browser, auth: Auth) -> None:
    async with browser() as client:
        await sign_up(client, "lovelace")
        first = session_id(client)
        await log_in(client, "lovelace")
        second = session_id(client)
        assert second != first
        assert not await is_valid(auth, first)
        sessions = await auth.get_all_user_sessions((await auth.validate_session(second)).user.user_id)
        assert [session.session_id for session in sessions] == [second]


# -- log out ----------------------------------------------------------------------------------------


async def test_log_out_invalidates_the_session_and_blanks_the_cookie(browser: Browser, auth: Auth) -> None:
    async with browser() as client:
        await sign_up(client, "turing")
        session = session_id(client)
        response = await post(client, "/logout")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?notice=signed-out"
        (cookie,) = set_cookies(response)
        assert cookie.startswith("auth_session=;")
        assert "Max-Age=0" in cookie or "Expires=Thu, 01 Jan 1970" in cookie
        assert not await is_valid(auth, session)
        assert "auth_session" not in client.cookies
        page = await client.get("/profile")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?notice=sign-in-required"


async def test_signed_in_pages_and_actions_send_a_signed_out_browser_to_the_login_page(
    browser: Browser,
) -> None:
    async with browser() as client:
        for response in (
            await client.get("/profile"),
            await client.get("/password"),
            await post(client, "/logout"),
            await post(client, "/sessions/sign-out-others"),
            await post(client, "/password", {"current_password": PASSWORD}),
        ):
            assert response.status_code == 303
            assert response.headers["location"] == "/login?notice=sign-in-required"


# -- profile and sessions ---------------------------------------------------------------------------


async def test_the_profile_lists_the_users_live_sessions_and_marks_this_one(
    browser: Browser, auth: Auth, storage: Storage, tmp_path: Path
) -> None:
    async with browser() as first, browser() as second, browser() as third:
        await sign_up(first, "knuth")
        await log_in(second, "knuth")
        await log_in(third, "knuth")
        # The third browser's session goes idle, the second's dies: listed as idle, and not listed.
        now = int(time.time() * 1000)
        with sqlite3.connect(tmp_path / "demo.sqlite3") as database:
            database.execute(
                "UPDATE user_session SET active_expires = ?, idle_expires = ? WHERE id = ?",
                (now - HOUR_MS, now + HOUR_MS, session_id(third)),
            )
            database.execute(
                "UPDATE user_session SET active_expires = ?, idle_expires = ? WHERE id = ?",
                (now - 2 * HOUR_MS, now - HOUR_MS, session_id(second)),
            )
        page = await first.get("/profile")
    assert page.status_code == 200
    assert re.search(r'id="session-count">2<', page.text)
    rows = re.findall(r"<tr(?: class=\"current\")?>.*?</tr>", page.text, flags=re.S)[
        1:
    ]  # after the header row
    assert len(rows) == 2
    assert rows[0].startswith('<tr class="current">')  # this browser first
    assert "this browser" in rows[0]
    assert "this browser" not in rows[1]
    assert "Firefox on Linux" in rows[0]
    assert '<span class="badge active">active</span>' in rows[0]
    assert '<span class="badge idle">idle</span>' in rows[1]
    assert re.search(r'id="session-state">active<', page.text)


async def test_sign_out_of_all_other_sessions_keeps_only_this_one(browser: Browser, auth: Auth) -> None:
    async with browser() as first, browser() as second, browser() as third:
        await sign_up(first, "dijkstra")
        await log_in(second, "dijkstra")
        await log_in(third, "dijkstra")
        response = await post(second, "/sessions/sign-out-others")
        assert response.status_code == 303
        assert response.headers["location"] == "/profile?notice=others-signed-out"
        assert await is_valid(auth, session_id(second))
        assert not await is_valid(auth, session_id(first))
        assert not await is_valid(auth, session_id(third))
        page = await first.get("/profile")  # the first browser is signed out, its cookie cleared
        assert page.status_code == 303
        assert "auth_session" not in first.cookies


# -- password change --------------------------------------------------------------------------------


async def test_changing_the_password_ends_every_session_and_starts_a_new_one_here(
    browser: Browser, auth: Auth
) -> None:
    async with browser() as first, browser() as second:
        await sign_up(first, "liskov")
        await log_in(second, "liskov")
        before = session_id(second)
        response = await post(
            second,
            "/password",
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/profile?notice=password-changed"
        after = session_id(second)
        assert after != before
        assert not await is_valid(auth, before)
        assert not await is_valid(auth, session_id(first))
        session = await auth.validate_session(after)
        assert [s.session_id for s in await auth.get_all_user_sessions(session.user.user_id)] == [after]
        assert (await second.get("/profile")).status_code == 200
    assert await password_works(auth, "liskov", NEW_PASSWORD)
    assert not await password_works(auth, "liskov", PASSWORD)


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"current_password": "wrong password"}, "current_password", "Your current password is incorrect."),
        ({"new_password": "short"}, "new_password", "Passwords are 8 to 255 characters long."),
        ({"confirm_password": NEW_PASSWORD + "!"}, "confirm_password", "The two new passwords do not match."),
    ],
)
async def test_a_refused_password_change_says_why_and_changes_nothing(
    browser: Browser, auth: Auth, form: dict[str, str], field: str, message: str
) -> None:
    data = {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    } | form
    async with browser() as first, browser() as second:
        await sign_up(first, "hamilton")
        await log_in(second, "hamilton")
        response = await post(second, "/password", data)
        assert response.status_code == 400
        assert error_text(response, "field-error") == [message]
        assert f'id="{field}-error"' in response.text
        assert await is_valid(auth, session_id(first))
        assert await is_valid(auth, session_id(second))
    assert await password_works(auth, "hamilton", PASSWORD)


# -- CSRF -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin", ["http://evil.test", "http://demo.test:8080", "http://sub.demo.test", "null", None]
)
async def test_a_form_posted_from_another_origin_is_refused_and_changes_nothing(
    browser: Browser, auth: Auth, origin: str | None
) -> None:
    async with browser() as victim, browser() as other:
        await sign_up(victim, "victim")
        await log_in(other, "victim")
        attempts = {
            "/sessions/sign-out-others": {},
            "/password": {
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "confirm_password": NEW_PASSWORD,
            },
            "/logout": {},
            "/login": {"username": "victim", "password": PASSWORD},
            "/signup": {"username": "intruder", "password": PASSWORD},
        }
        cookie = session_id(victim)
        for path, data in attempts.items():
            response = await post(victim, path, data, origin=origin)
            assert response.status_code == 403, path
            assert "Request refused" in response.text
            assert set_cookies(response) == []
            assert session_id(victim) == cookie
        assert await is_valid(auth, cookie)
        assert await is_valid(auth, session_id(other))
        user = (await auth.validate_session(cookie)).user
        assert len(await auth.get_all_user_sessions(user.user_id)) == 2
    assert await password_works(auth, "victim", PASSWORD)
    assert not await key_exists(auth, "intruder")


async def test_the_same_forms_from_the_sites_own_origin_are_carried_out(browser: Browser, auth: Auth) -> None:
    # The counterpart of the CSRF test: its requests are refused because of the origin alone.
    async with browser() as victim, browser() as other:
        await sign_up(victim, "victim")
        await log_in(other, "victim")
        response = await post(victim, "/sessions/sign-out-others", origin=ORIGIN)
        assert response.status_code == 303
        assert not await is_valid(auth, session_id(other))


async def test_pages_carry_security_headers(browser: Browser) -> None:
    async with browser() as client:
        response = await client.get("/login")
    assert response.status_code == 200
    assert "form-action 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


# -- storage and presentation -----------------------------------------------------------------------


async def test_opening_the_same_sqlite_file_again_keeps_its_users(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'again.sqlite3'}"
    for attempt in range(2):  # the second start finds the schema in place
        storage = await open_storage(url)
        try:
            async with browser_for(create_app(storage, password_hash=FAST_HASHER))() as client:
                response = await (sign_up(client, "ritchie") if attempt == 0 else log_in(client, "ritchie"))
                assert response.status_code == 303
        finally:
            await storage.aclose()
    with sqlite3.connect(tmp_path / "again.sqlite3") as database:
        indexes = database.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    assert ("auth_user_username_unique",) in indexes


async def anonymous_footer(app: FastAPI) -> str:
    """The footer's "data in ..." as an anonymous visitor sees it on the sign-in page."""
    async with browser_for(app)() as client:
        page = (await client.get("/login")).text
    footer = re.search(r"<footer>(.*?)</footer>", page, re.DOTALL)
    assert footer is not None
    return " ".join(footer.group(1).split()).partition(" · ")[2]


async def test_the_footer_names_the_kind_of_backend_only(app: FastAPI, tmp_path: Path) -> None:
    footer = await anonymous_footer(app)
    assert footer == "data in SQLite"
    assert str(tmp_path) not in footer


def test_sqlite_urls_and_paths_name_the_file() -> None:
    assert sqlite_path("sqlite:///relative.db") == Path("relative.db")
    assert sqlite_path("sqlite:////abs/file.db") == Path("/abs/file.db")
    assert sqlite_path("plain/path.sqlite3") == Path("plain/path.sqlite3")
    with pytest.raises(ValueError, match="sqlite:///"):
        sqlite_path("sqlite://host/file.db")


async def test_an_unknown_database_url_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database URL 'oracle://scott:\\*\\*\\*@db/x'"):
        await open_storage("oracle://scott:tiger@db/x")


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/156.0 Safari/537.36",
            "Headless Chrome on Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/130.0 Safari/537.36 Edg/130.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605 Safari/604.1",
            "Safari on iOS",
        ),
        ("curl/8.5.0", "curl"),
        ("", "Unknown browser"),
        (None, "Unknown browser"),
    ],
)
def test_user_agents_are_named_by_browser_and_system(user_agent: str | None, expected: str) -> None:
    assert describe_user_agent(user_agent) == expected


def test_relative_times_use_the_largest_whole_unit() -> None:
    from datetime import datetime, timedelta, timezone

    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    assert relative_time(now + timedelta(hours=23, minutes=59), now) == "in 23 hours"
    assert relative_time(now - timedelta(minutes=1), now) == "1 minute ago"
    assert relative_time(now + timedelta(days=14), now) == "in 14 days"
    assert relative_time(now + timedelta(seconds=30), now) == "just now"


# -- every backend ----------------------------------------------------------------------------------


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    import asyncpg

    url = backend_url("postgres")
    schema = f"lucia_demo_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        yield f"{url}{'&' if '?' in url else '?'}search_path={schema}"
    finally:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.close()


@asynccontextmanager
async def mysql_database() -> AsyncIterator[str]:
    import aiomysql

    url = backend_url("mysql")
    parts = urlsplit(url)
    name = f"{parts.path.strip('/')}_demo_{secrets.token_hex(4)}"  # the user may create "<db>_*"
    connection = await aiomysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "",
        password=parts.password or "",
        autocommit=True,
    )
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(f"CREATE DATABASE `{name}`")
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        async with connection.cursor() as cursor:
            await cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        connection.close()


@asynccontextmanager
async def mongodb_database() -> AsyncIterator[str]:
    from pymongo import AsyncMongoClient

    url = backend_url("mongodb")
    parts = urlsplit(url)
    name = f"lucia_demo_{secrets.token_hex(4)}"
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url)
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        await client.drop_database(name)
        await client.close()


@asynccontextmanager
async def sqlite_database(folder: Path) -> AsyncIterator[str]:
    yield f"sqlite:///{folder / 'users.sqlite3'}"


#: What the footer says about each backend: its kind only.
FOOTERS = {
    "postgres": "PostgreSQL",
    "mysql": "MySQL",
    "mongodb": "MongoDB",
    "postgres+redis": "PostgreSQL users, Redis sessions",
    "sqlite+redis-cluster": "SQLite users, Redis sessions",
}

BACKENDS: dict[str, tuple[str, str | None]] = {
    # name: (database kind, session store)
    "postgres": ("postgres", None),
    "mysql": ("mysql", None),
    "mongodb": ("mongodb", None),
    "postgres+redis": ("postgres", "redis"),
    "sqlite+redis-cluster": ("sqlite", "redis-cluster"),
}


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param(
            name,
            marks=[
                pytest.mark.backend(kind) for kind in (database, sessions) if kind not in (None, "sqlite")
            ],
        )
        for name, (database, sessions) in BACKENDS.items()
    ],
)
async def test_the_demo_runs_on_each_backend(backend: str, tmp_path: Path) -> None:
    database_kind, session_store = BACKENDS[backend]
    databases: dict[str, Callable[[], AbstractAsyncContextManager[str]]] = {
        "postgres": postgres_database,
        "mysql": mysql_database,
        "mongodb": mongodb_database,
        "sqlite": lambda: sqlite_database(tmp_path),
    }
    session_url = None
    if session_store == "redis":
        session_url = backend_url("redis")
    elif session_store == "redis-cluster":
        session_url = urlsplit(backend_url("redis-cluster"))._replace(scheme="redis-cluster").geturl()
    async with databases[database_kind]() as database_url:
        await (await open_storage(database_url, session_url)).aclose()  # a first start creates the schema
        storage = await open_storage(database_url, session_url)  # a second finds it in place
        try:
            app = create_app(storage, password_hash=FAST_HASHER)
            footer = await anonymous_footer(app)
            assert footer == f"data in {FOOTERS[backend]}"
            for secret in (database_url, session_url, urlsplit(database_url).hostname, "password"):
                assert not secret or secret not in footer
            await run_the_whole_flow(app)
        finally:
            await storage.aclose()


async def run_the_whole_flow(app: FastAPI) -> None:
    auth: Auth = app.state.auth
    browser = browser_for(app)
    username = f"user_{secrets.token_hex(4)}"
    async with browser() as first, browser() as second, browser() as third:
        assert (await sign_up(first, username)).status_code == 303
        taken = await sign_up(third, username.upper())
        assert taken.status_code == 400
        assert error_text(taken, "field-error") == [USERNAME_TAKEN]
        failed = await log_in(second, username, "wrong password")
        assert error_text(failed, "error") == [INCORRECT_CREDENTIALS]
        await asyncio.sleep(1.05)  # the wrong password timed the username out for a second
        assert (await log_in(second, username)).status_code == 303
        profile = await second.get("/profile")
        assert re.search(r'id="session-count">2<', profile.text)
        forged = await post(first, "/sessions/sign-out-others", origin="http://evil.test")
        assert forged.status_code == 403
        assert await is_valid(auth, session_id(second))
        changed = await post(
            second,
            "/password",
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        )
        assert changed.status_code == 303
        assert not await is_valid(auth, session_id(first))
        user = (await auth.validate_session(session_id(second))).user
        assert len(await auth.get_all_user_sessions(user.user_id)) == 1
        assert (await post(second, "/logout")).status_code == 303
        assert await auth.get_all_user_sessions(user.user_id) == []
        await auth.delete_user(user.user_id)
