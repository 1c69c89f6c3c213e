"""Rows the suite stores: fresh users, keys and sessions, and ids that are hard to store."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from typing import Any

from lucia_core.database import KeyRow, SessionRow, TokenRow, UserRow

DAY_MS = 24 * 60 * 60 * 1000

#: Ids that must round-trip verbatim and be found again: quoting, escaping, wildcards,
#: encodings and whitespace that naive SQL, key-value or document code gets wrong.
ODD_IDS: dict[str, str] = {
    "colons": "provider:user:with:colons",
    "quotes": 'it\'s a "quoted" id',
    "sql": "'; DROP TABLE auth_user; --",
    "backslashes": "back\\slash\\\\",
    "wildcards": "100%_*?[a]",
    "operator": '{"$ne": null}',
    "japanese": "ユーザー",
    "emoji": "🔑 key 🦀",
    "padded": "  padded  ",
    "control": "tab\tnew\nline",
}

#: (stored id, looked-up id) pairs that are different ids: a lookup must not match the other one
#: through a case- or accent-insensitive collation, PAD SPACE comparison, LIKE or prefix search.
NEAR_MISSES: dict[str, tuple[str, str]] = {
    "case": ("user-id", "USER-ID"),
    "trailing-space": ("user-id", "user-id "),
    "accent": ("cafe", "café"),
    "normalization": ("caf\u00e9", "cafe\u0301"),
    "like-pattern": ("user_id", "user%"),
    "prefix": ("user-id", "user"),
}

#: Expirations (ms) above 2**32, all in the future (a backend may refuse to store an expired
#: session): 2**41 + 1 is in 2039, a float would round 2**53 + 1, and 2**63 - 1 is the 64-bit max.
BIG_EXPIRES: dict[str, int] = {
    "2**41+1": 2**41 + 1,
    "2**53+1": 2**53 + 1,
    "2**63-1": 2**63 - 1,
}


def new_id(length: int = 15) -> str:
    """A fresh random id of ``[a-z0-9]``, like Lucia's own."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_user(user_id: str | None = None, **attributes: Any) -> UserRow:
    """A user row with the suite's ``username`` attribute (unique, random unless given)."""
    return {"id": user_id or new_id(), "username": f"user-{new_id(10)}", **attributes}


def new_key(user_id: str, key_id: str | None = None, *, hashed: str | None = "hash") -> KeyRow:
    """A key row of the user, with a distinct fake hash made from ``hashed``, or none."""
    return KeyRow(
        id=key_id or f"username:{new_id(10)}",
        user_id=user_id,
        hashed_password=None if hashed is None else f"s2:{hashed}:{new_id(20)}",
    )


def new_session(
    user_id: str,
    session_id: str | None = None,
    *,
    active_expires: int | None = None,
    idle_expires: int | None = None,
    country: str | None = "NL",
) -> SessionRow:
    """A session row of the user with the suite's ``country`` attribute; live for a day."""
    now = int(time.time() * 1000)
    active = now + DAY_MS if active_expires is None else active_expires
    return {
        "id": session_id or new_id(40),
        "user_id": user_id,
        "active_expires": active,
        "idle_expires": active + 14 * DAY_MS if idle_expires is None else idle_expires,
        "country": country,
    }


def new_token(
    user_id: str,
    token_id: str | None = None,
    *,
    purpose: str = "email-verification",
    expires: int | None = None,
    email: str | None = "ada@example.com",
) -> TokenRow:
    """A token row of the user with the suite's ``email`` attribute; expiring in an hour. Its id
    looks like the core's: 64 hex characters (a SHA-256)."""
    return {
        "id": token_id or secrets.token_hex(32),
        "user_id": user_id,
        "purpose": purpose,
        "expires": int(time.time() * 1000) + DAY_MS // 24 if expires is None else expires,
        "email": email,
    }


def ordered(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows as plain dicts sorted by id, to compare collections whatever their order."""
    return sorted((dict(row) for row in rows), key=lambda row: str(row.get("id")))
