"""The asgi() middleware and ASGICookies, on a bare ASGI application over a real SQLite database."""

from __future__ import annotations

import json
from collections.abc import Callable

import aiosqlite
import pytest

pytest.importorskip("httpx")

import httpx

from lucia_core import Auth, Session
from lucia_core.expiration import now_ms
from lucia_core.frameworks.asgi import (
    SCOPE_KEY,
    ASGICookies,
    Message,
    Receive,
    Scope,
    Send,
    request_context,
)
from lucia_core.frameworks.response_cookies import ResponseCookies
from lucia_core.middleware import asgi

HOUR = 3_600_000


@pytest.fixture
def auth(make_auth: Callable[..., Auth]) -> Auth:
    return make_auth(middleware=asgi())


@pytest.fixture
async def session(auth: Auth) -> Session:
    user = await auth.create_user(key=None, attributes={"username": "ada"})
    return await auth.create_session(user_id=user.user_id, attributes={})


async def make_idle(connection: aiosqlite.Connection, session: Session) -> None:
    now = now_ms()
    await connection.execute(
        "UPDATE user_session SET active_expires = ?, idle_expires = ? WHERE id = ?",
        (now - HOUR, now + HOUR, session.session_id),
    )
    await connection.commit()


def build_app(auth: Auth) -> ASGICookies:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        auth_request = auth.handle_request(scope)
        session = await auth_request.validate() or await auth_request.validate_bearer_token()
        if scope["path"] == "/sign-out" and session is not None:
            await auth.invalidate_session(session.session_id)
            auth_request.set_session(None)
            session = None
        status, headers = 200, [(b"content-type", b"application/json")]
        if scope["path"] == "/redirect":
            status, headers = 302, [(b"location", b"/")]
        body = json.dumps({"user_id": session.user.user_id if session else None}).encode()
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return ASGICookies(app)


def client(auth: Auth) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_app(auth)), base_url="http://example.com"
    )


async def test_a_renewed_session_sets_a_new_cookie(
    auth: Auth, session: Session, connection: aiosqlite.Connection
) -> None:
    await make_idle(connection, session)
    async with client(auth) as http:
        response = await http.get("/", headers={"Cookie": f"auth_session={session.session_id}"})
    renewed = await auth.get_session(session.session_id)
    assert response.json() == {"user_id": session.user.user_id}
    assert response.headers.get_list("set-cookie") == [auth.create_session_cookie(renewed).serialize()]


async def test_an_invalid_cookie_is_cleared(auth: Auth) -> None:
    async with client(auth) as http:
        response = await http.get("/", headers={"Cookie": "auth_session=nope"})
    assert response.json() == {"user_id": None}
    assert response.headers.get_list("set-cookie") == [auth.create_session_cookie(None).serialize()]


async def test_a_cross_origin_post_is_refused_and_the_cookie_kept(auth: Auth, session: Session) -> None:
    headers = {"Cookie": f"auth_session={session.session_id}", "Origin": "http://evil.com"}
    async with client(auth) as http:
        response = await http.post("/", headers=headers)
    assert response.json() == {"user_id": None}
    assert "set-cookie" not in response.headers


async def test_a_same_origin_post_passes(auth: Auth, session: Session) -> None:
    headers = {"Cookie": f"auth_session={session.session_id}", "Origin": "http://example.com"}
    async with client(auth) as http:
        response = await http.post("/", headers=headers)
    assert response.json() == {"user_id": session.user.user_id}


async def test_a_bearer_token_works(auth: Auth, session: Session) -> None:
    async with client(auth) as http:
        response = await http.post("/", headers={"Authorization": f"Bearer {session.session_id}"})
    assert response.json() == {"user_id": session.user.user_id}
    assert "set-cookie" not in response.headers


