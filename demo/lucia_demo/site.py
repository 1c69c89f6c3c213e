"""What the pages outside ``app.py`` (email verification, password reset, the development mail
page) use of the application: rendering, redirects, the signed-in user, sessions and mail."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from lucia_core import Auth, AuthRequest, Session

from .mail import Mail
from .sign_in_limits import SignInLimits

Render = Callable[..., Response]


@dataclass(frozen=True)
class Site:
    """The application's shared pieces, handed to the routers of the mail flows.

    ``render(request, template, session_or_none, status_code=200, **context)`` and
    ``redirect(path)`` answer a request; ``current_session`` / ``signed_in`` / ``same_origin`` /
    ``auth_request`` are FastAPI dependencies; ``start_session(request, auth_request, user_id)``
    signs this browser in; ``end_previous_session(auth_request)`` ends the session it had.
    ``limits`` throttles sign-in and code attempts. ``public_url`` is the origin links in mail
    point to: never the request's ``Host`` header,
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
    limits: SignInLimits | None = None

    def link(self, request: Request, path: str, **query: Any) -> str:
        """An absolute link to ``path`` on this site, for a mail."""
        origin = self.public_url
        if origin is None:
            if self.env != "DEV":
                raise RuntimeError("set LUCIA_DEMO_PUBLIC_URL: links in mail need the site's public URL")
            origin = str(request.base_url)
        return f"{origin.rstrip('/')}{path}?{urlencode(query)}"
