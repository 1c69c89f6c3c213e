"""The :class:`Auth` object: users, keys and sessions over an adapter."""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from .adapter import Adapter, resolve_adapter
from .configuration import Configuration, build_configuration
from .cookie import Cookie, CookieAttributes, parse_cookie
from .database import SESSION_COLUMNS, KeyRow, SessionRow, UserRow
from .debug import DebugLog, redact
from .errors import LuciaError
from .expiration import ms_to_datetime, now_ms
from .ids import SESSION_ID_LENGTH, USER_ID_LENGTH, generate_random_string, is_plausible_id
from .key import Key, create_key_id, split_key_id
from .middleware import Middleware, MiddlewareRequest
from .middleware import lucia as default_middleware
from .origin import SAFE_METHODS, is_allowed_origin
from .password import PasswordHasher, PasswordHashing, is_outdated_hash, normalize_password
from .request import AuthRequest, RequestContext
from .session import Session, SessionState, new_expirations, session_state
from .token import OneTimeTokens, Token
from .user import User

# RFC 6750 b64token: the only shape a bearer credential can have.
# ASCII: with Unicode case folding, [A-Za-z] would also match the Kelvin sign and the long s.
_BEARER = re.compile(r"[ \t]*Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*", re.IGNORECASE | re.ASCII)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# How many renewals an Auth remembers after they are written (see Auth._renew).
_REMEMBERED_RENEWALS = 1024


