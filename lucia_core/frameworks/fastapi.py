"""FastAPI dependencies: the request's :class:`AuthRequest`, its session, or a 401.

``pip install "lucia-core[fastapi]"``. The dependencies need :class:`ASGICookies` on the
application (it carries the cookies to the response the endpoint returns) and share one
``AuthRequest`` per request (see :func:`~.starlette.get_auth_request`), so the session is
validated once however many dependencies ask for it::

    from typing import Annotated
    from fastapi import Depends, FastAPI
    from lucia_core.frameworks.fastapi import (
        ASGICookies, auth_request_dependency, require_session, session_dependency,
    )

    app = FastAPI()
    app.add_middleware(ASGICookies)
    CurrentSession = Annotated[Session | None, Depends(session_dependency(auth))]   # None if signed out
    SignedIn = Annotated[Session, Depends(require_session(auth))]                  # or 401
    Authentication = Annotated[AuthRequest, Depends(auth_request_dependency(auth))]

    @app.get("/me")
    async def me(session: SignedIn) -> dict[str, str]:
        return {"user_id": session.user.user_id}

    @app.post("/sign-in")
    async def sign_in(form: SignIn, auth_request: Authentication) -> Response:
        ...
        auth_request.set_session(session)
        return RedirectResponse("/", status_code=303)   # the cookie is on this response
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

try:
    from fastapi import HTTPException, status
    from starlette.requests import HTTPConnection
except ImportError as error:  # pragma: no cover - exercised in a subprocess with fastapi hidden
    raise ImportError(
        f'{__name__} needs FastAPI; install it with: pip install "lucia-core[fastapi]"'
    ) from error

from ..auth import Auth
from ..request import AuthRequest
from ..session import Session
from .starlette import get_auth_request


def auth_request_dependency(auth: Auth) -> Callable[[HTTPConnection], Awaitable[AuthRequest]]:
    """A dependency giving the request's :class:`AuthRequest` (for ``set_session`` on sign-in and
    sign-out, or to validate by hand). The same object for every dependency of one request."""

    async def auth_request(connection: HTTPConnection) -> AuthRequest:
        return get_auth_request(auth, connection)

    return auth_request


def session_dependency(
    auth: Auth, *, bearer: bool = True
) -> Callable[[HTTPConnection], Awaitable[Session | None]]:
    """A dependency giving the request's :class:`Session`, or None when it has none.

    The session cookie comes first (CSRF-checked for state-changing methods, renewed when idle,
    cleared when invalid, as ``AuthRequest.validate``); without a valid one, and when ``bearer``
    is true, the ``Authorization: Bearer`` token (``AuthRequest.validate_bearer_token``).
    """

    async def current_session(connection: HTTPConnection) -> Session | None:
        auth_request = get_auth_request(auth, connection)
        session = await auth_request.validate()
        if session is None and bearer:
            session = await auth_request.validate_bearer_token()
        return session

    return current_session


def require_session(auth: Auth, *, bearer: bool = True) -> Callable[[HTTPConnection], Awaitable[Session]]:
    """A dependency giving the request's :class:`Session` as :func:`session_dependency` finds it, and
    otherwise answering 401 Unauthorized with ``WWW-Authenticate: Bearer`` (``Cookie`` when
    ``bearer`` is false: the cookie is then the only credential accepted). A cookie cleared or
    renewed by the validation is still set on the 401 response."""
    find_session = session_dependency(auth, bearer=bearer)
    challenge = "Bearer" if bearer else "Cookie"

    async def signed_in_session(connection: HTTPConnection) -> Session:
        session = await find_session(connection)
        if session is None:
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="Not authenticated",
                headers={"WWW-Authenticate": challenge},
            )
        return session

    return signed_in_session


__all__ = ["auth_request_dependency", "require_session", "session_dependency"]
