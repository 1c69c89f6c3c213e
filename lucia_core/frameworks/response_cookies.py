"""Cookies on their way to a response: queued until the framework sends the headers
(:class:`ResponseCookies`), or written straight onto a response object (:func:`response_writer`)."""

from __future__ import annotations

from collections.abc import Callable, MutableSequence
from typing import TypeVar

from ..cookie import Cookie

T = TypeVar("T")
CookieIdentity = tuple[str, str | None, str | None]


def cookie_identity(cookie: Cookie) -> CookieIdentity:
    """What makes two ``Set-Cookie`` headers set the same cookie: its name, domain and path."""
    return cookie.name, cookie.attributes.get("domain"), cookie.attributes.get("path")


class ResponseCookies:
    """The cookies waiting for one response, written as ``Set-Cookie`` headers when it starts.

    :meth:`set` is what a middleware gives ``RequestContext.set_cookie``: a cookie with the same
    name, domain and path as an earlier one replaces it, so a response carries one header per
    cookie (RFC 6265 section 4.1.1), the last one written. The framework glue calls :meth:`take`
    just before the response's headers go out; after that :meth:`set` raises RuntimeError, since
    the cookie could no longer reach the client (losing it silently would, for example, leave a
    renewed session with a browser cookie that expires too early).
    """

    __slots__ = ("_cookies", "_taken")

    def __init__(self) -> None:
        self._cookies: dict[CookieIdentity, Cookie] = {}
        self._taken = False

    @property
    def taken(self) -> bool:
        """True once :meth:`take` was called: the response's headers are gone."""
        return self._taken

    def set(self, cookie: Cookie) -> None:
        """Queue ``cookie``, replacing a queued cookie of the same name, domain and path.

        Raises RuntimeError when the response has already started, and ValueError / TypeError
        from :meth:`Cookie.serialize` for a cookie that cannot be written.
        """
        if self._taken:
            raise RuntimeError(
                f"cannot set the cookie {cookie.name!r}: the response's headers have already been sent"
            )
        cookie.serialize()  # fail here, at the caller, rather than when the response starts
        identity = cookie_identity(cookie)
        self._cookies.pop(identity, None)
        self._cookies[identity] = cookie

    def take(self) -> list[Cookie]:
        """The queued cookies, in the order they were set; later calls to :meth:`set` raise."""
        self._taken = True
        cookies = list(self._cookies.values())
        self._cookies.clear()
        return cookies

    def __repr__(self) -> str:
        names = [cookie.name for cookie in self._cookies.values()]
        return f"ResponseCookies(queued={names!r}, taken={self._taken!r})"


def response_writer(
    headers: Callable[[], MutableSequence[T]],
    encode: Callable[[Cookie], T],
    *,
    store: Callable[[MutableSequence[T]], None] | None = None,
    sent: Callable[[], bool] | None = None,
) -> Callable[[Cookie], None]:
    """A ``RequestContext.set_cookie`` that writes onto one response object, for every framework.

    ``headers()`` gives the response's list of cookie headers (or of whatever ``encode`` makes of
    a cookie); a cookie with the same name, domain and path as one written before replaces its
    entry, so the response carries one per cookie (RFC 6265 section 4.1.1), the last written.
    ``store``, when given, saves the list back (for responses that do not expose a list of their
    own). Once ``sent()`` is true the headers are gone, and a cookie raises RuntimeError.
    """
    written: dict[CookieIdentity, T] = {}

    def set_cookie(cookie: Cookie) -> None:
        if sent is not None and sent():
            raise RuntimeError(
                f"cannot set the cookie {cookie.name!r}: the response's headers have already been sent"
            )
        entry = encode(cookie)
        values = headers()
        previous = written.get(cookie_identity(cookie))
        if previous is not None and previous in values:
            values[values.index(previous)] = entry
        else:
            values.append(entry)
        if store is not None:
            store(values)
        written[cookie_identity(cookie)] = entry

    return set_cookie


__all__ = ["CookieIdentity", "ResponseCookies", "cookie_identity", "response_writer"]
