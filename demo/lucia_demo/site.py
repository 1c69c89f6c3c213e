"""What the pages outside ``app.py`` (email verification, password reset, the development mail
page) use of the application: rendering, redirects, the signed-in user, sessions and mail."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from lucia_core import Auth, AuthRequest, LuciaError, Session

from .mail import Mail

Render = Callable[..., Response]


class Throttle(Protocol):
    """What the pages use of ``lucia_core.throttling.Throttle``."""

    async def check(self, *keys: str) -> None: ...
    async def fail(self, *keys: str) -> None: ...
    async def reset(self, *keys: str) -> None: ...


def too_many_attempts(retry_after: float) -> str:
    """The message for a throttled attempt."""
    seconds = max(1, math.ceil(retry_after))
    return f"Too many attempts, try again in {seconds} second{'s' if seconds != 1 else ''}."


@dataclass(frozen=True)
class Site:
    """The application's shared pieces, handed to the routers of the mail flows.

    ``render(request, template, session_or_none, status_code=200, **context)`` and
    ``redirect(path)`` answer a request; ``current_session`` / ``signed_in`` / ``same_origin`` /
    ``auth_request`` are FastAPI dependencies; ``start_session(request, auth_request, user_id)``
    signs this browser in; ``end_previous_session(auth_request)`` ends the session it had.
    ``public_url`` is the origin links in mail point to: never the request's ``Host`` header,
    which whoever sends the request chooses (in development, the request's own URL is used
    when none is configured).
    """

    auth: Auth
    mail: Mail
    render: Render
    redirect: Callable[[str], Response]
    current_session: Callable[..., Awaitable[Session | None]]
    signed_in: Callable[..., Awaitable[Session]]
    same_origin: Callable[..., Awaitable[None]]
    auth_request: Callable[..., Awaitable[AuthRequest]]
    start_session: Callable[[Request, AuthRequest, str], Awaitable[None]]
    end_previous_session: Callable[[AuthRequest], Awaitable[None]]
    env: str = "DEV"
    public_url: str | None = None
    throttle: Throttle | None = None

    async def check_throttle(self, *keys: str) -> str | None:
        """None when an attempt may go ahead, else the message saying how long to wait."""
        if self.throttle is None:
            return None
        try:
            await self.throttle.check(*keys)
        except LuciaError as error:
            if error.code != "AUTH_TOO_MANY_ATTEMPTS":
                raise
            return too_many_attempts(getattr(error, "retry_after", 1.0))
        return None

    async def fail_throttle(self, *keys: str) -> None:
        """Record a failed attempt."""
        if self.throttle is not None:
            await self.throttle.fail(*keys)

    async def reset_throttle(self, *keys: str) -> None:
        """Forget the failures after a successful attempt."""
        if self.throttle is not None:
            await self.throttle.reset(*keys)

    def link(self, request: Request, path: str, **query: Any) -> str:
        """An absolute link to ``path`` on this site, for a mail."""
        origin = self.public_url
        if origin is None:
            if self.env != "DEV":
                raise RuntimeError("set LUCIA_DEMO_PUBLIC_URL: links in mail need the site's public URL")
            origin = str(request.base_url)
        return f"{origin.rstrip('/')}{path}?{urlencode(query)}"
