"""The cookies queued for one response until the framework sends its headers."""

from __future__ import annotations

from ..cookie import Cookie

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


__all__ = ["CookieIdentity", "ResponseCookies", "cookie_identity"]
