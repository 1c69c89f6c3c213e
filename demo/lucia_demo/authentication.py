"""The demo's Lucia: the adapter, the framework middleware, and the attributes it exposes.

Users carry a ``username`` (``user.username``), an ``email`` and whether it is verified
(``email_verified``); sessions carry the ``user_agent`` of the browser
that signed in and the time it did (``created_at``, unix milliseconds), shown in the list of a
user's sessions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lucia_core import Adapter, Auth, Env, PasswordHasher, SessionRow, UserRow, lucia
from lucia_core.middleware import starlette

#: The provider id of the username-and-password keys: a key id is ``username:<username>``.
USERNAME_PROVIDER = "username"


def _user_attributes(row: UserRow) -> Mapping[str, Any]:
    return {
        "username": row.get("username"),
        "email": row.get("email"),
        "email_verified": bool(row.get("email_verified")),
    }


def _session_attributes(row: SessionRow) -> Mapping[str, Any]:
    return {"user_agent": row.get("user_agent"), "created_at": row.get("created_at")}


def create_auth(adapter: Adapter, *, env: Env = "DEV", password_hash: PasswordHasher | None = None) -> Auth:
    """Lucia configured for the demo over ``adapter``.

    ``env="PROD"`` marks cookies ``Secure`` (serve over HTTPS then). ``password_hash`` replaces
    the default Argon2id hasher (the tests use a cheaper one).
    """
    return lucia(
        adapter=adapter,
        env=env,
        middleware=starlette(),
        get_user_attributes=_user_attributes,
        get_session_attributes=_session_attributes,
        password_hash=password_hash,
    )