def _require_str(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _attributes(name: str, value: object, reserved: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict")
    if not all(isinstance(k, str) for k in value):
        raise TypeError(f"{name} keys must be str")
    clash = reserved.intersection(value)
    if clash:
        raise ValueError(f"{name} must not set {', '.join(sorted(clash))}")
    return dict(value)


class Auth:
    """Users, keys and sessions, stored through an adapter. Build it with :func:`lucia`.

    Every method that talks to the database is async; database errors other than the
    :class:`LuciaError` codes documented per method propagate as the driver raised them.
    """

    def __init__(
        self,
        *,
        adapter: Adapter | Mapping[str, Any],
        env: str = "DEV",
        middleware: Middleware | None = None,
        csrf_protection: bool | Mapping[str, Any] = True,
        session_expires_in: Mapping[str, timedelta] | None = None,
        session_cookie: Mapping[str, Any] | None = None,
        get_user_attributes: Callable[[UserRow], Mapping[str, Any]] | None = None,
        get_session_attributes: Callable[[SessionRow], Mapping[str, Any]] | None = None,
        password_hash: PasswordHasher | Mapping[str, Any] | None = None,
        experimental: Mapping[str, Any] | None = None,
    ) -> None:
        self.adapter: Adapter = resolve_adapter(adapter)
        self.config: Configuration = build_configuration(
            env=env,
            csrf_protection=csrf_protection,
            session_expires_in=session_expires_in,
            session_cookie=session_cookie,
            get_user_attributes=get_user_attributes,
            get_session_attributes=get_session_attributes,
            experimental=experimental,
        )
        if middleware is not None and not callable(middleware):
            raise TypeError("middleware must be callable")
        self.middleware: Middleware = middleware or default_middleware()
        self.passwords = PasswordHashing(password_hash)
        self._debug = DebugLog(self.config.debug_mode)
        self._read_session_and_user = getattr(self.adapter, "get_session_and_user", None)
        # Renewals by (session id, the expirations they replace); the latest ones are remembered.
        self._renewals: OrderedDict[tuple[str, int, int], asyncio.Future[tuple[int, int]]] = OrderedDict()
        self._tokens = OneTimeTokens(self.adapter)

    # ----------------------------------------------------------------- transforms

    def transform_database_user(self, row: UserRow) -> User:
        """The :class:`User` for a user row."""
        return User(user_id=row["id"], attributes=self.config.get_user_attributes(row))

    def transform_database_key(self, row: KeyRow) -> Key:
        """The :class:`Key` for a key row."""
        provider_id, provider_user_id = split_key_id(row["id"])
        return Key(
            user_id=row["user_id"],
            provider_id=provider_id,
            provider_user_id=provider_user_id,
            password_defined=row["hashed_password"] is not None,
        )

    def transform_database_session(
        self, row: SessionRow, *, user: User, fresh: bool, state: SessionState | None = None
    ) -> Session:
        """The :class:`Session` for a session row whose user is ``user``.

        ``state`` defaults to the row's state now; a dead row raises AUTH_INVALID_SESSION_ID.
        """
        state = state or session_state(row)
        if state is None:
            raise LuciaError("AUTH_INVALID_SESSION_ID")
        return Session(
            session_id=row["id"],
            user=user,
            active_period_expires_at=ms_to_datetime(row["active_expires"]),
            idle_period_expires_at=ms_to_datetime(row["idle_expires"]),
            state=state,
            fresh=fresh,
            attributes=self.config.get_session_attributes(row),
        )

    # ----------------------------------------------------------------- users

    async def _user_row(self, user_id: str) -> UserRow:
        _require_str("user_id", user_id)
        row = await self.adapter.get_user(user_id) if is_plausible_id(user_id) else None
        if row is None:
            raise LuciaError("AUTH_INVALID_USER_ID")
        return row

    async def get_user(self, user_id: str) -> User:
        """The user with this id; LuciaError AUTH_INVALID_USER_ID when there is none."""
        return self.transform_database_user(await self._user_row(user_id))

    async def create_user(
        self,
        *,
        key: Mapping[str, Any] | None,
        attributes: Mapping[str, Any],
        user_id: str | None = None,
    ) -> User:
        """Create a user, and with ``key`` (``provider_id``, ``provider_user_id``, ``password``) its
        first key, atomically. The password (or None) is hashed. ``user_id`` defaults to 15 random
        characters of ``[a-z0-9]``.

        Raises AUTH_DUPLICATE_KEY_ID when the key exists (no user is created) and
        AUTH_INVALID_PASSWORD for an unacceptable password; a database error such as a duplicate
        unique attribute propagates.
        """
        row = _attributes("attributes", attributes, frozenset({"id"}))
        if user_id is None:
            user_id = generate_random_string(USER_ID_LENGTH)
        elif not is_plausible_id(_require_str("user_id", user_id)):
            raise ValueError("user_id must be 1 to 255 characters without control characters")
        row["id"] = user_id
        key_row: KeyRow | None = None
        if key is not None:
            if not isinstance(key, Mapping) or set(key) != {"provider_id", "provider_user_id", "password"}:
                raise ValueError('key must be None or {"provider_id", "provider_user_id", "password"}')
            key_row = await self._new_key_row(
                user_id, key["provider_id"], key["provider_user_id"], key["password"]
            )
        await self.adapter.set_user(row, key_row)
        return self.transform_database_user(row)

    async def update_user_attributes(self, user_id: str, attributes: Mapping[str, Any]) -> User:
        """Update the named attribute columns; the updated user, or AUTH_INVALID_USER_ID."""
        partial = _attributes("attributes", attributes, frozenset({"id"}))
        _require_str("user_id", user_id)
        if not is_plausible_id(user_id):
            raise LuciaError("AUTH_INVALID_USER_ID")
        if partial:
            await self.adapter.update_user(user_id, partial)
        return await self.get_user(user_id)

    async def delete_user(self, user_id: str) -> None:
        """Delete the user's sessions, keys and tokens, then the user. Succeeds for unknown ids."""
        _require_str("user_id", user_id)
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
        _require_str("user_id", user_id)
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
        if await self.passwords.needs_rehash(hashed):
            rehashed = await self.passwords.generate(normalized)
            await self.adapter.update_key(key_id, {"hashed_password": rehashed})
            self._debug("key %r: password rehashed with the current hasher", provider_id)
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
        _require_str("user_id", user_id)
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

    # ----------------------------------------------------------------- sessions

    async def create_session(
        self, *, user_id: str, attributes: Mapping[str, Any], session_id: str | None = None
    ) -> Session:
        """Create and store a session for the user; ``session_id`` defaults to 40 random characters
        of ``[a-z0-9]``. AUTH_INVALID_USER_ID when the user does not exist (nothing is left stored).
        """
        row: SessionRow = _attributes("attributes", attributes, SESSION_COLUMNS)
        _require_str("user_id", user_id)
        if session_id is None:
            session_id = generate_random_string(SESSION_ID_LENGTH)
        elif not is_plausible_id(_require_str("session_id", session_id)):
            raise ValueError("session_id must be 1 to 255 characters without control characters")
        if not is_plausible_id(user_id):
            raise LuciaError("AUTH_INVALID_USER_ID")
        active_expires, idle_expires = new_expirations(self.config.active_period, self.config.idle_period)
        row.update(id=session_id, user_id=user_id, active_expires=active_expires, idle_expires=idle_expires)
        # Both calls in parallel: one round trip of latency. If the user turns out not to exist
        # (an adapter that cannot enforce foreign keys), the stored session is removed again.
        user_row, stored = await asyncio.gather(
            self.adapter.get_user(user_id), self.adapter.set_session(row), return_exceptions=True
        )
        if isinstance(stored, BaseException):
            raise stored
        if isinstance(user_row, BaseException) or user_row is None:
            await self.adapter.delete_session(session_id)
            if isinstance(user_row, BaseException):
                raise user_row
            raise LuciaError("AUTH_INVALID_USER_ID")
        self._debug("session %s created", redact(session_id))
        return self.transform_database_session(
            row, user=self.transform_database_user(user_row), fresh=True, state="active"
        )

    async def _live_session_and_user(self, session_id: str) -> tuple[SessionRow, UserRow, SessionState]:
        _require_str("session_id", session_id)
        if not is_plausible_id(session_id):
            self._debug("session id rejected: not a plausible id")
            raise LuciaError("AUTH_INVALID_SESSION_ID")
        if self._read_session_and_user is not None:
            session_row, user_row = await self._read_session_and_user(session_id)
            state = session_state(session_row) if session_row is not None else None
        else:
            session_row = await self.adapter.get_session(session_id)
            state = session_state(session_row) if session_row is not None else None
            user_row = await self.adapter.get_user(session_row["user_id"]) if session_row and state else None
        if session_row is None:
            self._debug("session %s not found", redact(session_id))
            raise LuciaError("AUTH_INVALID_SESSION_ID")
        if state is None:
            self._debug("session %s expired (dead)", redact(session_id))
            raise LuciaError("AUTH_INVALID_SESSION_ID")
        if user_row is None:
            self._debug("session %s belongs to a missing user", redact(session_id))
            raise LuciaError("AUTH_INVALID_SESSION_ID")
        return session_row, user_row, state

    async def validate_session(self, session_id: str) -> Session:
        """The session if it is live. An active session is returned as is, after one adapter call
        and no write; an idle one has both expirations renewed and stored and comes back with
        ``fresh=True``. A dead, missing or malformed id raises AUTH_INVALID_SESSION_ID.
        """
        session_row, user_row, state = await self._live_session_and_user(session_id)
        user = self.transform_database_user(user_row)
        if state == "active":
            if self._debug.enabled:  # redact() is not free: skip it when nothing is logged
                self._debug("session %s validated (active)", redact(session_id))
            return self.transform_database_session(session_row, user=user, fresh=False, state="active")
        active_expires, idle_expires = await self._renew(session_row)
        renewed = {**session_row, "active_expires": active_expires, "idle_expires": idle_expires}
        self._debug("session %s was idle: renewed", redact(session_id))
        return self.transform_database_session(renewed, user=user, fresh=True, state="active")

    async def _renew(self, session_row: SessionRow) -> tuple[int, int]:
        # Validations of one idle session share a single renewal (one write): those that read
        # the idle row while it was being renewed, and also those whose read of it returns after
        # the renewal was written (a read sent before the write can be answered after it). So a
        # renewal is known by the expirations it replaces, and is remembered once written.
        session_id = session_row["id"]
        key = (session_id, session_row["active_expires"], session_row["idle_expires"])
        known = self._renewals.get(key)
        if known is not None:
            return await asyncio.shield(known)
        future: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()
        self._renewals[key] = future
        if len(self._renewals) > _REMEMBERED_RENEWALS:
            self._renewals.popitem(last=False)
        try:
            expirations = new_expirations(self.config.active_period, self.config.idle_period)
            await self.adapter.update_session(
                session_id, {"active_expires": expirations[0], "idle_expires": expirations[1]}
            )
        except BaseException as error:
            if self._renewals.get(key) is future:  # a failed renewal is not remembered
                del self._renewals[key]
            future.set_exception(error)
            future.exception()  # retrieved: waiters re-raise it; no "never retrieved" warning
            raise
        future.set_result(expirations)
        return expirations

    async def get_session(self, session_id: str) -> Session:
        """Like :meth:`validate_session` but never renews: the session may come back idle."""
        session_row, user_row, state = await self._live_session_and_user(session_id)
        return self.transform_database_session(
            session_row, user=self.transform_database_user(user_row), fresh=False, state=state
        )

    async def get_all_user_sessions(self, user_id: str) -> list[Session]:
        """The user's live (active or idle) sessions; AUTH_INVALID_USER_ID for an unknown user."""
        _require_str("user_id", user_id)
        if not is_plausible_id(user_id):
            raise LuciaError("AUTH_INVALID_USER_ID")
        user_row, rows = await asyncio.gather(
            self.adapter.get_user(user_id), self.adapter.get_sessions_by_user_id(user_id)
        )
        if user_row is None:
            raise LuciaError("AUTH_INVALID_USER_ID")
        user = self.transform_database_user(user_row)
        now = now_ms()
        sessions = []
        for row in rows:
            state = session_state(row, now)
            if state is not None:
                sessions.append(self.transform_database_session(row, user=user, fresh=False, state=state))
        return sessions

    async def update_session_attributes(self, session_id: str, attributes: Mapping[str, Any]) -> Session:
        """Update the named session attribute columns; the updated session, or
        AUTH_INVALID_SESSION_ID."""
        partial = _attributes("attributes", attributes, SESSION_COLUMNS)
        _require_str("session_id", session_id)
        if not is_plausible_id(session_id):
            raise LuciaError("AUTH_INVALID_SESSION_ID")
        if partial:
            await self.adapter.update_session(session_id, partial)
        return await self.get_session(session_id)

    async def invalidate_session(self, session_id: str) -> None:
        """Delete the session. Succeeds for unknown ids."""
        _require_str("session_id", session_id)
        if is_plausible_id(session_id):
            await self.adapter.delete_session(session_id)
            self._debug("session %s invalidated", redact(session_id))

    async def invalidate_all_user_sessions(self, user_id: str) -> None:
        """Delete every session of the user. Succeeds for unknown ids."""
        _require_str("user_id", user_id)
        if is_plausible_id(user_id):
            await self.adapter.delete_sessions_by_user_id(user_id)

    async def delete_dead_user_sessions(self, user_id: str) -> None:
        """Delete the user's dead sessions (every deletion awaited). Succeeds for unknown ids."""
        _require_str("user_id", user_id)
        if not is_plausible_id(user_id):
            return
        rows = await self.adapter.get_sessions_by_user_id(user_id)
        now = now_ms()
        dead = [row["id"] for row in rows if session_state(row, now) is None]
        await asyncio.gather(*(self.adapter.delete_session(session_id) for session_id in dead))

    # ----------------------------------------------------------------- one-time tokens and codes

    async def create_token(
        self,
        *,
        user_id: str,
        purpose: str,
        expires_in: timedelta,
        attributes: Mapping[str, Any] | None = None,
    ) -> str:
        """A new single-use token for the user (a password reset link, say): returns its secret, 40
        characters of ``[a-z0-9]``; only its SHA-256 is stored. The user's other tokens of that
        purpose are deleted. AUTH_INVALID_USER_ID for an unknown user."""
        return await self._tokens.create_token(
            user_id=user_id, purpose=purpose, expires_in=expires_in, attributes=attributes
        )

    async def use_token(self, token: str, *, purpose: str) -> Token:
        """Use a token once: its :class:`Token`. AUTH_INVALID_TOKEN when unknown, used or of another
        purpose (which leaves it unused); AUTH_EXPIRED_TOKEN when expired (it is deleted)."""
        return await self._tokens.use_token(token, purpose=purpose)

    async def create_code(
        self,
        *,
        user_id: str,
        purpose: str,
        expires_in: timedelta,
        length: int = 8,
        attributes: Mapping[str, Any] | None = None,
    ) -> str:
        """A new single-use code of ``length`` random digits (6 to 64) for the user, replacing the
        user's other tokens of that purpose; stored only as a SHA-256 of user id, purpose and code."""
        return await self._tokens.create_code(
            user_id=user_id, purpose=purpose, expires_in=expires_in, length=length, attributes=attributes
        )

    async def use_code(self, *, user_id: str, purpose: str, code: str) -> Token:
        """Use the user's code once, compared in constant time: its :class:`Token`. A wrong code gives
        AUTH_INVALID_TOKEN and the 5th wrong one (counted by this Auth) deletes the code; an expired
        one gives AUTH_EXPIRED_TOKEN. Across processes, throttle it per user."""
        return await self._tokens.use_code(user_id=user_id, purpose=purpose, code=code)

    async def invalidate_user_tokens(self, user_id: str, purpose: str | None = None) -> None:
        """Delete the user's tokens and codes (of ``purpose`` only, when given). Succeeds for unknown ids."""
        await self._tokens.invalidate_user_tokens(user_id, purpose)

    # ----------------------------------------------------------------- cookies, headers, requests

    def create_session_cookie(self, session: Session | None) -> Cookie:
        """The session cookie: ``HttpOnly``, ``SameSite=Lax``, ``Path=/`` (unless configured),
        ``Secure`` in PROD, expiring with the session's idle period (no expiry when
        ``session_cookie.expires`` is False). None gives a blank cookie that is already expired.
        """
        options = self.config.session_cookie
        attributes = CookieAttributes(same_site="lax", path="/")
        attributes.update(options.attributes or {})
        attributes["http_only"] = True
        attributes["secure"] = self.config.env == "PROD"
        if session is None:
            attributes["expires"] = _EPOCH
            attributes["max_age"] = 0
            return Cookie(options.name, "", attributes)
        if options.expires:
            attributes["expires"] = session.idle_period_expires_at
        return Cookie(options.name, session.session_id, attributes)

    def read_session_cookie(self, cookie_header: str | None) -> str | None:
        """The session id in a ``Cookie`` header, or None (absent, empty or malformed header)."""
        if not isinstance(cookie_header, str):
            return None
        value = parse_cookie(cookie_header).get(self.config.session_cookie.name)
        return value or None

    def read_bearer_token(self, authorization_header: str | None) -> str | None:
        """The token of an ``Authorization: Bearer <token>`` header, or None for any other value."""
        if not isinstance(authorization_header, str) or len(authorization_header) > 4096:
            return None
        match = _BEARER.fullmatch(authorization_header)
        return match.group(1) if match else None

    def validate_request_origin(self, request: RequestContext) -> None:
        """Raise AUTH_INVALID_REQUEST for a request whose method is not GET, HEAD, OPTIONS or TRACE
        and whose ``Origin`` is not the host's (or an allowed subdomain's). No-op when CSRF
        protection is off."""
        csrf = self.config.csrf
        method = request.method
        if csrf is None or (method.isascii() and method.upper() in SAFE_METHODS):
            return
        origin = request.header("origin")
        host = csrf.host if csrf.host is not None else request.header(csrf.host_header)
        if not is_allowed_origin(origin, host, csrf.allowed_sub_domains):
            self._debug("CSRF check failed: origin %r is not host %r", origin, host)
            raise LuciaError("AUTH_INVALID_REQUEST")

    def handle_request(self, *args: Any) -> AuthRequest:
        """An :class:`AuthRequest` for the framework request ``args``, via the configured middleware."""
        context = self.middleware(
            MiddlewareRequest(
                args=args, env=self.config.env, session_cookie_name=self.config.session_cookie.name
            )
        )
        return AuthRequest(self, context)


def lucia(
    *,
    adapter: Adapter | Mapping[str, Any],
    env: str = "DEV",
    middleware: Middleware | None = None,
    csrf_protection: bool | Mapping[str, Any] = True,
    session_expires_in: Mapping[str, timedelta] | None = None,
    session_cookie: Mapping[str, Any] | None = None,
    get_user_attributes: Callable[[UserRow], Mapping[str, Any]] | None = None,
    get_session_attributes: Callable[[SessionRow], Mapping[str, Any]] | None = None,
    password_hash: PasswordHasher | Mapping[str, Any] | None = None,
    experimental: Mapping[str, Any] | None = None,
) -> Auth:
    """Build an :class:`Auth`. Every option is checked here (TypeError / ValueError naming it)."""
    return Auth(
        adapter=adapter,
        env=env,
        middleware=middleware,
        csrf_protection=csrf_protection,
        session_expires_in=session_expires_in,
        session_cookie=session_cookie,
        get_user_attributes=get_user_attributes,
        get_session_attributes=get_session_attributes,
        password_hash=password_hash,
        experimental=experimental,
    )


__all__ = ["Auth", "lucia"]
