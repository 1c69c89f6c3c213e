"""The FastAPI dependencies and ASGICookies on a real FastAPI application over a real SQLite database."""

# No "from __future__ import annotations": FastAPI reads the endpoints' Annotated[...] at runtime,
# and they name dependencies local to build_app().

from collections.abc import Callable
from typing import Annotated

import aiosqlite
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

import httpx
from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from lucia_core import Auth, AuthRequest, LuciaError, Session
from lucia_core.expiration import now_ms
from lucia_core.frameworks.asgi import ASGICookies
from lucia_core.frameworks.fastapi import (
    auth_request_dependency,
    require_session,
    session_dependency,
)
from lucia_core.middleware import starlette

from .conftest import RecordingAdapter

HOUR = 3_600_000
PASSWORD = "correct horse battery staple"


class Credentials(BaseModel):
    username: str
    password: str


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


def build_app(auth: Auth) -> FastAPI:
    app = FastAPI()
    app.add_middleware(ASGICookies)
    current_session = session_dependency(auth)
    signed_in = require_session(auth)
    cookie_only = require_session(auth, bearer=False)
    get_auth_request = auth_request_dependency(auth)

    @app.api_route("/me", methods=["GET", "POST"])
    async def me(session: Annotated[Session | None, Depends(current_session)]) -> dict[str, str | None]:
        return user_of(session)

    @app.api_route("/protected", methods=["GET", "POST"])
    async def protected(session: Annotated[Session, Depends(signed_in)]) -> dict[str, str | None]:
        return user_of(session)

    @app.get("/cookie-only")
    async def cookie_only_route(session: Annotated[Session, Depends(cookie_only)]) -> dict[str, str | None]:
        return user_of(session)

    @app.get("/go-home")
    async def go_home(session: Annotated[Session | None, Depends(current_session)]) -> Response:
        return RedirectResponse("/me")

    @app.get("/shared")
    async def shared(
        session: Annotated[Session, Depends(signed_in)],
        auth_request: Annotated[AuthRequest, Depends(get_auth_request)],
    ) -> dict[str, bool]:
        return {"same": await auth_request.validate() is session}

    @app.post("/sign-in")
    async def sign_in(
        credentials: Credentials, auth_request: Annotated[AuthRequest, Depends(get_auth_request)]
    ) -> Response:
        try:
            key = await auth.use_key("username", credentials.username, credentials.password)
        except LuciaError:
            return Response(status_code=400)
        new_session = await auth.create_session(user_id=key.user_id, attributes={})
        auth_request.set_session(new_session)
        return RedirectResponse("/me", status_code=303)

    @app.post("/sign-out")
    async def sign_out(
        session: Annotated[Session, Depends(signed_in)],
        auth_request: Annotated[AuthRequest, Depends(get_auth_request)],
    ) -> Response:
        await auth.invalidate_session(session.session_id)
        auth_request.set_session(None)
        return RedirectResponse("/", status_code=303)

    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://example.com")


async def test_a_renewed_session_sets_a_new_cookie(
    auth: Auth, session: Session, connection: aiosqlite.Connection
) -> None:
    await make_idle(connection, session)
    async with client(build_app(auth)) as http:
        response = await http.get("/protected", headers={"Cookie": f"auth_session={session.session_id}"})
    renewed = await auth.get_session(session.session_id)
    assert response.json() == user_of(session)
    assert response.headers.get_list("set-cookie") == [auth.create_session_cookie(renewed).serialize()]


async def test_an_invalid_cookie_is_cleared_even_on_the_401(auth: Auth) -> None:
    async with client(build_app(auth)) as http:
        optional = await http.get("/me", headers={"Cookie": "auth_session=nope"})
        required = await http.get("/protected", headers={"Cookie": "auth_session=nope"})
    cleared = auth.create_session_cookie(None).serialize()
    assert optional.json() == user_of(None)
    assert optional.headers.get_list("set-cookie") == [cleared]
    assert required.status_code == 401
    assert required.headers["www-authenticate"] == "Bearer"
    assert required.headers.get_list("set-cookie") == [cleared]


async def test_a_cross_origin_post_is_refused_and_the_cookie_kept(auth: Auth, session: Session) -> None:
    headers = {"Cookie": f"auth_session={session.session_id}", "Origin": "http://evil.com"}
    async with client(build_app(auth)) as http:
        response = await http.post("/protected", headers=headers)
    assert response.status_code == 401
    assert "set-cookie" not in response.headers


async def test_a_same_origin_post_passes(auth: Auth, session: Session) -> None:
    headers = {"Cookie": f"auth_session={session.session_id}", "Origin": "http://example.com"}
    async with client(build_app(auth)) as http:
        response = await http.post("/protected", headers=headers)
    assert response.json() == user_of(session)


async def test_a_bearer_token_works(auth: Auth, session: Session) -> None:
    headers = {"Authorization": f"Bearer {session.session_id}", "Origin": "http://evil.com"}
    async with client(build_app(auth)) as http:
        response = await http.post("/protected", headers=headers)
    assert response.json() == user_of(session)
    assert "set-cookie" not in response.headers


async def test_bearer_false_accepts_only_the_cookie(auth: Auth, session: Session) -> None:
    async with client(build_app(auth)) as http:
        response = await http.get("/cookie-only", headers={"Authorization": f"Bearer {session.session_id}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Cookie"


async def test_the_cookie_lands_on_a_redirect(
    auth: Auth, session: Session, connection: aiosqlite.Connection
) -> None:
    await make_idle(connection, session)
    async with client(build_app(auth)) as http:
        response = await http.get("/go-home", headers={"Cookie": f"auth_session={session.session_id}"})
    assert response.status_code == 307
    renewed = await auth.get_session(session.session_id)
    assert response.headers.get_list("set-cookie") == [auth.create_session_cookie(renewed).serialize()]


async def test_set_session_on_sign_in_sets_the_cookie_and_sign_out_clears_it(
    auth: Auth, session: Session
) -> None:
    body = {"username": "ada", "password": PASSWORD}
    origin = {"Origin": "http://example.com"}
    async with client(build_app(auth)) as http:
        response = await http.post("/sign-in", json=body, headers=origin)
        assert response.status_code == 303
        (set_cookie,) = response.headers.get_list("set-cookie")
        signed_in = await auth.get_session(set_cookie.partition(";")[0].removeprefix("auth_session="))
        assert set_cookie == auth.create_session_cookie(signed_in).serialize()
        assert (await http.get("/me")).json() == user_of(signed_in)  # the cookie jar sends it back
        signed_out = await http.post("/sign-out", headers=origin)
        assert signed_out.headers.get_list("set-cookie") == [auth.create_session_cookie(None).serialize()]
        assert (await http.get("/me")).json() == user_of(None)


async def test_dependencies_share_one_validation(
    auth: Auth, session: Session, adapter: RecordingAdapter
) -> None:
    adapter.calls.clear()
    async with client(build_app(auth)) as http:
        response = await http.get("/shared", headers={"Cookie": f"auth_session={session.session_id}"})
    assert response.json() == {"same": True}
    assert adapter.calls == ["get_session_and_user"]
