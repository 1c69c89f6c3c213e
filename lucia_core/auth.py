"""The :class:`Auth` object: users, keys and sessions over an adapter."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .adapter import Adapter
from .arguments import attribute_columns, require_new_id, require_str
from .configuration import Configuration, build_configuration, check_adapter, check_middleware
from .context import Middleware, RequestContext, plain_request_context
from .cookie import Cookie, parse_cookie
from .database import KeyRow, UserRow
from .debug import DebugLog
from .errors import LuciaError
from .ids import USER_ID_LENGTH, generate_random_string, is_plausible_id
from .key import Key, create_key_id, split_key_id
from .options import LuciaOptions
from .origin import check_request_origin
from .password import PasswordHashing, is_outdated_hash, normalize_password
from .renewal import Renewals
from .request import AuthRequest, read_bearer_token
from .session import Session
from .sessions import SessionMethods
from .token import OneTimeTokens, TokenMethods
from .user import User

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11


class Auth(SessionMethods, TokenMethods):
    """Users, keys and sessions, stored through an adapter. Build it with :func:`lucia`.

    Every method that talks to the database is async; database errors other than the
    :class:`LuciaError` codes documented per method propagate as the driver raised them.
    """

    def __init__(self, *, adapter: Adapter | Mapping[str, Any], **options: Unpack[LuciaOptions]) -> None:
        self.config: Configuration = build_configuration(options)
        self.adapter: Adapter = check_adapter(adapter)
        self.middleware: Middleware = check_middleware(options.get("middleware")) or plain_request_context
        self.passwords = PasswordHashing(options.get("password_hash"))
        self._debug = DebugLog(self.config.debug_mode)
        self._read_session_and_user = getattr(self.adapter, "get_session_and_user", None)
        self._renewals = Renewals()
        self._tokens = OneTimeTokens(self.adapter)

    # ----------------------------------------------------------------- transforms

    def transform_database_key(self, row: KeyRow) -> Key:
        """The :class:`Key` for a key row."""
        provider_id, provider_user_id = split_key_id(row["id"])
        return Key(
            user_id=row["user_id"],
            provider_id=provider_id,
            provider_user_id=provider_user_id,
            password_defined=row["hashed_password"] is not None,
        )

    # ----------------------------------------------------------------- users

    async def _user_row(self, user_id: str) -> UserRow:
        require_str("user_id", user_id)
        row = await self.adapter.get_user(user_id) if is_plausible_id(user_id) else None
        if row is None:
            raise LuciaError("AUTH_INVALID_USER_ID")
        return row

    async def get_user(self, user_id: str) -> User:
        """The user with this id; LuciaError AUTH_INVALID_USER_ID when there is none."""
        return self.transform_database_user(await self._user_row(user_id))

    async def create_user(
        self, *, key: Mapping[str, Any] | None, attributes: Mapping[str, Any], user_id: str | None = None
    ) -> User:
        """Create a user, and with ``key`` (``provider_id``, ``provider_user_id``, ``password``) its
        first key, atomically. The password (or None) is hashed. ``user_id`` defaults to 15 random
        characters of ``[a-z0-9]``. The :class:`User` is built before anything is stored, so an
        error in ``get_user_attributes`` leaves nothing behind.

        Raises AUTH_DUPLICATE_KEY_ID when the key exists (no user is created) and
        AUTH_INVALID_PASSWORD for an unacceptable password; a database error such as a duplicate
        unique attribute propagates.
        """
        row = attribute_columns("attributes", attributes, frozenset({"id"}))
        row["id"] = (
            generate_random_string(USER_ID_LENGTH) if user_id is None else require_new_id("user_id", user_id)
        )
        key_row: KeyRow | None = None
        if key is not None:
            if not isinstance(key, Mapping) or set(key) != {"provider_id", "provider_user_id", "password"}:
                raise ValueError('key must be None or {"provider_id", "provider_user_id", "password"}')
            key_row = await self._new_key_row(
                row["id"], key["provider_id"], key["provider_user_id"], key["password"]
            )
        user = self.transform_database_user(row)
        await self.adapter.set_user(row, key_row)
        return user

    async def update_user_attributes(self, user_id: str, attributes: Mapping[str, Any]) -> User:
        """Update the named attribute columns; the updated user, or AUTH_INVALID_USER_ID."""
        partial = attribute_columns("attributes", attributes, frozenset({"id"}))
        require_str("user_id", user_id)
        if not is_plausible_id(user_id):
            raise LuciaError("AUTH_INVALID_USER_ID")
        if partial:
            await self.adapter.update_user(user_id, partial)
        return await self.get_user(user_id)

    async def delete_user(self, user_id: str) -> None:
        """Delete the user's sessions, keys and tokens, then the user. Succeeds for unknown ids."""
        require_str("user_id", user_id)
        if not is_plausible_id(user_id):
            return
        await self.adapter.delete_sessions_by_user_id(user_id)
        await self.adapter.delete_keys_by_user_id(user_id)
        await self._tokens.delete_user_tokens(user_id)
        await self.adapter.delete_user(user_id)

    # ----------------------------------------------------------------- keys

    async def _new_key_row(
        self, user_id: str, provider_id: str, provider_user_id: str, password: str | None
    ) -> KeyRow:
        key_id = create_key_id(provider_id, provider_user_id)
        if not is_plausible_id(key_id):
            raise ValueError("the key id must be 1 to 255 characters without control characters")
        hashed = None
        if password is not None:
            hashed = await self.passwords.generate(normalize_password(password))
        return {"id": key_id, "user_id": user_id, "hashed_password": hashed}

    async def create_key(
        self, *, user_id: str, provider_id: str, provider_user_id: str, password: str | None
    ) -> Key:
        """Add a key to a user. AUTH_DUPLICATE_KEY_ID when it exists; AUTH_INVALID_USER_ID when the
        user does not (where the adapter can tell)."""
        require_str("user_id", user_id)
        if not is_plausible_id(user_id):
            raise LuciaError("AUTH_INVALID_USER_ID")
        row = await self._new_key_row(user_id, provider_id, provider_user_id, password)
        await self.adapter.set_key(row)
        return self.transform_database_key(row)

    async def use_key(self, provider_id: str, provider_user_id: str, password: str | None) -> Key:
        """Sign in with a key: check its password (or, for a key without one, its absence).

        Raises AUTH_INVALID_KEY_ID for an unknown key (after the same hashing work a wrong password
        costs, so timing does not reveal which keys exist), AUTH_INVALID_PASSWORD for a wrong,
        missing, unexpected or unacceptable password, and AUTH_OUTDATED_PASSWORD for a bcrypt hash
        from before Lucia v2. On success with a hash the hasher wants upgraded (a Lucia v2 scrypt
        hash, say), the key is rehashed and stored.
        """
        key_id = create_key_id(provider_id, provider_user_id)
        normalized = normalize_password(password) if password is not None else None
        row = await self.adapter.get_key(key_id) if is_plausible_id(key_id) else None
        if row is None:
            if normalized is not None:
                await self.passwords.spend_validation(normalized)
            self._debug("key %r not found", provider_id)
            raise LuciaError("AUTH_INVALID_KEY_ID")
        hashed = row["hashed_password"]
        if hashed is None or normalized is None:
            if hashed is None and normalized is None:
                self._debug("key %r used (no password)", provider_id)
                return self.transform_database_key(row)
            if normalized is not None:
                # A password for a key without one: spend what a wrong password costs, so that
                # timing does not tell this key from an unknown one.
                await self.passwords.spend_validation(normalized)
            self._debug("key %r: password %s", provider_id, "missing" if normalized is None else "unexpected")
            raise LuciaError("AUTH_INVALID_PASSWORD")
        if is_outdated_hash(hashed):
            self._debug("key %r has an outdated (bcrypt) hash", provider_id)
            raise LuciaError("AUTH_OUTDATED_PASSWORD")
        if not await self.passwords.validate(normalized, hashed):
            self._debug("key %r: invalid password", provider_id)
            raise LuciaError("AUTH_INVALID_PASSWORD")
        self._debug("key %r: password validated", provider_id)
        replace = getattr(self.adapter, "replace_key_password", None)
        if callable(replace) and await self.passwords.needs_rehash(hashed):
            # Compare-and-set: a password changed since the read above must stand, so the upgrade
            # is written only over the hash it was computed from. An adapter without the method
            # keeps its old hash: an unconditional write could undo a password change.
            rehashed = await self.passwords.generate(normalized)
            replaced = await replace(key_id, hashed, rehashed)
            self._debug("key %r: password %s", provider_id, "rehashed" if replaced else "changed meanwhile")
        return self.transform_database_key(row)

    async def get_key(self, provider_id: str, provider_user_id: str) -> Key:
        """The key; AUTH_INVALID_KEY_ID when there is none."""
        key_id = create_key_id(provider_id, provider_user_id)
        row = await self.adapter.get_key(key_id) if is_plausible_id(key_id) else None
        if row is None:
            raise LuciaError("AUTH_INVALID_KEY_ID")
        return self.transform_database_key(row)

    async def get_all_user_keys(self, user_id: str) -> list[Key]:
        """Every key of the user; AUTH_INVALID_USER_ID when the user does not exist."""
        require_str("user_id", user_id)
        if not is_plausible_id(user_id):
            raise LuciaError("AUTH_INVALID_USER_ID")
        user_row, rows = await asyncio.gather(
            self.adapter.get_user(user_id), self.adapter.get_keys_by_user_id(user_id)
        )
        if user_row is None:
            raise LuciaError("AUTH_INVALID_USER_ID")
        return [self.transform_database_key(row) for row in rows]

    async def update_key_password(self, provider_id: str, provider_user_id: str, password: str | None) -> Key:
        """Set (or with None, remove) the key's password; the key, or AUTH_INVALID_KEY_ID."""
        key_id = create_key_id(provider_id, provider_user_id)
        if not is_plausible_id(key_id):
            raise LuciaError("AUTH_INVALID_KEY_ID")
        hashed = await self.passwords.generate(normalize_password(password)) if password is not None else None
        await self.adapter.update_key(key_id, {"hashed_password": hashed})
        return await self.get_key(provider_id, provider_user_id)

    async def delete_key(self, provider_id: str, provider_user_id: str) -> None:
        """Delete the key. Succeeds for unknown keys."""
        key_id = create_key_id(provider_id, provider_user_id)
        if is_plausible_id(key_id):
            await self.adapter.delete_key(key_id)

    # ----------------------------------------------------------------- cookies, headers, requests

    def create_session_cookie(self, session: Session | None) -> Cookie:
        """The session cookie: ``HttpOnly``, ``SameSite=Lax``, ``Path=/`` (unless configured),
        ``Secure`` in PROD, expiring with the session's idle period (no expiry when
        ``session_cookie.expires`` is False). None gives a blank cookie that is already expired.
        """
        settings = self.config.session_cookie
        if session is None:
            return settings.blank()
        return settings.cookie(session.session_id, session.idle_period_expires_at)

    def read_session_cookie(self, cookie_header: str | None) -> str | None:
        """The session id in a ``Cookie`` header (its first session cookie), or None (absent, empty
        or malformed header)."""
        if not isinstance(cookie_header, str):
            return None
        return parse_cookie(cookie_header).get(self.config.session_cookie.name) or None

    def read_bearer_token(self, authorization_header: str | None) -> str | None:
        """The token of an ``Authorization: Bearer <token>`` header, or None for any other value."""
        return read_bearer_token(authorization_header)

    def validate_request_origin(self, request: RequestContext) -> None:
        """Raise AUTH_INVALID_REQUEST for a request, other than GET, HEAD, OPTIONS or TRACE, or a
        WebSocket handshake, whose ``Origin`` is not the host's (the configured ``host``, else the
        ``host_header``, else the host of the request's URL) or an allowed subdomain's. No-op
        when CSRF protection is off."""
        check_request_origin(self.config.csrf, request, self._debug)

    def handle_request(self, *args: Any) -> AuthRequest:
        """An :class:`AuthRequest` for the framework request ``args``, via the configured middleware."""
        return AuthRequest(self, self.middleware(*args))


def lucia(*, adapter: Adapter | Mapping[str, Any], **options: Unpack[LuciaOptions]) -> Auth:
    """Build an :class:`Auth`. Every option (see :class:`~lucia_core.options.LuciaOptions`) is
    checked here: TypeError / ValueError naming it and saying what it expects."""
    return Auth(adapter=adapter, **options)


__all__ = ["Auth", "lucia"]
