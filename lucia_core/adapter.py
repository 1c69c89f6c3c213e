"""Adapter protocols: the only way the core talks to a database.

Every sentence in these docstrings is a rule each adapter answers to; the conformance suite
(``lucia_conformance``) tests exactly these sentences and quotes the one a failing adapter broke.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from .database import KeyRow, SessionRow, TokenRow, UserRow


@runtime_checkable
class UserAdapter(Protocol):
    """Stores users and keys."""

    async def get_user(self, user_id: str) -> UserRow | None:
        """Return the user row with this id, with every attribute column, or None if there is none."""
        ...

    async def set_user(self, user: UserRow, key: KeyRow | None) -> None:
        """Store the user and, when given, its key, atomically.

        If the key id already exists this raises LuciaError("AUTH_DUPLICATE_KEY_ID") and no user is
        left behind. Any other database error (a unique user attribute, a lost connection)
        propagates as the driver's exception, and nothing is left behind.
        """
        ...

    async def update_user(self, user_id: str, partial_user: Mapping[str, Any]) -> None:
        """Set only the named columns of the user; other columns and other users are untouched.

        If no such user exists this is a no-op.
        """
        ...

    async def delete_user(self, user_id: str) -> None:
        """Delete the user. Other users are untouched. If no such user exists this is a no-op."""
        ...

    async def get_key(self, key_id: str) -> KeyRow | None:
        """Return the key row with this id, or None if there is none."""
        ...

    async def get_keys_by_user_id(self, user_id: str) -> list[KeyRow]:
        """Return every key of the user, in any order; an empty list if there are none."""
        ...

    async def set_key(self, key: KeyRow) -> None:
        """Store the key.

        If the key id already exists this raises LuciaError("AUTH_DUPLICATE_KEY_ID") and the stored
        key is unchanged; of concurrent calls with one id exactly one succeeds. If the user does not
        exist, an adapter whose backend can tell raises LuciaError("AUTH_INVALID_USER_ID").
        """
        ...

    async def update_key(self, key_id: str, partial_key: Mapping[str, Any]) -> None:
        """Set only the named columns of the key; other keys are untouched.

        If no such key exists this is a no-op.
        """
        ...

    async def replace_key_password(
        self, key_id: str, expected_hashed_password: str | None, hashed_password: str | None
    ) -> bool:
        """Set the key's hashed_password only if it still equals expected_hashed_password,
        atomically; return True when replaced, False when the key is missing or its hash changed.

        Other keys and the key's other columns are untouched. Of concurrent calls expecting one
        hash, at most one replaces it. The core upgrades a password hash with this, so that a
        sign-in that read the old hash never overwrites a password changed meanwhile.
        """
        ...

    async def delete_key(self, key_id: str) -> None:
        """Delete the key. Other keys are untouched. If no such key exists this is a no-op."""
        ...

    async def delete_keys_by_user_id(self, user_id: str) -> None:
        """Delete every key of the user; other users' keys are untouched. No keys is a no-op."""
        ...


@runtime_checkable
class SessionAdapter(Protocol):
    """Stores sessions. A session-only adapter (Redis, for one) implements just this."""

    async def get_session(self, session_id: str) -> SessionRow | None:
        """Return the session row with this id, with every attribute column, or None if there is none.

        ``active_expires`` and ``idle_expires`` come back as ``int`` milliseconds, exactly as stored
        (64-bit).
        """
        ...

    async def get_sessions_by_user_id(self, user_id: str) -> list[SessionRow]:
        """Return every stored session of the user, in any order; an empty list if there are none."""
        ...

    async def set_session(self, session: SessionRow) -> None:
        """Store the session.

        If the user does not exist, an adapter whose backend can tell raises
        LuciaError("AUTH_INVALID_USER_ID"). Any other database error propagates.
        """
        ...

    async def update_session(self, session_id: str, partial_session: Mapping[str, Any]) -> None:
        """Set only the named columns of the session; other sessions are untouched.

        If no such session exists this is a no-op.
        """
        ...

    async def delete_session(self, session_id: str) -> None:
        """Delete the session. Other sessions are untouched. If no such session exists this is a no-op."""
        ...

    async def delete_sessions_by_user_id(self, user_id: str) -> None:
        """Delete every session of the user; other users' sessions are untouched. None is a no-op."""
        ...


