"""The litestar() middleware and ASGICookies on a real Litestar application over a real SQLite
database.

The client is httpx's ASGI transport rather than Litestar 2's AsyncTestClient, which runs the
application in another thread and event loop (litestar-org/litestar#1920, fixed in Litestar 3),
where the test's SQLite connection cannot be used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import aiosqlite
import pytest

pytest.importorskip("litestar")
pytest.importorskip("httpx")

import httpx
from litestar import Litestar, Request, Response, get, post, route
from litestar.exceptions import NotAuthorizedException
from litestar.response import Redirect
from litestar.types import HTTPScope

from lucia_core import Auth, LuciaError, Session
from lucia_core.expiration import now_ms
from lucia_core.frameworks.asgi import ASGICookies
from lucia_core.frameworks.litestar import SerializedCookie
from lucia_core.middleware import litestar

HOUR = 3_600_000
PASSWORD = "correct horse battery staple"
ORIGIN = "http://testserver.local"


@pytest.fixture
def auth(make_auth: Callable[..., Auth]) -> Auth:
    return make_auth(middleware=litestar())


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


def build_app(auth: Auth) -> Litestar:
    @route("/me", http_method=["GET", "POST"], status_code=200)
    async def me(request: Request[Any, Any, Any]) -> dict[str, str | None]:
        auth_request = auth.handle_request(request)
        session = await auth_request.validate() or await auth_request.validate_bearer_token()
        return user_of(session)

    @get("/protected")
    async def protected(request: Request[Any, Any, Any]) -> dict[str, str | None]:
        session = await auth.handle_request(request).validate()
        if session is None:
            raise NotAuthorizedException  # the cookie goes on the 401 response Litestar builds
        return user_of(session)

    @get("/go-home")
    async def go_home(request: Request[Any, Any, Any]) -> Redirect:
        await auth.handle_request(request).validate()
        return Redirect("/me")

    @post("/sign-in")
    async def sign_in(request: Request[Any, Any, Any]) -> Response[Any]:
        data = await request.json()
        try:
            key = await auth.use_key("username", data["username"], data["password"])
        except LuciaError:
            return Response({"error": "invalid credentials"}, status_code=400)
        new_session = await auth.create_session(user_id=key.user_id, attributes={})
        auth.handle_request(request).set_session(new_session)
        return Redirect("/me", status_code=303)

    @post("/explicit")
    async def explicit(request: Request[Any, Any, Any]) -> Redirect:
        # handle_request(request, response): the response exists first, and the cookie is written on it.
        response = Redirect("/me", status_code=303)
        auth_request = auth.handle_request(request, response)
        session = await auth_request.validate()
        auth_request.set_session(None)
        auth_request.set_session(session)  # replaces the cookie written just before
        return response

    handlers = [me, protected, go_home, sign_in, explicit]
    return Litestar(route_handlers=handlers, middleware=[ASGICookies])


def client(auth: Auth) -> httpx.AsyncClient:
    app: Any = build_app(auth)  # Litestar types its ASGI interface with TypedDicts, httpx with dicts
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)


async def test_a_renewed_session_sets_a_new_cookie(
    auth: Auth, session: Session, connection: aiosqlite.Connection
) -> None:
    await make_idle(connection, session)
    async with client(auth) as http:
        response = await http.get("/me", headers={"Cookie": f"auth_session={session.session_id}"})
    renewed = await auth.get_session(session.session_id)
    assert response.json() == user_of(session)
    assert response.headers.get_list("set-cookie") == [auth.create_session_cookie(renewed).serialize()]


async def test_an_invalid_cookie_is_cleared_even_on_a_401(auth: Auth) -> None:
    async with client(auth) as http:
        optional = await http.get("/me", headers={"Cookie": "auth_session=nope"})
        required = await http.get("/protected", headers={"Cookie": "auth_session=nope"})
    cleared = auth.create_session_cookie(None).serialize()
    assert optional.headers.get_list("set-cookie") == [cleared]
    assert required.status_code == 401
    assert required.headers.get_list("set-cookie") == [cleared]


async def test_a_cross_origin_post_is_refused_and_the_cookie_kept(auth: Auth, session: Session) -> None:
    headers = {"Cookie": f"auth_session={session.session_id}", "Origin": "http://evil.com"}
    async with client(auth) as http:
        response = await http.post("/me", headers=headers)
    assert response.json() == user_of(None)
    assert "set-cookie" not in response.headers


async def test_a_same_origin_post_passes(auth: Auth, session: Session) -> None:
    headers = {"Cookie": f"auth_session={session.session_id}", "Origin": ORIGIN}
    async with client(auth) as http:
        response = await http.post("/me", headers=headers)
    assert response.json() == user_of(session)


async def test_a_bearer_token_works(auth: Auth, session: Session) -> None:
    async with client(auth) as http:
        response = await http.post("/me", headers={"Authorization": f"Bearer {session.session_id}"})
    assert response.json() == user_of(session)
    assert "set-cookie" not in response.headers


async def test_the_cookie_lands_on_a_redirect(
    auth: Auth, session: Session, connection: aiosqlite.Connection
) -> None:
    await make_idle(connection, session)
    headers = {"Cookie": f"auth_session={session.session_id}"}
    async with client(auth) as http:
        response = await http.get("/go-home", headers=headers, follow_redirects=False)
    assert response.status_code == 302
    renewed = await auth.get_session(session.session_id)
    assert response.headers.get_list("set-cookie") == [auth.create_session_cookie(renewed).serialize()]


async def test_set_session_on_sign_in_sets_the_cookie(auth: Auth, session: Session) -> None:
    body = {"username": "ada", "password": PASSWORD}
    async with client(auth) as http:
        response = await http.post("/sign-in", json=body, headers={"Origin": ORIGIN}, follow_redirects=False)
        assert response.status_code == 303
        (set_cookie,) = response.headers.get_list("set-cookie")
        signed_in = await auth.get_session(set_cookie.partition(";")[0].removeprefix("auth_session="))
        assert set_cookie == auth.create_session_cookie(signed_in).serialize()
        assert signed_in.user.user_id == session.user.user_id
        assert (await http.get("/me")).json() == user_of(signed_in)  # the cookie jar sends it back


async def test_with_an_explicit_response_the_cookie_is_written_on_it(auth: Auth, session: Session) -> None:
    headers = {"Cookie": f"auth_session={session.session_id}", "Origin": ORIGIN}
    async with client(auth) as http:
        response = await http.post("/explicit", headers=headers, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers.get_list("set-cookie") == [auth.create_session_cookie(session).serialize()]


def test_without_middleware_or_response_handle_request_raises(auth: Auth) -> None:
    request: Request[Any, Any, Any] = Request(
        cast(HTTPScope, {"type": "http", "method": "GET", "headers": []})
    )
    with pytest.raises(RuntimeError, match="ASGICookies"):
        auth.handle_request(request)
    with pytest.raises(TypeError, match="litestar"):
        auth.handle_request({"method": "GET"})
    with pytest.raises(TypeError, match=r"litestar\.Response"):
        auth.handle_request(request, "not a response")


def test_a_serialized_cookie_writes_the_exact_header(auth: Auth) -> None:
    cookie = auth.create_session_cookie(None)
    serialized = SerializedCookie(cookie)
    assert serialized.to_encoded_header() == (b"set-cookie", cookie.serialize().encode())
    assert serialized.to_header() == f"Set-Cookie: {cookie.serialize()}"
    assert serialized.to_header(header="") == cookie.serialize()


async def test_a_serialized_cookie_prints_its_value_masked(auth: Auth, session: Session) -> None:
    cookie = SerializedCookie(auth.create_session_cookie(session))
    assert session.session_id not in repr(cookie)
    assert session.session_id not in str([cookie])
