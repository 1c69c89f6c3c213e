"""Any ASGI application: :class:`ASGICookies` and the request context of an ASGI scope.

Wrap the application, then pass the connection's scope to ``handle_request``::

    from lucia_core.middleware import asgi
    from lucia_core.frameworks.asgi import ASGICookies

    auth = lucia(adapter=adapter, middleware=asgi())

    async def app(scope, receive, send):
        session = await auth.handle_request(scope).validate()
        ...

    app = ASGICookies(app)

Starlette, FastAPI and Litestar applications use the same :class:`ASGICookies` (see
:mod:`.starlette` and :mod:`.litestar`). This module needs no third-party package.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import quote

from ..context import RequestContext
from ..cookie import Cookie
from .headers import join_headers
from .response_cookies import ResponseCookies

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The scope key where :class:`ASGICookies` puts the connection's :class:`ResponseCookies`.
SCOPE_KEY = "lucia_core.response_cookies"

# The messages that carry a response's headers: every cookie must be on one of them.
_HEADER_MESSAGES = frozenset({"http.response.start", "websocket.accept", "websocket.http.response.start"})
_CONNECTION_TYPES = frozenset({"http", "websocket"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# RFC 3986 pchar plus "/", so that a decoded path is written back as a valid URL path.
_PATH_SAFE = "/:@!$&'()*+,;="


class ASGICookies:
    """ASGI middleware that gets the session cookie onto whatever response the application sends.

    For each HTTP and WebSocket connection it adds an empty :class:`ResponseCookies` to (a copy
    of) the scope under :data:`SCOPE_KEY`; ``handle_request`` with the ``asgi()``, ``starlette()``
    or ``litestar()`` middleware queues the cookies of the ``AuthRequest`` there, and this
    middleware appends them as ``Set-Cookie`` headers to the ``http.response.start`` (or
    ``websocket.accept``) message, so they reach the client whichever response the application
    returns: a redirect, an error page raised as an exception, a streamed body. A cookie written
    after that message raises RuntimeError. Other scopes (``lifespan``) pass through untouched, as
    does a connection that an outer ``ASGICookies`` already handles.

    ``app`` is the wrapped ASGI application (the parameter name suits both Starlette's
    ``Middleware(ASGICookies)`` and Litestar's ``middleware=[ASGICookies]``).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    # The parameters are typed Any because frameworks type them differently (Starlette: mappings,
    # Litestar: TypedDicts); so the class type-checks as a middleware of either.
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Serve one connection: ``scope``, ``receive`` and ``send`` as the ASGI specification has them."""
        if scope["type"] not in _CONNECTION_TYPES or SCOPE_KEY in scope:
            await self.app(scope, receive, send)
            return
        cookies = ResponseCookies()

        async def send_with_cookies(message: Message) -> None:
            if message["type"] in _HEADER_MESSAGES:
                queued = cookies.take()
                if queued:
                    headers = list(message.get("headers") or ())
                    headers.extend((b"set-cookie", cookie.serialize().encode("latin-1")) for cookie in queued)
                    message = {**message, "headers": headers}
            await send(message)

        # A copy, as the ASGI specification asks of middleware that adds to the scope.
        await self.app({**scope, SCOPE_KEY: cookies}, receive, send_with_cookies)


def response_cookies(scope: Mapping[str, Any]) -> ResponseCookies:
    """The :class:`ResponseCookies` that :class:`ASGICookies` put in ``scope``.

    Raises RuntimeError when the middleware does not wrap the application.
    """
    cookies = scope.get(SCOPE_KEY)
    if not isinstance(cookies, ResponseCookies):
        raise RuntimeError(
            "no ASGICookies on this application, so the session cookie cannot be set: wrap the "
            "application in lucia_core.frameworks.asgi.ASGICookies"
        )
    return cookies


def scope_request_context(scope: Mapping[str, Any], set_cookie: Callable[[Cookie], None]) -> RequestContext:
    """The :class:`RequestContext` of an HTTP or WebSocket connection's ASGI ``scope``.

    Every request header is kept (``Origin``, ``Host``, ``X-Forwarded-Host`` or the configured CSRF
    host header, ``Cookie``, ``Authorization``...), repeated ones joined by :func:`join_headers`.
    A WebSocket handshake has the method ``GET`` and ``websocket=True``, so that its origin is
    checked (see :func:`lucia_core.origin.check_request_origin`). ``set_cookie`` writes a cookie
    on the response.
    Raises TypeError for anything else than an ``http`` or ``websocket`` scope.
    """
    if not isinstance(scope, Mapping) or scope.get("type") not in _CONNECTION_TYPES:
        raise TypeError("expected the ASGI scope of an HTTP or WebSocket connection")
    headers = join_headers(
        (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
        for name, value in scope.get("headers", ())
    )
    websocket = scope["type"] == "websocket"
    return RequestContext(
        method="GET" if websocket else scope.get("method", "GET"),
        url=_url(scope, headers),
        headers=headers,
        set_cookie=set_cookie,
        websocket=websocket,
    )


def request_context(scope: Mapping[str, Any]) -> RequestContext:
    """The :class:`RequestContext` of ``scope``, its cookies queued for :class:`ASGICookies`.

    What the ``asgi()`` middleware builds for ``handle_request(scope)``. Raises TypeError for a
    scope that is not an HTTP or WebSocket connection's, RuntimeError when no
    :class:`ASGICookies` wraps the application.
    """
    if not isinstance(scope, Mapping) or scope.get("type") not in _CONNECTION_TYPES:
        raise TypeError("handle_request() with the asgi() middleware takes an HTTP or WebSocket ASGI scope")
    return scope_request_context(scope, response_cookies(scope).set)


def _url(scope: Mapping[str, Any], headers: Mapping[str, str]) -> str:
    scheme = scope.get("scheme") or ("ws" if scope["type"] == "websocket" else "http")
    host = headers.get("host")
    if host is None:
        server = scope.get("server")
        if server is None:
            host = ""
        else:
            name, port = server
            host = name if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{name}:{port}"
    url = f"{scheme}://{host}{quote(scope.get('path', '/'), safe=_PATH_SAFE)}"
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    return f"{url}?{query}" if query else url


__all__ = [
    "SCOPE_KEY",
    "ASGIApp",
    "ASGICookies",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "request_context",
    "response_cookies",
    "scope_request_context",
]