async def test_the_cookie_lands_on_a_redirect(
    auth: Auth, session: Session, connection: aiosqlite.Connection
) -> None:
    await make_idle(connection, session)
    async with client(auth) as http:
        response = await http.get("/redirect", headers={"Cookie": f"auth_session={session.session_id}"})
    assert response.status_code == 302
    renewed = await auth.get_session(session.session_id)
    assert response.headers.get_list("set-cookie") == [auth.create_session_cookie(renewed).serialize()]


async def test_set_session_none_clears_the_cookie(auth: Auth, session: Session) -> None:
    headers = {"Cookie": f"auth_session={session.session_id}", "Origin": "http://example.com"}
    async with client(auth) as http:
        response = await http.post("/sign-out", headers=headers)
    assert response.json() == {"user_id": None}
    assert response.headers.get_list("set-cookie") == [auth.create_session_cookie(None).serialize()]


async def test_without_the_middleware_handle_request_raises(auth: Auth) -> None:
    scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    with pytest.raises(RuntimeError, match="ASGICookies"):
        auth.handle_request(scope)


def test_handle_request_takes_one_scope(auth: Auth) -> None:
    with pytest.raises(TypeError, match="asgi"):
        auth.handle_request({"type": "lifespan"})
    with pytest.raises(TypeError, match="asgi"):
        auth.handle_request()


def test_repeated_headers_are_joined() -> None:
    scope: Scope = {
        "type": "http",
        "method": "post",
        "scheme": "https",
        "server": ("example.com", 443),
        "path": "/a b",
        "query_string": b"x=1",
        "headers": [(b"cookie", b"a=1"), (b"cookie", b"auth_session=abc"), (b"origin", b"https://a.com")],
        SCOPE_KEY: ResponseCookies(),
    }
    context = request_context(scope)
    assert context.method == "POST"
    assert context.url == "https://example.com/a%20b?x=1"
    assert context.header("cookie") == "a=1; auth_session=abc"
    scope["headers"] = [*scope["headers"], (b"Origin", b"https://b.com")]
    assert request_context(scope).header("origin") == "https://a.com, https://b.com"


def test_a_configured_host_header_is_read(make_auth: Callable[..., Auth]) -> None:
    auth = make_auth(middleware=asgi(), csrf_protection={"host_header": "X-Forwarded-Host"})
    headers = [
        (b"host", b"internal:8000"),
        (b"x-forwarded-host", b"example.com"),
        (b"origin", b"https://example.com"),
    ]
    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": headers,
        SCOPE_KEY: ResponseCookies(),
    }
    auth.validate_request_origin(request_context(scope))  # does not raise


class Recorder:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)


async def no_receive() -> Message:
    return {"type": "http.disconnect"}


async def test_a_websocket_accept_carries_the_cookies(auth: Auth) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert await auth.handle_request(scope).validate() is None  # an invalid cookie: cleared
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close"})

    sent = Recorder()
    scope: Scope = {
        "type": "websocket",
        "path": "/ws",
        "headers": [
            (b"host", b"example.com"),
            (b"origin", b"http://example.com"),
            (b"cookie", b"auth_session=nope"),
        ],
    }
    await ASGICookies(app)(scope, no_receive, sent)
    accept, close = sent.messages
    assert accept["headers"] == [(b"set-cookie", auth.create_session_cookie(None).serialize().encode())]
    assert "headers" not in close
    assert SCOPE_KEY not in scope  # the middleware worked on a copy


async def test_a_cookie_after_the_response_started_raises(auth: Auth, session: Session) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        auth_request = auth.handle_request(scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        with pytest.raises(RuntimeError, match="already been sent"):
            auth_request.set_session(session)
        await send({"type": "http.response.body", "body": b""})

    sent = Recorder()
    await ASGICookies(app)({"type": "http", "method": "GET", "path": "/", "headers": []}, no_receive, sent)
    assert sent.messages[0]["headers"] == []


async def test_lifespan_passes_through() -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    scope: Scope = {"type": "lifespan"}
    await ASGICookies(app)(scope, no_receive, Recorder())
    assert len(seen) == 1
    assert seen[0] is scope
