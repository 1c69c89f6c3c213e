"""The aiohttp() middleware and setup() on a real aiohttp application over a real SQLite database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiosqlite
import pytest

pytest.importorskip("aiohttp")

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request

from lucia_core import Auth, LuciaError, Session
from lucia_core.expiration import now_ms
from lucia_core.frameworks import aiohttp as lucia_aiohttp
from lucia_core.middleware import aiohttp as aiohttp_middleware

HOUR = 3_600_000
PASSWORD = "correct horse battery staple"
Client = TestClient[web.Request, web.Application]


@pytest.fixture
def auth(make_auth: Callable[..., Auth]) -> Auth:
    return make_auth(middleware=aiohttp_middleware())


@pytest.fixture
async def session(auth: Auth) -> Session:
    key = {"provider_id": "username", "provider_user_id": "ada", "password": PASSWORD}
    user = await auth.create_user(key=key, attributes={"username": "ada"})
    return await auth.create_session(user_id=user.user_id, attributes={})


async def make_idle(connection: aiosqlite.Connection, session: Session) -> None:
    now = now_ms()
    await connection.execute(
        "UPDATE user_session SET active_expires = ?, idle_expires = ? WHERE id = ?",
        (now - HOUR, now + HOUR, session.session_id),
    )
    await connection.commit()


def user_of(session: Session | None) -> dict[str, str | None]:
    return {"user_id": session.user.user_id if session else None}


def build_app(auth: Auth) -> web.Application:
    async def me(request: web.Request) -> web.Response:
        auth_request = auth.handle_request(request)
        session = await auth_request.validate() or await auth_request.validate_bearer_token()
        return web.json_response(user_of(session))

    async def go_home(request: web.Request) -> web.Response:
        await auth.handle_request(request).validate()
        raise web.HTTPFound("/me")

    async def sign_in(request: web.Request) -> web.Response:
        form = await request.json()
        try:
            key = await auth.use_key("username", form["username"], form["password"])
        except LuciaError:
            return web.json_response({"error": "invalid credentials"}, status=400)
        session = await auth.create_session(user_id=key.user_id, attributes={})
        auth.handle_request(request).set_session(session)
        raise web.HTTPSeeOther("/me")

    async def stream(request: web.Request) -> web.StreamResponse:
        auth_request = auth.handle_request(request)
        session = await auth_request.validate()
        response = web.StreamResponse()
        await response.prepare(request)  # the renewed cookie goes out with these headers
        try:
            auth_request.set_session(session)
        except RuntimeError:
            await response.write(b"too late")
        await response.write_eof()
        return response

    async def explicit(request: web.Request) -> web.Response:
        # Without setup(): the response exists first, and handle_request writes on it.
        response = web.Response(status=303, headers={"Location": "/me"})
        auth_request = auth.handle_request(request, response)
        session = await auth_request.validate()
        auth_request.set_session(None)
        auth_request.set_session(session)  # replaces the header written just before
        return response

    app = web.Application()
    lucia_aiohttp.setup(app)
    app.router.add_route("*", "/me", me)
    app.router.add_get("/go-home", go_home)
    app.router.add_post("/sign-in", sign_in)
    app.router.add_get("/stream", stream)
    plain = web.Application()
    plain.router.add_post("/explicit", explicit)
    app.add_subapp("/plain", plain)
    return app


@pytest.fixture
async def client(auth: Auth) -> AsyncIterator[Client]:
    async with TestClient(TestServer(build_app(auth))) as test_client:
        yield test_client


def origin(client: Client) -> str:
    return str(client.make_url("/").origin())


async def test_a_renewed_session_sets_a_new_cookie(
    auth: Auth, session: Session, connection: aiosqlite.Connection, client: Client
) -> None:
    await make_idle(connection, session)
    response = await client.get("/me", headers={"Cookie": f"auth_session={session.session_id}"})
    renewed = await auth.get_session(session.session_id)
    assert await response.json() == user_of(session)
    assert response.headers.getall("Set-Cookie") == [auth.create_session_cookie(renewed).serialize()]


async def test_an_invalid_cookie_is_cleared(auth: Auth, client: Client) -> None:
    response = await client.get("/me", headers={"Cookie": "auth_session=nope"})
    assert await response.json() == user_of(None)
    assert response.headers.getall("Set-Cookie") == [auth.create_session_cookie(None).serialize()]


async def test_a_cross_origin_post_is_refused_and_the_cookie_kept(
    auth: Auth, session: Session, client: Client
) -> None:
    headers = {"Cookie": f"auth_session={session.session_id}", "Origin": "http://evil.com"}
    response = await client.post("/me", headers=headers)
    assert await response.json() == user_of(None)
    assert "Set-Cookie" not in response.headers


async def test_a_same_origin_post_passes(auth: Auth, session: Session, client: Client) -> None:
    headers = {"Cookie": f"auth_session={session.session_id}", "Origin": origin(client)}
    response = await client.post("/me", headers=headers)
    assert await response.json() == user_of(session)


async def test_a_bearer_token_works(auth: Auth, session: Session, client: Client) -> None:
    response = await client.post("/me", headers={"Authorization": f"Bearer {session.session_id}"})
    assert await response.json() == user_of(session)
    assert "Set-Cookie" not in response.headers


async def test_the_cookie_lands_on_a_raised_redirect(
    auth: Auth, session: Session, connection: aiosqlite.Connection, client: Client
) -> None:
    await make_idle(connection, session)
    headers = {"Cookie": f"auth_session={session.session_id}"}
    response = await client.get("/go-home", headers=headers, allow_redirects=False)
    assert response.status == 302
    renewed = await auth.get_session(session.session_id)
    assert response.headers.getall("Set-Cookie") == [auth.create_session_cookie(renewed).serialize()]


async def test_set_session_on_sign_in_sets_the_cookie(auth: Auth, session: Session, client: Client) -> None:
    body = {"username": "ada", "password": PASSWORD}
    response = await client.post(
        "/sign-in", json=body, headers={"Origin": origin(client)}, allow_redirects=False
    )
    assert response.status == 303
    (set_cookie,) = response.headers.getall("Set-Cookie")
    signed_in = await auth.get_session(set_cookie.partition(";")[0].removeprefix("auth_session="))
    assert set_cookie == auth.create_session_cookie(signed_in).serialize()
    assert signed_in.user.user_id == session.user.user_id
    assert await (await client.get("/me")).json() == user_of(signed_in)  # the cookie jar sends it back


async def test_a_streamed_response_gets_the_cookie_queued_before_it_started(
    auth: Auth, session: Session, connection: aiosqlite.Connection, client: Client
) -> None:
    await make_idle(connection, session)
    response = await client.get("/stream", headers={"Cookie": f"auth_session={session.session_id}"})
    renewed = await auth.get_session(session.session_id)
    assert response.headers.getall("Set-Cookie") == [auth.create_session_cookie(renewed).serialize()]
    assert await response.read() == b"too late"  # set_session after prepare() raised


async def test_with_an_explicit_response_no_setup_is_needed(
    auth: Auth, session: Session, client: Client
) -> None:
    headers = {"Cookie": f"auth_session={session.session_id}", "Origin": origin(client)}
    response = await client.post("/plain/explicit", headers=headers, allow_redirects=False)
    assert response.status == 303
    assert response.headers.getall("Set-Cookie") == [auth.create_session_cookie(session).serialize()]


def test_without_setup_or_response_handle_request_raises(auth: Auth) -> None:
    request = make_mocked_request("GET", "/", app=web.Application())
    with pytest.raises(RuntimeError, match=r"setup\(\)"):
        auth.handle_request(request)


def test_handle_request_checks_its_arguments(auth: Auth) -> None:
    request = make_mocked_request("GET", "/", headers={"Cookie": "a=1"})
    with pytest.raises(TypeError, match="aiohttp"):
        auth.handle_request({"method": "GET"})
    with pytest.raises(TypeError, match="StreamResponse"):
        auth.handle_request(request, "not a response")
    context = auth.handle_request(request, web.Response()).context
    assert context.method == "GET"
    assert context.header("cookie") == "a=1"
