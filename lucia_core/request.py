"""Authentication for one request: :class:`AuthRequest`, and reading its bearer token."""

from __future__ import annotations

import asyncio
import re
from typing import Protocol

from .configuration import Configuration
from .context import RequestContext
from .cookie import Cookie, cookie_values
from .errors import LuciaError
from .masking import mask
from .session import Session

# RFC 6750 b64token: the only shape a bearer credential can have.
# ASCII: with Unicode case folding, [A-Za-z] would also match the Kelvin sign and the long s.
_BEARER = re.compile(r"[ \t]*Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*", re.IGNORECASE | re.ASCII)
# At most this many session cookies of one request are tried (each costs a database read): the
# first and the last half of them. Browsers send cookies with longer paths first, and of one path
# the oldest first; the user's own cookie has the configured path, so a tossed cookie for each
# longer path comes before it and one per shared parent domain after it. Trying only the first
# few would let cookies tossed for deep paths sign the user out on those pages.
MAX_SESSION_COOKIES = 4


def read_bearer_token(authorization_header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None for any other value."""
    if not isinstance(authorization_header, str) or len(authorization_header) > 4096:
        return None
    match = _BEARER.fullmatch(authorization_header)
    return match.group(1) if match else None


class Authenticator(Protocol):
    """What an :class:`AuthRequest` needs of its :class:`~lucia_core.Auth`."""

    config: Configuration

    async def validate_session(self, session_id: str) -> Session: ...

    def create_session_cookie(self, session: Session | None) -> Cookie: ...

    def validate_request_origin(self, request: RequestContext) -> None: ...


class AuthRequest:
    """Authentication for one request: reads, validates, renews and clears its session.

    Built by :meth:`Auth.handle_request`. The cookie is ignored (treated as absent) for a
    state-changing request or a WebSocket handshake whose origin fails the CSRF check; bearer
    tokens are not CSRF-checked (browsers do not attach them on their own).

    With several session cookies (a sibling subdomain may set one for the parent domain: cookie
    tossing), the first that validates is the session, and no clearing cookie is ever sent, since
    it would delete the user's own valid cookie rather than the tossed one.
    """

    __slots__ = ("_auth", "_bearer_validation", "_context", "_cookie_ids", "_known", "_validation")

    def __init__(self, auth: Authenticator, context: RequestContext) -> None:
        self._auth = auth
        self._context = context
        try:
            auth.validate_request_origin(context)
        except LuciaError:
            self._cookie_ids: list[str] = []
        else:
            self._cookie_ids = cookie_values(context.header("cookie"), auth.config.session_cookie.name)
        self._validation: asyncio.Future[Session | None] | None = None
        self._bearer_validation: asyncio.Future[Session | None] | None = None
        # Set by set_session: the session this request now has, without any database read.
        self._known: tuple[Session | None] | None = None

    @property
    def context(self) -> RequestContext:
        """The request context this was built from."""
        return self._context

    def __repr__(self) -> str:
        ids = [mask(value) for value in self._cookie_ids]
        return f"AuthRequest(context={self._context!r}, session_cookies={ids!r})"

    async def validate(self) -> Session | None:
        """The session of the request's session cookie, or None when absent or invalid.

        An idle session is renewed and its new cookie set; an invalid one's cookie is cleared
        (unless the request carried several). The result is cached for this request (concurrent
        calls share one validation). A database failure raises (the cookie is left alone) and is
        not cached.
        """
        if self._known is not None:
            return self._known[0]
        if self._validation is None:
            self._validation = asyncio.ensure_future(self._validate_cookie())
        return await self._await_cached(self._validation, bearer=False)

    async def validate_bearer_token(self) -> Session | None:
        """The session of the ``Authorization: Bearer`` token, or None when absent or invalid.

        Idle sessions are renewed (the client keeps the same token). Cached for this request
        separately from :meth:`validate`. A database failure raises and is not cached.
        """
        if self._bearer_validation is None:
            self._bearer_validation = asyncio.ensure_future(self._validate_bearer())
        return await self._await_cached(self._bearer_validation, bearer=True)

    def set_session(self, session: Session | None) -> None:
        """Write the session's cookie on the response (None: clear it); later :meth:`validate` calls
        return this session without a database read.

        Raises RuntimeError when the middleware gave no way to set cookies.
        """
        if self._context.set_cookie is None:
            raise RuntimeError("this request context cannot set cookies (no set_cookie)")
        self._write_cookie(session)
        self._cookie_ids = [session.session_id] if session is not None else []
        self._validation = None
        self._known = (session,)

    def invalidate(self) -> None:
        """Forget the cached results of :meth:`validate` and :meth:`validate_bearer_token`."""
        self._validation = None
        self._bearer_validation = None
        self._known = None

    async def _await_cached(self, task: asyncio.Future[Session | None], *, bearer: bool) -> Session | None:
        try:
            return await asyncio.shield(task)
        except BaseException:
            if task.done() and not task.cancelled() and task.exception() is not None:
                # Do not cache failures: the next call tries the database again.
                if bearer and self._bearer_validation is task:
                    self._bearer_validation = None
                elif not bearer and self._validation is task:
                    self._validation = None
            raise

    def _write_cookie(self, session: Session | None) -> None:
        if self._context.set_cookie is not None:
            self._context.set_cookie(self._auth.create_session_cookie(session))

    async def _validate_cookie(self) -> Session | None:
        ids = self._cookie_ids
        for session_id in _candidates(ids):
            try:
                session = await self._auth.validate_session(session_id)
            except LuciaError:
                continue
            if session.fresh:
                self._write_cookie(session)
            return session
        if len(ids) == 1 and ids[0]:  # with several, the invalid one may not be ours to delete
            self._write_cookie(None)
        self._cookie_ids = []
        return None

    async def _validate_bearer(self) -> Session | None:
        token = read_bearer_token(self._context.header("authorization"))
        if token is None:
            return None
        try:
            return await self._auth.validate_session(token)
        except LuciaError:
            return None


def _candidates(ids: list[str]) -> list[str]:
    """The session cookie values worth a database read: distinct, non-empty, at most
    :data:`MAX_SESSION_COOKIES` of them (the first and the last ones, in the order sent)."""
    distinct = list(dict.fromkeys(value for value in ids if value))
    if len(distinct) <= MAX_SESSION_COOKIES:
        return distinct
    half = MAX_SESSION_COOKIES // 2
    return distinct[:half] + distinct[-half:]


__all__ = ["MAX_SESSION_COOKIES", "AuthRequest", "Authenticator", "read_bearer_token"]