@runtime_checkable
class TokenAdapter(Protocol):
    """Stores one-time tokens (email verification, password reset): rows keyed by the SHA-256 hex
    of a secret that never reaches the adapter."""

    async def get_token(self, token_id: str) -> TokenRow | None:
        """Return the token row with this id, with every attribute column, or None if there is none.

        ``expires`` comes back as an ``int`` of milliseconds, exactly as stored (64-bit).
        """
        ...

    async def get_tokens_by_user_id(self, user_id: str) -> list[TokenRow]:
        """Return every stored token of the user, in any order; an empty list if there are none."""
        ...

    async def set_token(self, token: TokenRow) -> None:
        """Store the token.

        If the user does not exist, an adapter whose backend can tell raises
        LuciaError("AUTH_INVALID_USER_ID") and stores nothing. Any other database error
        propagates. A backend that expires rows by itself (Redis) may drop a token once its
        ``expires`` has passed.
        """
        ...

    async def consume_token(self, token_id: str) -> TokenRow | None:
        """Read and delete the token with this id at once: return its row, or None if there is none.

        Of concurrent calls with one id exactly one gets the row; the others get None. Other
        tokens are untouched.
        """
        ...

    async def delete_tokens_by_user_id(self, user_id: str, purpose: str | None = None) -> None:
        """Delete every token of the user, or with a purpose only the user's tokens of that purpose.

        Other users' tokens, and with a purpose the user's tokens of other purposes, are untouched.
        No tokens is a no-op.
        """
        ...


@runtime_checkable
class SessionAndUserReader(Protocol):
    """The optional hot-path method of a regular adapter: one round trip for a session and its user."""

    async def get_session_and_user(self, session_id: str) -> tuple[SessionRow, UserRow] | tuple[None, None]:
        """Return the session row and its user row, or (None, None) if the session does not exist.

        Rows are the same as get_session and get_user return.
        """
        ...


@runtime_checkable
class UserAndSessionsReader(Protocol):
    """The optional method of a regular adapter behind ``get_all_user_sessions``: one round trip
    for a user and all of its sessions."""

    async def get_user_and_sessions(self, user_id: str) -> tuple[UserRow | None, list[SessionRow]]:
        """Return the user row with this id, or None if there is none, and every stored session of
        that user, in any order (an empty list if there are none).

        Rows are the same as get_user and get_sessions_by_user_id return. Both are read in one
        round trip, so the sessions are those stored when the user was read.
        """
        ...


@runtime_checkable
class Adapter(UserAdapter, SessionAdapter, Protocol):
    """A regular adapter: users, keys and sessions in one database.

    It may also implement :class:`SessionAndUserReader` and :class:`UserAndSessionsReader`; the
    core uses them when present.
    """


class JoinedAdapter:
    """A user adapter and a session adapter behind one :class:`Adapter` interface.

    With a ``token_adapter`` it is a :class:`TokenAdapter` too, its token methods that adapter's.
    """

    def __init__(
        self,
        user_adapter: UserAdapter,
        session_adapter: SessionAdapter,
        token_adapter: TokenAdapter | None = None,
    ) -> None:
        self.user_adapter = user_adapter
        self.session_adapter = session_adapter
        self.token_adapter = token_adapter
        if token_adapter is not None:
            for name in _TOKEN_METHODS:
                setattr(self, name, getattr(token_adapter, name))
        self.get_user = user_adapter.get_user
        self.set_user = user_adapter.set_user
        self.update_user = user_adapter.update_user
        self.delete_user = user_adapter.delete_user
        self.get_key = user_adapter.get_key
        self.get_keys_by_user_id = user_adapter.get_keys_by_user_id
        self.set_key = user_adapter.set_key
        self.update_key = user_adapter.update_key
        replace = getattr(user_adapter, "replace_key_password", None)
        if callable(replace):  # optional for adapters written before it existed
            self.replace_key_password = replace
        self.delete_key = user_adapter.delete_key
        self.delete_keys_by_user_id = user_adapter.delete_keys_by_user_id
        self.get_session = session_adapter.get_session
        self.get_sessions_by_user_id = session_adapter.get_sessions_by_user_id
        self.set_session = session_adapter.set_session
        self.update_session = session_adapter.update_session
        self.delete_session = session_adapter.delete_session
        self.delete_sessions_by_user_id = session_adapter.delete_sessions_by_user_id

    def __repr__(self) -> str:
        tokens = "" if self.token_adapter is None else f", token={self.token_adapter!r}"
        return f"JoinedAdapter(user={self.user_adapter!r}, session={self.session_adapter!r}{tokens})"


