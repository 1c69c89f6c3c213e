"""Row shapes as they cross the adapter boundary: plain dicts keyed by Lucia v2's column names."""

from __future__ import annotations

from typing import Any, TypedDict

#: A user row: ``id`` plus any user attribute columns.
UserRow = dict[str, Any]

#: A session row: ``id``, ``user_id``, ``active_expires`` and ``idle_expires`` (unix epoch
#: milliseconds, 64-bit ``int``) plus any session attribute columns.
SessionRow = dict[str, Any]


class KeyRow(TypedDict):
    """A key row. ``id`` is ``f"{provider_id}:{provider_user_id}"``."""

    id: str
    user_id: str
    hashed_password: str | None


#: Column names every session row has; anything else is a session attribute.
SESSION_COLUMNS = frozenset({"id", "user_id", "active_expires", "idle_expires"})

#: Column names every key row has.
KEY_COLUMNS = frozenset({"id", "user_id", "hashed_password"})

#: A one-time token row: ``id`` (the SHA-256 hex of the secret, never the secret), ``user_id``,
#: ``purpose`` and ``expires`` (unix epoch milliseconds, 64-bit ``int``) plus attribute columns.
TokenRow = dict[str, Any]

#: Column names every token row has; anything else is a token attribute.
TOKEN_COLUMNS = frozenset({"id", "user_id", "purpose", "expires"})
