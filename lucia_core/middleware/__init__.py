"""Middleware: turns a framework's request (and response) into a :class:`RequestContext`.

A middleware is a callable taking a :class:`MiddlewareRequest` (the arguments given to
``Auth.handle_request`` plus the configuration it may need) and returning a ``RequestContext``.

:func:`lucia` (the default) takes a plain request context. :func:`asgi`, :func:`starlette`
(FastAPI included), :func:`aiohttp`, :func:`django` and :func:`litestar` take a framework's own
request; each is implemented in :mod:`lucia_core.middleware.frameworks`, which also holds what
carries cookies to the framework's responses (``LuciaMiddleware``, FastAPI dependencies...).
Importing this package imports no framework: a factory imports its framework when called, and
raises ImportError naming the extra to install when it is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..request import RequestContext


@dataclass(frozen=True, slots=True)
class MiddlewareRequest:
    """What a middleware receives: ``args`` as given to ``handle_request``, the ``env`` and the
    session cookie's name."""

    args: tuple[Any, ...]
    env: str
    session_cookie_name: str


Middleware = Callable[[MiddlewareRequest], RequestContext]

_CONTEXT_KEYS = {"method", "url", "headers", "set_cookie", "session_cookie"}


def lucia() -> Middleware:
    """The default middleware: ``handle_request`` takes one plain request context.

    Either a :class:`RequestContext` or a dict with its fields (``method``, ``url``, ``headers``,
    optional ``set_cookie`` and ``session_cookie``).
    """

    def middleware(request: MiddlewareRequest) -> RequestContext:
        if len(request.args) != 1:
            raise TypeError("handle_request() with the default middleware takes one request context")
        (context,) = request.args
        if isinstance(context, RequestContext):
            return context
        if isinstance(context, Mapping):
            unknown = set(context) - _CONTEXT_KEYS
            if unknown:
                raise ValueError(f"unknown request context keys: {', '.join(sorted(map(str, unknown)))}")
            return RequestContext(**context)
        raise TypeError("handle_request() expects a RequestContext or a dict of its fields")

    return middleware


def _positional(name: str, usage: str, build: Callable[..., RequestContext], most: int) -> Middleware:
    def middleware(request: MiddlewareRequest) -> RequestContext:
        if not 1 <= len(request.args) <= most:
            raise TypeError(f"handle_request() with the {name}() middleware takes {usage}")
        return build(*request.args)

    return middleware


def asgi() -> Middleware:
    """``handle_request(scope)`` with the ASGI scope of an HTTP or WebSocket connection.

    The application must be wrapped in :class:`lucia_core.middleware.frameworks.asgi.LuciaMiddleware`,
    which carries the cookies to the response (RuntimeError otherwise). Needs no third-party package.
    """
    from .frameworks.asgi import request_context

    return _positional("asgi", "the ASGI scope", request_context, 1)


def starlette() -> Middleware:
    """``handle_request(request)`` or ``handle_request(request, response)`` with a Starlette (or
    FastAPI) ``Request`` or ``WebSocket``.

    With the request alone, cookies go on whatever response is sent, through
    :class:`lucia_core.middleware.frameworks.asgi.LuciaMiddleware` (RuntimeError when it is not
    installed); with a ``starlette.responses.Response``, on that response. See
    :mod:`lucia_core.middleware.frameworks.starlette`, and :mod:`~lucia_core.middleware.frameworks.fastapi`
    for FastAPI dependencies. ImportError without ``lucia-core[starlette]``.
    """
    from .frameworks.starlette import request_context

    return _positional("starlette", "(request) or (request, response)", request_context, 2)


def aiohttp() -> Middleware:
    """``handle_request(request)`` or ``handle_request(request, response)`` with an aiohttp
    ``web.Request``.

    With the request alone, cookies go on whatever response is sent, once
    :func:`lucia_core.middleware.frameworks.aiohttp.setup` was called on the application
    (RuntimeError otherwise); with a ``web.StreamResponse``, on that response. ImportError without
    ``lucia-core[aiohttp]``.
    """
    from .frameworks.aiohttp import request_context

    return _positional("aiohttp", "(request) or (request, response)", request_context, 2)


def django() -> Middleware:
    """``handle_request(request)`` or ``handle_request(request, response)`` with a Django
    ``HttpRequest`` (in async views).

    With the request alone, cookies go on the response the view returns, through
    :class:`lucia_core.middleware.frameworks.django.LuciaMiddleware` in ``settings.MIDDLEWARE``
    (RuntimeError when it is not installed); with an ``HttpResponse``, on that response.
    ImportError without ``lucia-core[django]``.
    """
    from .frameworks.django import request_context

    return _positional("django", "(request) or (request, response)", request_context, 2)


def litestar() -> Middleware:
    """``handle_request(request)`` or ``handle_request(request, response)`` with a Litestar
    ``Request`` or ``WebSocket``.

    With the request alone, cookies go on whatever response is sent, through
    :class:`lucia_core.middleware.frameworks.asgi.LuciaMiddleware` in the application's
    ``middleware`` (RuntimeError when it is not installed); with a ``litestar.Response``, on that
    response. ImportError without ``lucia-core[litestar]``.
    """
    from .frameworks.litestar import request_context

    return _positional("litestar", "(request) or (request, response)", request_context, 2)


__all__ = [
    "Middleware",
    "MiddlewareRequest",
    "RequestContext",
    "aiohttp",
    "asgi",
    "django",
    "litestar",
    "lucia",
    "starlette",
]
