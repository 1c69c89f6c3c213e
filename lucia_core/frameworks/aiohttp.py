"""aiohttp: the request context of a ``web.Request``, and :func:`setup` for its cookies.

``pip install "lucia-core[aiohttp]"``. Two ways to get the cookie onto the response:

1. Call :func:`setup` on the application and ``handle_request(request)``: the cookies are added
   to whatever response goes out for the request (returned, raised as ``web.HTTPFound``, or
   streamed), just before its headers are sent (the recommended way)::

       from lucia_core.middleware import aiohttp as aiohttp_middleware
       from lucia_core.frameworks import aiohttp as lucia_aiohttp

       auth = lucia(adapter=adapter, middleware=aiohttp_middleware())
       app = web.Application()
       lucia_aiohttp.setup(app)

       async def home(request: web.Request) -> web.Response:
           session = await auth.handle_request(request).validate()

2. Without :func:`setup`, pass the response the handler will return:
   ``handle_request(request, response)`` writes the cookies on that response object.
"""

from __future__ import annotations

from collections.abc import Callable, MutableSequence
from typing import Any

try:
    from aiohttp import web
except ImportError as error:  # pragma: no cover - exercised in a subprocess with aiohttp hidden
    raise ImportError(
        f'{__name__} needs aiohttp; install it with: pip install "lucia-core[aiohttp]"'
    ) from error

from ..context import RequestContext
from ..cookie import Cookie
from .headers import join_headers
from .response_cookies import ResponseCookies, response_writer

_INSTALLED = web.AppKey("lucia_core.setup", bool)
_COOKIES_NAME = "lucia_core.response_cookies"
_COOKIES_KEY: Any
try:
    from aiohttp.web import RequestKey
except ImportError:  # pragma: no cover - aiohttp < 3.14 has no typed request keys
    _COOKIES_KEY = _COOKIES_NAME
else:
    _COOKIES_KEY = RequestKey(_COOKIES_NAME, ResponseCookies)


def setup(app: web.Application) -> None:
    """Add the cookies queued by ``handle_request(request)`` to every response of ``app`` and of
    its sub-applications, just before the response's headers are sent (``on_response_prepare``).

    Call it before the application starts. A cookie written after the response's headers were sent
    raises RuntimeError.
    """
    app[_INSTALLED] = True
    app.on_response_prepare.append(_add_queued_cookies)


def request_context(request: web.BaseRequest, response: web.StreamResponse | None = None) -> RequestContext:
    """The :class:`RequestContext` of an aiohttp request.

    What the ``aiohttp()`` middleware builds for ``handle_request(request)`` and
    ``handle_request(request, response)``. Without ``response``, cookies are queued for the
    response that goes out (RuntimeError when :func:`setup` was not called on the application);
    with it, they are written on ``response`` as raw ``Set-Cookie`` headers, a later write of the
    same cookie replacing the earlier one (RuntimeError once the response is prepared). Raises
    TypeError for arguments of other types.
    """
    if not isinstance(request, web.BaseRequest):
        raise TypeError("handle_request() with the aiohttp() middleware takes an aiohttp web.Request")
    set_cookie: Callable[[Cookie], None]
    if response is None:
        set_cookie = _queued_cookies(request).set
    elif isinstance(response, web.StreamResponse):
        set_cookie = response_writer(
            lambda: response.headers.getall("Set-Cookie", []),
            Cookie.serialize,
            store=_store_headers(response),
            sent=lambda: response.prepared,
        )
    else:
        raise TypeError(
            "handle_request(request, response) takes an aiohttp web.StreamResponse as its second argument"
        )
    headers = join_headers(request.headers.items())
    try:
        url = str(request.url)
    except ValueError:  # a Host header yarl cannot parse: the CSRF check refuses it anyway
        url = request.path_qs
    return RequestContext(method=request.method, url=url, headers=headers, set_cookie=set_cookie)


def _queued_cookies(request: web.BaseRequest) -> ResponseCookies:
    installed = isinstance(request, web.Request) and request.config_dict.get(_INSTALLED, False)
    if not installed:
        raise RuntimeError(
            "lucia_core.frameworks.aiohttp.setup() was not called on this application, so the "
            "session cookie cannot be set: call it, or use handle_request(request, response)"
        )
    cookies: ResponseCookies = request.setdefault(_COOKIES_KEY, ResponseCookies())
    return cookies


async def _add_queued_cookies(request: web.Request, response: web.StreamResponse) -> None:
    # setdefault: a cookie queued after this point (the headers are gone) must raise, not vanish.
    cookies: ResponseCookies = request.setdefault(_COOKIES_KEY, ResponseCookies())
    for cookie in cookies.take():
        response.headers.add("Set-Cookie", cookie.serialize())


def _store_headers(response: web.StreamResponse) -> Callable[[MutableSequence[str]], None]:
    def store(values: MutableSequence[str]) -> None:
        response.headers.popall("Set-Cookie", None)
        response.headers.extend(("Set-Cookie", value) for value in values)

    return store


__all__ = ["request_context", "setup"]
