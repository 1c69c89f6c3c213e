"""The claims of SECURITY.md that are not properties of a parser: session fixation, stolen
cookies, cookie flags, what a database leak exposes. Each test is named after its claim."""

from __future__ import annotations

from typing import Any

import aiosqlite
import pytest

from lucia_core import Auth, Cookie, LuciaError, RequestContext


class Response:
    """Collects the cookies a request sets, as a framework response would."""

    def __init__(self) -> None:
        self.cookies: list[Cookie] = []


def browser_request(auth: Auth, response: Response, cookie: str | None, method: str = "GET") -> Any:
    headers = {"Host": "example.com", "Origin": "https://example.com"}
    if cookie is not None:
        headers["Cookie"] = cookie
    context = RequestContext(method=method, headers=headers, set_cookie=response.cookies.append)
    return auth.handle_request(context)


async def count_sessions(connection: aiosqlite.Connection) -> int:
    async with connection.execute("SELECT count(*) FROM user_session") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def test_a_client_chosen_session_id_is_never_adopted(
    auth: Auth, connection: aiosqlite.Connection
) -> None:
    """Session fixation: a cookie carrying an id the attacker made up authenticates nobody, is
    cleared, and no session with that id is ever created by validating it."""
    response = Response()
    request = browser_request(auth, response, "auth_session=attackerchosenid0000000000000000000000000")
    assert await request.validate() is None
    assert [cookie.value for cookie in response.cookies] == [""]  # the cookie is cleared
    assert await count_sessions(connection) == 0
    with pytest.raises(LuciaError):
        await auth.validate_session("attackerchosenid0000000000000000000000000")


async def test_signing_in_issues_a_new_session_id_whatever_cookie_came_in(auth: Auth) -> None:
    """Session fixation: signing in creates a new session (a fresh random id) and sets its cookie;
    the session the request arrived with, even a valid one planted by an attacker, is not reused."""
    attacker = await auth.create_user(key=None, attributes={"username": "attacker"})
    planted = await auth.create_session(user_id=attacker.user_id, attributes={})
    victim = await auth.create_user(
        key={"provider_id": "username", "provider_user_id": "victim", "password": "victim's password"},
        attributes={"username": "victim"},
    )
    response = Response()
    request = browser_request(auth, response, f"auth_session={planted.session_id}", method="POST")
    key = await auth.use_key("username", "victim", "victim's password")
    session = await auth.create_session(user_id=key.user_id, attributes={})
    request.set_session(session)
    assert session.session_id != planted.session_id
    assert [cookie.value for cookie in response.cookies] == [session.session_id]
    validated = await request.validate()
    assert validated is not None
    assert validated.user.user_id == victim.user_id


async def test_a_stolen_cookie_stops_working_once_its_session_is_invalidated(auth: Auth) -> None:
    """Stolen cookie: signing out (invalidate_session) or signing out everywhere
    (invalidate_all_user_sessions) makes every copy of the cookie worthless at once."""
    user = await auth.create_user(key=None, attributes={"username": "ada"})
    stolen = await auth.create_session(user_id=user.user_id, attributes={})
    other = await auth.create_session(user_id=user.user_id, attributes={})
    await auth.invalidate_session(stolen.session_id)
    assert await browser_request(auth, Response(), f"auth_session={stolen.session_id}").validate() is None
    await auth.invalidate_all_user_sessions(user.user_id)
    assert await browser_request(auth, Response(), f"auth_session={other.session_id}").validate() is None


@pytest.mark.parametrize("env", ["DEV", "PROD"])
def test_http_only_and_secure_cannot_be_configured_away(make_auth: Any, env: str) -> None:
    """XSS: the session cookie is always HttpOnly (scripts cannot read it); in PROD it is always
    Secure. The configuration accepts only same_site, path and domain, so neither can be
    switched off."""
    auth = make_auth(env=env, session_cookie={"attributes": {"same_site": "strict", "path": "/app"}})
    attributes = auth.create_session_cookie(None).attributes
    assert attributes["http_only"] is True
    assert attributes["secure"] is (env == "PROD")
    for flag in ("http_only", "secure"):
        with pytest.raises(ValueError, match="attributes"):
            make_auth(env=env, session_cookie={"attributes": {flag: False}})


async def test_a_database_leak_exposes_password_hashes_only_but_session_ids_as_they_are(
    auth: Auth, connection: aiosqlite.Connection
) -> None:
    """Database leak: the key row holds an Argon2id hash, never the password. Session ids are
    stored as they are (as Lucia v2 stores them): a leaked session table lets its reader use live
    sessions until they are invalidated. SECURITY.md says what to do about it."""
    user = await auth.create_user(
        key={"provider_id": "username", "provider_user_id": "ada", "password": "correct horse"},
        attributes={"username": "ada"},
    )
    session = await auth.create_session(user_id=user.user_id, attributes={})
    async with connection.execute("SELECT hashed_password FROM user_key") as cursor:
        (hashed,) = await cursor.fetchone() or (None,)
    assert isinstance(hashed, str)
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    async with connection.execute("SELECT id FROM user_session") as cursor:
        (stored_id,) = await cursor.fetchone() or (None,)
    assert stored_id == session.session_id
