"""lucia-core: session-based authentication for async Python, compatible with Lucia v2 databases.

Build an :class:`Auth` with :func:`lucia` over an adapter (see ``lucia_adapter_*``), then create
users with keys, sign in with :meth:`Auth.use_key`, and validate sessions per request through
:meth:`Auth.handle_request`.
"""

from .adapter import (
    Adapter,
    JoinedAdapter,
    SessionAdapter,
    SessionAndUserReader,
    TokenAdapter,
    UserAdapter,
    UserAndSessionsReader,
    join_adapters,
)
from .auth import Auth, lucia
from .context import RequestContext
from .cookie import DEFAULT_SESSION_COOKIE_NAME, Cookie, CookieAttributes
from .database import KeyRow, SessionRow, TokenRow, UserRow
from .errors import ErrorCode, LuciaError
from .key import Key
from .options import (
    CsrfProtection,
    Env,
    Experimental,
    LuciaOptions,
    SessionCookieAttributes,
    SessionCookieOptions,
    SessionExpiresIn,
)
from .password import MAX_PASSWORD_BYTES, Argon2idHasher, PasswordHasher
from .request import AuthRequest
from .session import Session, SessionState
from .token import Token
from .user import User

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_SESSION_COOKIE_NAME",
    "MAX_PASSWORD_BYTES",
    "Adapter",
    "Argon2idHasher",
    "Auth",
    "AuthRequest",
    "Cookie",
    "CookieAttributes",
    "CsrfProtection",
    "Env",
    "ErrorCode",
    "Experimental",
    "JoinedAdapter",
    "Key",
    "KeyRow",
    "LuciaError",
    "LuciaOptions",
    "PasswordHasher",
    "RequestContext",
    "Session",
    "SessionAdapter",
    "SessionAndUserReader",
    "SessionCookieAttributes",
    "SessionCookieOptions",
    "SessionExpiresIn",
    "SessionRow",
    "SessionState",
    "Token",
    "TokenAdapter",
    "TokenRow",
    "User",
    "UserAdapter",
    "UserAndSessionsReader",
    "UserRow",
    "join_adapters",
    "lucia",
]
