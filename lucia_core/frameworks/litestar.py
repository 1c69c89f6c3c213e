"""Litestar: the request context of a ``Request`` or ``WebSocket``.

``pip install "lucia-core[litestar]"``. Two ways to get the cookie onto the response:

1. Add :class:`ASGICookies` (the ASGI one) to the application and call
   ``handle_request(request)``: the cookie lands on whatever response the handler returns or
   raises (the recommended way)::

       from lucia_core.middleware import litestar
       from lucia_core.frameworks.asgi import ASGICookies

       auth = lucia(adapter=adapter, middleware=litestar())
       app = Litestar(route_handlers=[...], middleware=[ASGICookies])

       @get("/")
       async def home(request: Request) -> dict[str, str | None]:
           session = await auth.handle_request(request).validate()

2. Without the middleware, pass the response the handler will return:
   ``handle_request(request, response)`` writes the cookies on that ``litestar.Response``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:
    from litestar import Response
    from litestar.connection import ASGIConnection
    from litestar.datastructures import Cookie as LitestarCookie
except ImportError as error:  # pragma: no cover - exercised in a subprocess with litestar hidden
    raise ImportError(
        f'{__name__} needs Litestar; install it with: pip install "lucia-core[litestar]"'
    ) from error

from ..context import RequestContext
from ..cookie import Cookie
from ..masking import mask
from .asgi import response_cookies, scope_request_context
from .response_cookies import response_writer


class SerializedCookie(LitestarCookie):
    """A cookie for ``Response.cookies`` whose ``Set-Cookie`` value is exactly ``header``.

    ``key``, ``value``, ``path`` and ``domain`` are set as usual (Litestar compares cookies by
    key, path and domain, so it replaces an earlier one of the same identity).
    """

    def __init__(self, cookie: Cookie) -> None:
        super().__init__(
            key=cookie.name,
            value=cookie.value,
            path=cookie.attributes.get("path", "/"),
            domain=cookie.attributes.get("domain"),
        )
        self.header = cookie.serialize()

    def to_header(self, **kwargs: Any) -> str:
        """``Set-Cookie: <value>`` (``header=`` replaces the ``Set-Cookie:`` prefix)."""
        prefix: str = kwargs.get("header", "Set-Cookie:")
        return f"{prefix} {self.header}".strip()

    def to_encoded_header(self) -> tuple[bytes, bytes]:
        """The ASGI header pair."""
        return b"set-cookie", self.header.encode("latin-1")

    def __repr__(self) -> str:
        return f"SerializedCookie(key={self.key!r}, value={mask(self.value or '')!r}, path={self.path!r})"


def request_context(
    connection: ASGIConnection[Any, Any, Any, Any], response: Response[Any] | None = None
) -> RequestContext:
    """The :class:`RequestContext` of a Litestar ``Request`` or ``WebSocket``.

    What the ``litestar()`` middleware builds for ``handle_request(request)`` and
    ``handle_request(request, response)``. Without ``response``, cookies are queued for
    :class:`ASGICookies` (RuntimeError when it is not installed); with it, they are added to
    ``response.cookies``, a later write of the same cookie replacing the earlier one. Raises
    TypeError for arguments of other types.
    """
    if not isinstance(connection, ASGIConnection):
        raise TypeError(
            "handle_request() with the litestar() middleware takes a Litestar Request or WebSocket"
        )
    set_cookie: Callable[[Cookie], None]
    if response is None:
        set_cookie = response_cookies(connection.scope).set
    elif isinstance(response, Response):
        set_cookie = response_writer(lambda: response.cookies, SerializedCookie)

    else:
        raise TypeError("handle_request(request, response) takes a litestar.Response as its second argument")
    return scope_request_context(connection.scope, set_cookie)


__all__ = ["SerializedCookie", "request_context"]