_USER_METHODS = (
    "get_user", "set_user", "update_user", "delete_user", "get_key", "get_keys_by_user_id",
    "set_key", "update_key", "delete_key", "delete_keys_by_user_id",
)  # fmt: skip
_SESSION_METHODS = (
    "get_session", "get_sessions_by_user_id", "set_session", "update_session", "delete_session",
    "delete_sessions_by_user_id",
)  # fmt: skip
_TOKEN_METHODS = (
    "get_token", "get_tokens_by_user_id", "set_token", "consume_token", "delete_tokens_by_user_id",
)  # fmt: skip


def _require(obj: object, methods: tuple[str, ...], role: str) -> None:
    missing = [name for name in methods if not callable(getattr(obj, name, None))]
    if missing:
        raise TypeError(f"{role} {obj!r} lacks the methods: {', '.join(missing)}")


def has_tokens(adapter: object) -> bool:
    """Whether ``adapter`` has every method of :class:`TokenAdapter`."""
    return all(callable(getattr(adapter, name, None)) for name in _TOKEN_METHODS)


def join_adapters(
    user_adapter: UserAdapter, session_adapter: SessionAdapter, token: TokenAdapter | None = None
) -> Adapter:
    """Combine a user adapter with a session adapter (PostgreSQL users with Redis sessions, say).

    Tokens go to ``token`` when given; else to the user adapter when it implements
    :class:`TokenAdapter`, else to the session adapter when it does, else nowhere (the result has
    no token methods). When all are the same object it is returned as is, keeping its
    ``get_session_and_user`` and ``get_user_and_sessions``; otherwise neither is exposed (each
    reads both adapters' tables). Raises TypeError when an adapter lacks a method of its protocol.
    """
    _require(user_adapter, _USER_METHODS, "user adapter")
    _require(session_adapter, _SESSION_METHODS, "session adapter")
    if token is not None:
        _require(token, _TOKEN_METHODS, "token adapter")
    elif has_tokens(user_adapter):
        token = user_adapter  # type: ignore[assignment]
    elif has_tokens(session_adapter):
        token = session_adapter  # type: ignore[assignment]
    same = user_adapter is session_adapter  # type: ignore[comparison-overlap]
    if same and (token is None or token is user_adapter):  # type: ignore[comparison-overlap]
        return user_adapter  # type: ignore[return-value]
    return JoinedAdapter(user_adapter, session_adapter, token)


def resolve_adapter(adapter: Adapter | Mapping[str, Any]) -> Adapter:
    """Accept an adapter or ``{"user": ..., "session": ..., "token": ...}`` (``token`` optional)
    and return one :class:`Adapter`."""
    if isinstance(adapter, Mapping):
        unknown = set(adapter) - {"user", "session", "token"}
        if unknown or "user" not in adapter or "session" not in adapter:
            raise ValueError(
                'adapter mapping must have the keys "user" and "session", and optionally "token"'
            )
        return join_adapters(adapter["user"], adapter["session"], adapter.get("token"))
    _require(adapter, _USER_METHODS + _SESSION_METHODS, "adapter")
    return adapter
