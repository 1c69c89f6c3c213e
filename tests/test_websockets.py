"""WebSocket handshakes are Origin-checked in every middleware (no cross-site WebSocket hijacking):
a browser sends a cross-site handshake with the victim's cookies, so a foreign or missing Origin
must leave the connection unauthenticated. Each framework is driven by its own WebSocket client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("litestar")
pytest.importorskip("aiohttp")

from aiohttp import web
from aiohttp.test_utils import TestClient as AiohttpClient
from aiohttp.test_utils import TestServer
from fastapi import Depends, FastAPI, WebSocket
from litestar import Litestar, websocket
from litestar import WebSocket as LitestarWebSocket
from litestar.testing import TestClient as LitestarClient
from starlette.applications import Starlette
from starlette.routing import Mount, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket as StarletteWebSocket

from lucia_core import Auth, Session
from lucia_core.frameworks import aiohttp as lucia_aiohttp
from lucia_core.frameworks.asgi import ASGICookies, Receive, Scope, Send
from lucia_core.frameworks.fastapi import session_dependency
from lucia_core.middleware import aiohttp, asgi, litestar, starlette

SAME_ORIGIN = "http://testserver"
#: The Origin headers a handshake is refused for: another site, a sibling subdomain, none at all.
FOREIGN = ["https://evil.example", "http://evil.testserver", None]


async def signed_in(auth: Auth) -> Session:
    user = await auth.create_user(key=None, attributes={"username": "ada"})
    return await auth.create_session(user_id=user.user_id, attributes={})


def handshake_headers(session: Session, origin: str | None) -> dict[str, str]:
    headers = {"cookie": f"auth_session={session.session_id}"}
    if origin is not None:
        headers["origin"] = origin
    return headers


def asgi_app(auth: Auth) -> ASGICookies:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        session = await auth.handle_request(scope).validate()
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": session.user.user_id if session else ""})
        await send({"type": "websocket.close"})

    return ASGICookies(app)


def starlette_app(auth: Auth) -> ASGICookies:
    async def endpoint(ws: StarletteWebSocket) -> None:
        session = await auth.handle_request(ws).validate()
        await ws.accept()
        await ws.send_text(session.user.user_id if session else "")
        await ws.close()

    return ASGICookies(Starlette(routes=[WebSocketRoute("/ws", endpoint)]))


def fastapi_app(auth: Auth) -> FastAPI:
    app = FastAPI()
    app.add_middleware(ASGICookies)
    current_session = session_dependency(auth, bearer=False)

    @app.websocket("/ws")
    async def endpoint(ws: WebSocket, session: Session | None = Depends(current_session)) -> None:  # noqa: B008
        await ws.accept()
        await ws.send_text(session.user.user_id if session else "")
        await ws.close()

    return app


def litestar_app(auth: Auth) -> Litestar:
    @websocket("/ws")
    async def endpoint(socket: LitestarWebSocket[Any, Any, Any]) -> None:
        session = await auth.handle_request(socket).validate()
        await socket.accept()
        await socket.send_text(session.user.user_id if session else "")
        await socket.close()

    return Litestar(route_handlers=[endpoint], middleware=[ASGICookies])


ASGI_APPS: dict[str, tuple[Callable[[], Any], Callable[[Auth], Any]]] = {
    "asgi": (asgi, asgi_app),
    "starlette": (starlette, starlette_app),
    "fastapi": (starlette, fastapi_app),
}


def received(app: Any, headers: dict[str, str], client: type[Any] = TestClient) -> str:
    with client(app).websocket_connect("/ws", headers=headers) as ws:  # no lifespan: not entered
        text: str = ws.receive_text()
    return text


@pytest.mark.parametrize("framework", [*ASGI_APPS, "litestar"])
async def test_a_same_origin_handshake_is_authenticated(
    make_auth: Callable[..., Auth], framework: str
) -> None:
    middleware, build = ASGI_APPS.get(framework, (litestar, litestar_app))
    auth = make_auth(middleware=middleware())
    session = await signed_in(auth)
    client, origin = (
        (LitestarClient, "http://testserver.local") if framework == "litestar" else (TestClient, SAME_ORIGIN)
    )
    assert received(build(auth), handshake_headers(session, origin), client) == session.user.user_id


@pytest.mark.parametrize("origin", FOREIGN)
@pytest.mark.parametrize("framework", [*ASGI_APPS, "litestar"])
async def test_a_cross_site_handshake_is_not_authenticated(
    make_auth: Callable[..., Auth], framework: str, origin: str | None
) -> None:
    middleware, build = ASGI_APPS.get(framework, (litestar, litestar_app))
    auth = make_auth(middleware=middleware())
    session = await signed_in(auth)
    client = LitestarClient if framework == "litestar" else TestClient
    assert received(build(auth), handshake_headers(session, origin), client) == ""


async def aiohttp_received(auth: Auth, headers: dict[str, str]) -> str:
    async def endpoint(request: web.Request) -> web.WebSocketResponse:
        session = await auth.handle_request(request).validate()
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(session.user.user_id if session else "")
        await ws.close()
        return ws

    app = web.Application()
    lucia_aiohttp.setup(app)
    app.router.add_get("/ws", endpoint)
    async with AiohttpClient(TestServer(app)) as client:
        # aiohttp's client sends the server's own host; the same-origin Origin is that host's.
        headers = {
            name: value.replace(SAME_ORIGIN, f"http://{client.host}:{client.port}")
            for name, value in headers.items()
        }
        async with client.ws_connect("/ws", headers=headers, origin=headers.get("origin")) as ws:
            return str(await ws.receive_str())


async def test_an_aiohttp_same_origin_handshake_is_authenticated(make_auth: Callable[..., Auth]) -> None:
    auth = make_auth(middleware=aiohttp())
    session = await signed_in(auth)
    assert await aiohttp_received(auth, handshake_headers(session, SAME_ORIGIN)) == session.user.user_id


@pytest.mark.parametrize("origin", FOREIGN)
async def test_an_aiohttp_cross_site_handshake_is_not_authenticated(
    make_auth: Callable[..., Auth], origin: str | None
) -> None:
    auth = make_auth(middleware=aiohttp())
    session = await signed_in(auth)
    assert await aiohttp_received(auth, handshake_headers(session, origin)) == ""


# Mounted applications: the handshake reaches the endpoint through a sub-application or a router,
# with the scope (or request) that one builds; the check and the cookie plumbing must still hold.


def mounted_starlette_app(auth: Auth) -> ASGICookies:
    async def endpoint(ws: StarletteWebSocket) -> None:
        session = await auth.handle_request(ws).validate()
        await ws.accept()
        await ws.send_text(session.user.user_id if session else "")
        await ws.close()

    inner = Starlette(routes=[WebSocketRoute("/ws", endpoint)])
    return ASGICookies(Starlette(routes=[Mount("/sub", app=inner)]))


@pytest.mark.parametrize("origin", [SAME_ORIGIN, *FOREIGN, "null"])
async def test_a_handshake_to_a_mounted_starlette_app_is_origin_checked(
    make_auth: Callable[..., Auth], origin: str | None
) -> None:
    auth = make_auth(middleware=starlette())
    session = await signed_in(auth)
    with TestClient(mounted_starlette_app(auth)).websocket_connect(
        "/sub/ws", headers=handshake_headers(session, origin)
    ) as ws:
        expected = session.user.user_id if origin == SAME_ORIGIN else ""
        assert ws.receive_text() == expected


@pytest.mark.parametrize("origin", [SAME_ORIGIN, *FOREIGN, "null"])
async def test_a_handshake_to_an_aiohttp_sub_application_is_origin_checked(
    make_auth: Callable[..., Auth], origin: str | None
) -> None:
    auth = make_auth(middleware=aiohttp())
    session = await signed_in(auth)

    async def endpoint(request: web.Request) -> web.WebSocketResponse:
        validated = await auth.handle_request(request).validate()  # cookies queued via the parent's setup()
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(validated.user.user_id if validated else "")
        await ws.close()
        return ws

    sub = web.Application()
    sub.router.add_get("/ws", endpoint)
    app = web.Application()
    lucia_aiohttp.setup(app)
    app.add_subapp("/sub", sub)
    async with AiohttpClient(TestServer(app)) as client:
        sent = origin.replace(SAME_ORIGIN, f"http://{client.host}:{client.port}") if origin else None
        headers = {"cookie": f"auth_session={session.session_id}"}
        async with client.ws_connect("/sub/ws", headers=headers, origin=sent) as ws:
            expected = session.user.user_id if origin == SAME_ORIGIN else ""
            assert await ws.receive_str() == expected
