"""FastAPI dependencies: the request's :class:`AuthRequest`, its session, or a 401.

``pip install "lucia-core[fastapi]"``. The dependencies need :class:`~.asgi.ASGICookies` on the
application (it carries the cookies to the response the endpoint returns) and share one
``AuthRequest`` per request (see :func:`~.starlette.get_auth_request`), so the session is
validated once however many dependencies ask for it. They declare the session cookie (and the
bearer token) as security schemes, so the OpenAPI docs show how endpoints authenticate.

Each takes the :class:`~lucia_core.Auth`, or finds it at request time where the lifespan put it:
``yield {"auth": auth}`` (lifespan state) or ``app.state.auth``. So the database pool can be made
in the lifespan::

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Auth]]:
        async with asyncpg.create_pool(DATABASE_URL) as pool:
            yield {"auth": lucia(adapter=postgres_adapter(pool), middleware=starlette())}

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(ASGICookies)
    SignedIn = Annotated[Session, Depends(require_session())]   # the session, or 401

    @app.get("/me")
    async def me(session: SignedIn) -> dict[str, str]:
        return {"user_id": session.user.user_id}
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

try:
    from fastapi import HTTPException, Security, status
    from fastapi.security import APIKeyCookie, HTTPBearer
    from starlette.requests import HTTPConnection
except ImportError as error:  # pragma: no cover - exercised in a subprocess with fastapi hidden
    raise ImportError(
        f'{__name__} needs FastAPI; install it with: pip install "lucia-core[fastapi]"'
    ) from error

from ..auth import Auth
from ..cookie import DEFAULT_SESSION_COOKIE_NAME
from ..request import AuthRequest
from ..session import Session
from .starlette import get_auth_request


class _Declared:
    """A security scheme that is only declared (for OpenAPI): lucia-core reads the credential."""

    async def __call__(self, connection: HTTPConnection) -> None:
        return None


class SessionCookieScheme(_Declared, APIKeyCookie):
    """The session cookie as an OpenAPI ``apiKey`` scheme (``in: cookie``)."""

    def __init__(self, name: str) -> None:
        description = "The session cookie, set by signing in (HttpOnly: browsers send it on their own)."
        super().__init__(name=name, scheme_name="session cookie", description=description, auto_error=False)


class SessionTokenScheme(_Declared, HTTPBearer):
    """The session id as an OpenAPI bearer scheme: ``Authorization: Bearer <session id>``."""

    def __init__(self) -> None:
        description = "A session id, sent as Authorization: Bearer <session id>."
        super().__init__(scheme_name="session token", description=description, auto_error=False)


def find_auth(connection: HTTPConnection) -> Auth:
    """The :class:`Auth` the lifespan made: its state's ``auth`` (``yield {"auth": auth}``), else
    ``app.state.auth``. RuntimeError saying where to put it when there is none."""
    auth = getattr(connection.state, "auth", None) or getattr(connection.app.state, "auth", None)
    if not isinstance(auth, Auth):
        raise RuntimeError(
            "no lucia_core.Auth for this request: yield {'auth': auth} from the lifespan, set "
            "app.state.auth, or pass the Auth to the dependency"
        )
    return auth


def _auth_of(auth: Auth | None) -> Callable[[HTTPConnection], Auth]:
    return (lambda _connection: auth) if auth is not None else find_auth


def auth_request_dependency(auth: Auth | None = None) -> Callable[[HTTPConnection], Awaitable[AuthRequest]]:
    """A dependency giving the request's :class:`AuthRequest` (for ``set_session`` on sign-in and
    sign-out, or to validate by hand). The same object for every dependency of one request."""
    auth_for = _auth_of(auth)

    async def auth_request(connection: HTTPConnection) -> AuthRequest:
        return get_auth_request(auth_for(connection), connection)

    return auth_request


def session_dependency(
    auth: Auth | None = None, *, bearer: bool = True, cookie_name: str = DEFAULT_SESSION_COOKIE_NAME
) -> Callable[..., Awaitable[Session | None]]:
    """A dependency giving the request's :class:`Session`, or None when it has none.

    The session cookie comes first (CSRF-checked for state-changing methods and WebSocket
    handshakes, renewed when idle, cleared when invalid, as ``AuthRequest.validate``); without a
    valid one, and when ``bearer`` is true, the ``Authorization: Bearer`` token
    (``AuthRequest.validate_bearer_token``). ``cookie_name`` names the cookie in the OpenAPI docs
    when the Auth is found at request time (given an Auth, its cookie's name is used).
    """
    auth_for = _auth_of(auth)
    cookie = SessionCookieScheme(auth.config.session_cookie.name if auth is not None else cookie_name)

    async def find(connection: HTTPConnection) -> Session | None:
        auth_request = get_auth_request(auth_for(connection), connection)
        session = await auth_request.validate()
        if session is None and bearer:
            session = await auth_request.validate_bearer_token()
        return session

    # The schemes are parameter defaults, not Annotated[...]: with postponed annotations FastAPI
    # would look the local names up in the module's globals.
    if not bearer:

        async def cookie_session(
            connection: HTTPConnection,
            _cookie: None = Security(cookie),
        ) -> Session | None:
            return await find(connection)

        return cookie_session

    token = SessionTokenScheme()

    async def current_session(
        connection: HTTPConnection,
        _cookie: None = Security(cookie),
        _token: None = Security(token),
    ) -> Session | None:
        return await find(connection)

    return current_session


def require_session(
    auth: Auth | None = None, *, bearer: bool = True, cookie_name: str = DEFAULT_SESSION_COOKIE_NAME
) -> Callable[..., Awaitable[Session]]:
    """A dependency giving the request's :class:`Session` as :func:`session_dependency` finds it, and
    otherwise answering 401 Unauthorized with ``WWW-Authenticate: Bearer`` (``Cookie`` when
    ``bearer`` is false: the cookie is then the only credential accepted). A cookie cleared or
    renewed by the validation is still set on the 401 response."""
    find_session = session_dependency(auth, bearer=bearer, cookie_name=cookie_name)
    challenge = "Bearer" if bearer else "Cookie"

    async def signed_in_session(
        session: Session | None = Security(find_session),  # noqa: B008 - how FastAPI declares it
    ) -> Session:
        if session is None:
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="Not authenticated",
                headers={"WWW-Authenticate": challenge},
            )
        return session

    return signed_in_session


__all__ = [
    "SessionCookieScheme",
    "SessionTokenScheme",
    "auth_request_dependency",
    "find_auth",
    "require_session",
    "session_dependency",
]
