"""Django: the request context of an ``HttpRequest``, and :class:`DjangoCookies` for its cookies.

``pip install "lucia-core[django]"``. Validation is async, so this is for async views (under
ASGI or WSGI alike); :class:`DjangoCookies` itself serves sync and async stacks. Two ways to
get the cookie onto the response:

1. Add :class:`DjangoCookies` to ``settings.MIDDLEWARE`` and call ``handle_request(request)``:
   the cookies are set on whatever response the view returns (or Django builds from an exception
   it raised; the recommended way)::

       MIDDLEWARE = [..., "lucia_core.frameworks.django.DjangoCookies"]

       auth = lucia(adapter=adapter, middleware=lucia_core.middleware.django())

       async def home(request: HttpRequest) -> HttpResponse:
           session = await auth.handle_request(request).validate()

2. Without the middleware, pass the response the view will return:
   ``handle_request(request, response)`` writes the cookies on that response object.

Cookies go into ``response.cookies`` as morsels that print the exact ``Set-Cookie`` value of
:meth:`lucia_core.Cookie.serialize`, so Django's handlers send it unchanged and its test client
sees the cookie as usual.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableSequence
from http.cookies import Morsel
from typing import Any

try:
    from asgiref.sync import iscoroutinefunction, markcoroutinefunction
    from django.http import HttpRequest, HttpResponseBase  # type: ignore[import-untyped,unused-ignore]
except ImportError as error:  # pragma: no cover - exercised in a subprocess with django hidden
    raise ImportError(
        f'{__name__} needs Django; install it with: pip install "lucia-core[django]"'
    ) from error

from ..context import RequestContext
from ..cookie import Cookie
from ..masking import mask
from .headers import join_headers
from .response_cookies import ResponseCookies, response_writer

# The attribute of the request where DjangoCookies keeps the response's cookies.
_COOKIES_ATTRIBUTE = "_lucia_core_response_cookies"
_DEFAULT_PORTS = {"http": "80", "https": "443"}


class SerializedMorsel(Morsel[str]):
    """A cookie for ``HttpResponse.cookies`` whose ``Set-Cookie`` value is exactly ``header``.

    ``key``, ``value`` and ``coded_value`` are set as usual (Django's test client reads them).
    """

    def __init__(self, cookie: Cookie) -> None:
        super().__init__()
        self.header = cookie.serialize()
        coded_value = self.header.partition(";")[0].partition("=")[2]
        self.set(cookie.name, cookie.value, coded_value)

    def OutputString(self, attrs: Any = None) -> str:  # Morsel's own (camel-case) name
        """The ``Set-Cookie`` value, as serialized by lucia-core."""
        return self.header

    def __repr__(self) -> str:
        return f"<SerializedMorsel: {self.key}={mask(self.value)}>"

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), "header": self.header}  # type: ignore[misc]

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[misc]
        self.header = state["header"]


class DjangoCookies:
    """Django middleware that sets the cookies queued by ``handle_request(request)`` on the response.

    Put it in ``settings.MIDDLEWARE``; it is sync- and async-capable, so it adds no thread hop to
    an async stack. The cookies go on the response the view returns, or the one Django built from
    an exception the view raised; a cookie written after that (from a streamed body, say) raises
    RuntimeError.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        """The response (an awaitable of it on an async stack), with the queued cookies set."""
        if self._async:
            return self._call_async(request)
        cookies = ResponseCookies()
        setattr(request, _COOKIES_ATTRIBUTE, cookies)
        response = self.get_response(request)
        _set_cookies(response, cookies.take())
        return response

    async def _call_async(self, request: HttpRequest) -> Any:
        cookies = ResponseCookies()
        setattr(request, _COOKIES_ATTRIBUTE, cookies)
        get_response: Callable[[HttpRequest], Awaitable[Any]] = self.get_response
        response = await get_response(request)
        _set_cookies(response, cookies.take())
        return response


def request_context(request: HttpRequest, response: HttpResponseBase | None = None) -> RequestContext:
    """The :class:`RequestContext` of a Django ``HttpRequest``.

    What the ``django()`` middleware builds for ``handle_request(request)`` and
    ``handle_request(request, response)``. Without ``response``, cookies are queued for
    :class:`DjangoCookies` (RuntimeError when it is not installed); with it, they are set in
    ``response.cookies``, a later write of the same cookie replacing the earlier one. The URL is
    built from the ``Host`` header as received (no ``ALLOWED_HOSTS`` check here: Django's own).
    Raises TypeError for arguments of other types.
    """
    if not isinstance(request, HttpRequest):
        raise TypeError("handle_request() with the django() middleware takes a Django HttpRequest")
    set_cookie: Callable[[Cookie], None]
    if response is None:
        cookies = getattr(request, _COOKIES_ATTRIBUTE, None)
        if not isinstance(cookies, ResponseCookies):
            raise RuntimeError(
                f"{__name__}.DjangoCookies is not in settings.MIDDLEWARE, so the session cookie "
                "cannot be set: add it, or use handle_request(request, response)"
            )
        set_cookie = cookies.set
    elif isinstance(response, HttpResponseBase):
        set_cookie = response_writer(
            lambda: list(response.cookies.values()), SerializedMorsel, store=_store_morsels(response)
        )

    else:
        raise TypeError(
            "handle_request(request, response) takes a Django HttpResponse as its second argument"
        )
    headers = join_headers(request.headers.items())
    return RequestContext(
        method=request.method or "GET", url=_url(request), headers=headers, set_cookie=set_cookie
    )


def _set_cookies(response: HttpResponseBase, cookies: list[Cookie]) -> None:
    for cookie in cookies:
        response.cookies[cookie.name] = SerializedMorsel(cookie)


def _store_morsels(response: HttpResponseBase) -> Callable[[MutableSequence[SerializedMorsel]], None]:
    # response.cookies is keyed by name: storing a morsel replaces the one of its name.
    def store(morsels: MutableSequence[SerializedMorsel]) -> None:
        for morsel in morsels:
            response.cookies[morsel.key] = morsel

    return store


def _url(request: HttpRequest) -> str:
    scheme = request.scheme or "http"
    meta = request.META
    host = meta.get("HTTP_HOST")
    if not host:
        host = str(meta.get("SERVER_NAME", ""))
        port = str(meta.get("SERVER_PORT", ""))
        if port and port != _DEFAULT_PORTS.get(scheme):
            host = f"{host}:{port}"
    return f"{scheme}://{host}{request.get_full_path()}"


__all__ = ["DjangoCookies", "SerializedMorsel", "request_context"]
