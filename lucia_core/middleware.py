"""Middleware: what turns a framework's request into a :class:`RequestContext` for ``Auth``.

Pass one to ``lucia(..., middleware=...)``; ``Auth.handle_request(*args)`` calls it with its
arguments. :func:`lucia` (the default) takes a plain request context; :func:`asgi`,
:func:`starlette` (FastAPI included), :func:`aiohttp`, :func:`django` and :func:`litestar` take
a framework's own request. Each is implemented in :mod:`lucia_core.frameworks`, which also holds
what carries the cookies to the framework's responses. Importing this module imports no
framework: a factory imports its framework when called, and raises ImportError naming the extra
to install when it is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .context import Middleware, RequestContext, plain_request_context


def lucia() -> Middleware:
    """The default middleware: ``handle_request`` takes one plain request context.

    Either a :class:`RequestContext` or a dict with its fields (``method``, ``url``, ``headers``,
    optional ``set_cookie`` and ``websocket``).
    """
    return plain_request_context


def _taking(name: str, usage: str, build: Callable[..., RequestContext], most: int) -> Middleware:
    def middleware(*args: Any) -> RequestContext:
        if not 1 <= len(args) <= most:
            raise TypeError(f"handle_request() with the {name}() middleware takes {usage}")
        return build(*args)

    return middleware


def asgi() -> Middleware:
    """``handle_request(scope)`` with the ASGI scope of an HTTP or WebSocket connection.

    The application must be wrapped in :class:`lucia_core.frameworks.asgi.ASGICookies`, which
    carries the cookies to the response (RuntimeError otherwise). Needs no third-party package.
    """
    from .frameworks.asgi import request_context

    return _taking("asgi", "the ASGI scope", request_context, 1)


def starlette() -> Middleware:
    """``handle_request(request)`` or ``handle_request(request, response)`` with a Starlette (or
    FastAPI) ``Request`` or ``WebSocket``.

    With the request alone, cookies go on whatever response is sent, through
    :class:`lucia_core.frameworks.asgi.ASGICookies` (RuntimeError when it is not installed); with
    a ``starlette.responses.Response``, on that response. See :mod:`lucia_core.frameworks.fastapi`
    for FastAPI dependencies. ImportError without ``lucia-core[starlette]``.
    """
    from .frameworks.starlette import request_context

    return _taking("starlette", "(request) or (request, response)", request_context, 2)


def aiohttp() -> Middleware:
    """``handle_request(request)`` or ``handle_request(request, response)`` with an aiohttp
    ``web.Request``.

    With the request alone, cookies go on whatever response is sent, once
    :func:`lucia_core.frameworks.aiohttp.setup` was called on the application (RuntimeError
    otherwise); with a ``web.StreamResponse``, on that response. ImportError without
    ``lucia-core[aiohttp]``.
    """
    from .frameworks.aiohttp import request_context

    return _taking("aiohttp", "(request) or (request, response)", request_context, 2)


def django() -> Middleware:
    """``handle_request(request)`` or ``handle_request(request, response)`` with a Django
    ``HttpRequest`` (in async views).

    With the request alone, cookies go on the response the view returns, through
    :class:`lucia_core.frameworks.django.DjangoCookies` in ``settings.MIDDLEWARE`` (RuntimeError
    when it is not installed); with an ``HttpResponse``, on that response. ImportError without
    ``lucia-core[django]``.
    """
    from .frameworks.django import request_context

    return _taking("django", "(request) or (request, response)", request_context, 2)


def litestar() -> Middleware:
    """``handle_request(request)`` or ``handle_request(request, response)`` with a Litestar
    ``Request`` or ``WebSocket``.

    With the request alone, cookies go on whatever response is sent, through
    :class:`lucia_core.frameworks.asgi.ASGICookies` in the application's ``middleware``
    (RuntimeError when it is not installed); with a ``litestar.Response``, on that response.
    ImportError without ``lucia-core[litestar]``.
    """
    from .frameworks.litestar import request_context

    return _taking("litestar", "(request) or (request, response)", request_context, 2)


__all__ = ["Middleware", "RequestContext", "aiohttp", "asgi", "django", "litestar", "lucia", "starlette"]
