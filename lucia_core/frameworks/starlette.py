"""Starlette (and so FastAPI): the request context of a ``Request`` or ``WebSocket``.

``pip install "lucia-core[starlette]"``. Two ways to get the cookie onto the response:

1. Install :class:`ASGICookies` and call ``handle_request(request)``: the cookie lands on
   whatever response the endpoint returns or raises (the recommended way, and the one FastAPI
   needs, whose endpoints often return their own ``RedirectResponse``)::

       from starlette.middleware import Middleware
       from lucia_core.middleware import starlette
       from lucia_core.frameworks.asgi import ASGICookies

       auth = lucia(adapter=adapter, middleware=starlette())
       app = Starlette(routes=routes, middleware=[Middleware(ASGICookies)])

       async def home(request: Request) -> Response:
           session = await auth.handle_request(request).validate()

2. Without the middleware, pass the response the endpoint will return:
   ``handle_request(request, response)`` writes the cookies on that response object (only on
   it: a FastAPI ``Response`` parameter's headers are dropped when the endpoint returns a
   response of its own).
"""

from __future__ import annotations

try:
    from starlette.requests import HTTPConnection
    from starlette.responses import Response
except ImportError as error:  # pragma: no cover - exercised in a subprocess with starlette hidden
    raise ImportError(
        f'{__name__} needs Starlette; install it with: pip install "lucia-core[starlette]"'
    ) from error

from ..auth import Auth
from ..context import RequestContext
from ..cookie import Cookie
from ..request import AuthRequest
from .asgi import response_cookies, scope_request_context
from .response_cookies import response_writer

_AUTH_REQUESTS_KEY = "lucia_core.auth_requests"


def request_context(connection: HTTPConnection, response: Response | None = None) -> RequestContext:
    """The :class:`RequestContext` of a Starlette ``Request`` or ``WebSocket``.

    What the ``starlette()`` middleware builds for ``handle_request(request)`` and
    ``handle_request(request, response)``. Without ``response``, cookies are queued for
    :class:`ASGICookies` (RuntimeError when it is not installed); with it, they are written on
    ``response`` as raw ``Set-Cookie`` headers, a later write of the same cookie replacing the
    earlier one. Raises TypeError for arguments of other types.
    """
    if not isinstance(connection, HTTPConnection):
        raise TypeError(
            "handle_request() with the starlette() middleware takes a Starlette Request or WebSocket"
        )
    if response is None:
        return scope_request_context(connection.scope, response_cookies(connection.scope).set)
    if not isinstance(response, Response):
        raise TypeError("handle_request(request, response) takes a Starlette Response as its second argument")
    set_cookie = response_writer(lambda: response.raw_headers, _raw_header)
    return scope_request_context(connection.scope, set_cookie)


def get_auth_request(auth: Auth, connection: HTTPConnection) -> AuthRequest:
    """The one :class:`AuthRequest` of ``auth`` for this connection, created on first use.

    Kept in the connection's scope, so that dependencies, middleware and the endpoint share one
    validation (and one renewal) per request. Its cookies are queued for :class:`ASGICookies`
    (RuntimeError when it is not installed), whatever middleware ``auth`` is configured with.
    """
    cache: dict[Auth, AuthRequest] = connection.scope.setdefault(_AUTH_REQUESTS_KEY, {})
    auth_request = cache.get(auth)
    if auth_request is None:
        auth_request = AuthRequest(auth, request_context(connection))
        cache[auth] = auth_request
    return auth_request


def _raw_header(cookie: Cookie) -> tuple[bytes, bytes]:
    return b"set-cookie", cookie.serialize().encode("latin-1")


__all__ = ["get_auth_request", "request_context"]
