"""Request handling: what a middleware extracts from a request, and :class:`AuthRequest`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .cookie import Cookie
from .errors import LuciaError
from .session import Session

if TYPE_CHECKING:
    from .auth import Auth


@dataclass(slots=True)
class RequestContext:
    """A framework-neutral view of one request, built by a middleware.

    ``headers`` is read case-insensitively (it is stored with lowercase names). ``set_cookie``
    writes a cookie on the response, or is None when the response cannot carry cookies.
    ``session_cookie``, when not None, is the session id the framework already read from its
    cookie jar, used instead of parsing the ``Cookie`` header.
    """

    method: str
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    set_cookie: Callable[[Cookie], None] | None = None
    session_cookie: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.method, str):
            raise TypeError("method must be a str")
        # ASCII case only: Unicode case mapping turns "OPTION\u017f" (a long s) into "OPTIONS".
        self.method = self.method.upper() if self.method.isascii() else self.method
        self.headers = {str(name).lower(): value for name, value in self.headers.items()}

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None when absent or not a str."""
        value = self.headers.get(name.lower())
        return value if isinstance(value, str) else None


class AuthRequest:
    """Authentication for one request: reads, validates, renews and clears its session.

    Built by :meth:`Auth.handle_request`. The cookie is ignored (treated as absent) for a
    state-changing request whose origin fails the CSRF check; bearer tokens are not CSRF-checked
    (browsers do not attach them on their own).
    """

    def __init__(self, auth: Auth, context: RequestContext) -> None:
        self._auth = auth
        self._context = context
        try:
            auth.validate_request_origin(context)
        except LuciaError:
            self._session_id: str | None = None
        else:
            self._session_id = (
                context.session_cookie
                if context.session_cookie is not None
                else auth.read_session_cookie(context.header("cookie"))
            )
        self._bearer_token = auth.read_bearer_token(context.header("authorization"))
        self._validation: asyncio.Task[Session | None] | None = None
        self._bearer_validation: asyncio.Task[Session | None] | None = None
        # Set by set_session: the session this request now has, without any database read.
        self._known: tuple[Session | None] | None = None

    @property
    def context(self) -> RequestContext:
        """The request context this was built from."""
        return self._context

    async def validate(self) -> Session | None:
        """The session of the request's session cookie, or None when absent or invalid.

        An idle session is renewed and its new cookie set; an invalid one's cookie is cleared.
        The result is cached for this request (concurrent calls share one validation). A database
        failure raises (the cookie is left alone) and is not cached.
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
        self._session_id = session.session_id if session is not None else None
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
        if self._session_id is None:
            return None
        try:
            session = await self._auth.validate_session(self._session_id)
        except LuciaError:
            self._session_id = None
            self._write_cookie(None)
            return None
        if session.fresh:
            self._write_cookie(session)
        return session

    async def _validate_bearer(self) -> Session | None:
        if self._bearer_token is None:
            return None
        try:
            return await self._auth.validate_session(self._bearer_token)
        except LuciaError:
            return None
