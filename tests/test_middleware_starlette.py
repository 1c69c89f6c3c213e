"""The starlette() middleware on a real Starlette application over a real SQLite database."""

from __future__ import annotations

from collections.abc import Callable

import aiosqlite
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from lucia_core import Auth, LuciaError, Session
from lucia_core.expiration import now_ms
from lucia_core.frameworks.asgi import ASGICookies
from lucia_core.middleware import starlette

HOUR = 3_600_000
PASSWORD = "correct horse battery staple"


@pytest.fixture
def auth(make_auth: Callable[..., Auth]) -> Auth:
    return make_auth(middleware=starlette())


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


def build_app(auth: Auth, *, with_middleware: bool = True) -> Starlette:
    async def me(request: Request) -> Response:
        auth_request = auth.handle_request(request)
        session = await auth_request.validate() or await auth_request.validate_bearer_token()
        return JSONResponse(user_of(session))

    async def go_home(request: Request) -> Response:
        await auth.handle_request(request).validate()
        return RedirectResponse("/")

    async def sign_in(request: Request) -> Response:
        form = await request.json()
        try:
            key = await auth.use_key("username", form["username"], form["password"])
        except LuciaError:
            return JSONResponse({"error": "invalid credentials"}, status_code=400)
        session = await auth.create_session(user_id=key.user_id, attributes={})
        auth.handle_request(request).set_session(session)
        return RedirectResponse("/me", status_code=303)

    async def explicit(request: Request) -> Response:
        # Without ASGICookies: the response exists first, and handle_request writes on it.
        response = Response(status_code=204) if request.method == "GET" else RedirectResponse("/", 303)
        auth_request = auth.handle_request(request, response)
        session = await auth_request.validate()
        if request.method == "POST":
            auth_request.set_session(None)
            auth_request.set_session(session)  # replaces the header written just before
        return response

    routes = [
        Route("/me", me, methods=["GET", "POST"]),
        Route("/go-home", go_home),
        Route("/sign-in", sign_in, methods=["POST"]),
        Route("/explicit", explicit, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(ASGICookies)] if with_middleware else [])


def client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://example.com")


async def test_a_renewed_session_sets_a_new_cookie(
    auth: Auth, session: Session, connection: aiosqlite.Connection
) -> None:
    await make_idle(connection, session)
    async with client(build_app(auth)) as http:
        response = await http.get("/me", headers={"Cookie": f"auth_session={session.session_id}"})
    renewed = await auth.get_session(session.session_id)
    assert response.json() == user_of(session)
    assert response.headers.get_list("set-cookie") == [auth.create_session_cookie(renewed).serialize()]


async def test_an_invalid_cookie_is_cleared(auth: Auth) -> None:
    async with client(build_app(auth)) as http:
        response = await http.get("/me", headers={"Cookie": "theme=dark; auth_session=nope"})
    assert response.json() == user_of(None)
    (cleared,) = response.headers.get_list("set-cookie")
    assert cleared == auth.create_session_cookie(None).serialize()
    assert "Max-Age=0" in cleared
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in cleared


async def test_a_cross_origin_post_is_refused_and_the_cookie_kept(auth: Auth, session: Session) -> None:
    headers = {"Cookie": f"auth_session={session.session_id}", "Origin": "http://evil.com"}
    async with client(build_app(auth)) as http:
        response = await http.post("/me", headers=headers)
    assert response.json() == user_of(None)
    assert "set-cookie" not in response.headers


async def test_a_same_origin_post_passes(auth: Auth, session: Session) -> None:
    headers = {"Cookie": f"auth_session={session.session_id}", "Origin": "http://example.com"}
    async with client(build_app(auth)) as http:
        response = await http.post("/me", headers=headers)
    assert response.json() == user_of(session)


async def test_a_bearer_token_works(auth: Auth, session: Session) -> None:
    async with client(build_app(auth)) as http:
        response = await http.post("/me", headers={"Authorization": f"Bearer {session.session_id}"})
    assert response.json() == user_of(session)
    assert "set-cookie" not in response.headers


async def test_the_cookie_lands_on_a_redirect(
    auth: Auth, session: Session, connection: aiosqlite.Connection
) -> None:
    await make_idle(connection, session)
    async with client(build_app(auth)) as http:
        response = await http.get("/go-home", headers={"Cookie": f"auth_session={session.session_id}"})
    assert response.status_code == 307
    renewed = await auth.get_session(session.session_id)
    assert response.headers.get_list("set-cookie") == [auth.create_session_cookie(renewed).serialize()]


async def test_set_session_on_sign_in_sets_the_cookie(auth: Auth, session: Session) -> None:
    body = {"username": "ada", "password": PASSWORD}
    async with client(build_app(auth)) as http:
        response = await http.post("/sign-in", json=body, headers={"Origin": "http://example.com"})
        assert response.status_code == 303
        (set_cookie,) = response.headers.get_list("set-cookie")
        new_id = set_cookie.partition(";")[0].removeprefix("auth_session=")
        signed_in = await auth.get_session(new_id)
        assert set_cookie == auth.create_session_cookie(signed_in).serialize()
        assert signed_in.user.user_id == session.user.user_id
        follow = await http.get("/me")  # the client's cookie jar sends the new cookie back
    assert follow.json() == user_of(signed_in)


async def test_with_an_explicit_response_no_middleware_is_needed(auth: Auth, session: Session) -> None:
    headers = {"Cookie": "auth_session=nope"}
    async with client(build_app(auth, with_middleware=False)) as http:
        cleared = await http.get("/explicit", headers=headers)
        assert cleared.headers.get_list("set-cookie") == [auth.create_session_cookie(None).serialize()]
        headers = {"Cookie": f"auth_session={session.session_id}", "Origin": "http://example.com"}
        written_twice = await http.post("/explicit", headers=headers)
    assert written_twice.status_code == 303
    assert written_twice.headers.get_list("set-cookie") == [auth.create_session_cookie(session).serialize()]


async def test_without_middleware_or_response_handle_request_raises(auth: Auth) -> None:
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    with pytest.raises(RuntimeError, match="ASGICookies"):
        auth.handle_request(request)


def test_handle_request_checks_its_arguments(auth: Auth) -> None:
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    with pytest.raises(TypeError, match="starlette"):
        auth.handle_request({"method": "GET"})
    with pytest.raises(TypeError, match="Response"):
        auth.handle_request(request, "not a response")
    with pytest.raises(TypeError, match=r"\(request\) or \(request, response\)"):
        auth.handle_request(request, Response(), None)
