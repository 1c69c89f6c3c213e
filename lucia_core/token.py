"""One-time tokens and codes (email verification, password reset): the :class:`Token` value and
:class:`OneTimeTokens`, the work behind ``Auth.create_token`` / ``use_token`` / ``create_code`` /
``use_code`` / ``invalidate_user_tokens``.

Only the SHA-256 hex of a secret is stored, so a leaked table gives no usable token. A token's
row id is the hash of its secret; a code's row id is the hash of the user id, the purpose and
the code, so that short codes of different users do not collide and a code cannot be found by
hashing every code alone.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, cast

from .adapter import TokenAdapter, UserAdapter, has_tokens
from .database import TOKEN_COLUMNS, TokenRow
from .errors import LuciaError
from .expiration import ms_to_datetime, now_ms
from .ids import generate_random_string, is_plausible_id

#: A token's secret: 40 characters of ``[a-z0-9]`` (about 206 bits), like a session id.
TOKEN_LENGTH = 40
#: Wrong codes a code survives: the 5th wrong one deletes it.
MAX_CODE_ATTEMPTS = 5
#: Codes whose wrong attempts an ``Auth`` remembers (the oldest are forgotten first).
REMEMBERED_CODES = 10_000
#: Shortest and longest code ``create_code`` makes; fewer than 6 digits is too easy to guess.
MIN_CODE_LENGTH, MAX_CODE_LENGTH = 6, 64

_DIGITS = "0123456789"
# Longer than any secret or code this module hands out: refused before any hashing or database work.
_MAX_SECRET_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Token:
    """A used one-time token: whose it was, what for, until when, and its attribute columns.

    ``expires_at`` is a timezone-aware UTC datetime. Immutable; it holds no secret.
    """

    user_id: str
    purpose: str
    expires_at: datetime
    attributes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__} | {
            "attributes": dict(self.attributes)
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "attributes", MappingProxyType(state["attributes"]))


def hash_secret(secret: str) -> str:
    """The row id of a token: the SHA-256 hex of its secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def code_id(user_id: str, purpose: str, code: str) -> str:
    """The row id of a code: the SHA-256 hex of the user id, the purpose and the code, each
    length-prefixed so that no two different triples encode alike."""
    digest = hashlib.sha256(b"lucia-code")
    for part in (user_id, purpose, code):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(b"%d:" % len(data) + data)
    return digest.hexdigest()


def _check_str(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _purpose(value: object) -> str:
    if not is_plausible_id(_check_str("purpose", value)):
        raise ValueError("purpose must be 1 to 255 characters without control characters")
    return cast(str, value)


def _expires(expires_in: object) -> int:
    if not isinstance(expires_in, timedelta):
        raise TypeError(f"expires_in must be a datetime.timedelta, not {type(expires_in).__name__}")
    if expires_in <= timedelta(0):
        raise ValueError("expires_in must be positive")
    return now_ms() + expires_in // timedelta(milliseconds=1)


def _attributes(value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise TypeError("attributes must be a dict with str keys")
    clash = TOKEN_COLUMNS.intersection(value)
    if clash:
        raise ValueError(f"attributes must not set {', '.join(sorted(clash))}")
    return dict(value)


def _is_expired(row: TokenRow, now: int) -> bool:
    expires = row.get("expires")
    # A corrupt expiry (not an int) counts as expired: fail closed.
    return not isinstance(expires, int) or isinstance(expires, bool) or expires <= now


class OneTimeTokens:
    """Tokens and codes over an adapter that implements :class:`TokenAdapter`.

    Owned by an ``Auth``; it also holds that ``Auth``'s count of wrong codes (per process,
    at most :data:`REMEMBERED_CODES` codes remembered).
    """

    def __init__(self, adapter: object) -> None:
        self._adapter = cast(TokenAdapter, adapter) if has_tokens(adapter) else None
        self._get_user = cast(UserAdapter, adapter).get_user
        # Wrong attempts per code row id. A code that reached MAX_CODE_ATTEMPTS stays listed (and
        # refused) until forgotten, so uses that read it before it was deleted are refused too.
        self._failures: OrderedDict[str, int] = OrderedDict()

    @property
    def adapter(self) -> TokenAdapter:
        """The token adapter; TypeError when the ``Auth``'s adapter stores no tokens."""
        if self._adapter is None:
            raise TypeError(
                "this Auth's adapter does not implement TokenAdapter (get_token, consume_token, ...):"
                ' give lucia(adapter={"user": ..., "session": ..., "token": ...}) a token adapter'
            )
        return self._adapter

    async def _store(self, user_id: str, purpose: str, row: TokenRow) -> None:
        """Replace the user's tokens of ``purpose`` with ``row``. AUTH_INVALID_USER_ID for a missing
        user, also where the token backend cannot tell (Redis) but the user adapter can."""
        adapter = self.adapter
        if not is_plausible_id(_check_str("user_id", user_id)):
            raise LuciaError("AUTH_INVALID_USER_ID")
        await adapter.delete_tokens_by_user_id(user_id, purpose)
        # Both in parallel, as create_session does: one round trip; the token is removed again
        # when the user turns out not to exist.
        user_row, stored = await asyncio.gather(
            self._get_user(user_id), adapter.set_token(row), return_exceptions=True
        )
        if isinstance(stored, BaseException):
            raise stored
        if isinstance(user_row, BaseException) or user_row is None:
            await adapter.consume_token(row["id"])
            if isinstance(user_row, BaseException):
                raise user_row
            raise LuciaError("AUTH_INVALID_USER_ID")

    async def create_token(
        self, *, user_id: str, purpose: str, expires_in: timedelta, attributes: Mapping[str, Any] | None
    ) -> str:
        """Store a new token (see ``Auth.create_token``) and return its secret."""
        row = _attributes(attributes)
        secret = generate_random_string(TOKEN_LENGTH)
        row.update(
            id=hash_secret(secret), user_id=user_id, purpose=_purpose(purpose), expires=_expires(expires_in)
        )
        await self._store(user_id, purpose, row)
        return secret

    async def use_token(self, token: str, *, purpose: str) -> Token:
        """Use a token once (see ``Auth.use_token``)."""
        _purpose(purpose)
        if not 0 < len(_check_str("token", token)) <= _MAX_SECRET_LENGTH:
            raise LuciaError("AUTH_INVALID_TOKEN")
        token_id = hash_secret(token)
        row = await self.adapter.get_token(token_id)
        # A token of another purpose is left as it is: a reset link is no verification link.
        if row is None or row.get("purpose") != purpose:
            raise LuciaError("AUTH_INVALID_TOKEN")
        return await self._consume(token_id)

    async def _consume(self, token_id: str) -> Token:
        row = await self.adapter.consume_token(token_id)
        if row is None:  # used meanwhile by a concurrent call
            raise LuciaError("AUTH_INVALID_TOKEN")
        if _is_expired(row, now_ms()):
            raise LuciaError("AUTH_EXPIRED_TOKEN")
        return Token(
            user_id=row["user_id"],
            purpose=row["purpose"],
            expires_at=ms_to_datetime(row["expires"]),
            attributes={name: value for name, value in row.items() if name not in TOKEN_COLUMNS},
        )

    async def create_code(
        self,
        *,
        user_id: str,
        purpose: str,
        expires_in: timedelta,
        length: int,
        attributes: Mapping[str, Any] | None,
    ) -> str:
        """Store a new code (see ``Auth.create_code``) and return it."""
        if not isinstance(length, int) or isinstance(length, bool):
            raise TypeError("length must be an int")
        if not MIN_CODE_LENGTH <= length <= MAX_CODE_LENGTH:
            raise ValueError(f"length must be from {MIN_CODE_LENGTH} to {MAX_CODE_LENGTH} digits")
        row = _attributes(attributes)
        code = generate_random_string(length, _DIGITS)
        _check_str("user_id", user_id)
        row.update(
            id=code_id(user_id, _purpose(purpose), code),
            user_id=user_id,
            purpose=purpose,
            expires=_expires(expires_in),
        )
        await self._store(user_id, purpose, row)
        return code

    async def use_code(self, *, user_id: str, purpose: str, code: str) -> Token:
        """Use a code once (see ``Auth.use_code``)."""
        _check_str("user_id", user_id)
        _purpose(purpose)
        _check_str("code", code)
        if not is_plausible_id(user_id) or not 0 < len(code) <= _MAX_SECRET_LENGTH:
            raise LuciaError("AUTH_INVALID_TOKEN")
        rows = [
            row for row in await self.adapter.get_tokens_by_user_id(user_id) if row.get("purpose") == purpose
        ]
        # From here to the decision nothing awaits: concurrent guesses are judged one at a time,
        # each seeing the failures counted before it, so a burst cannot exceed the limit.
        expected = code_id(user_id, purpose, code)
        matched = None
        for row in rows:
            if self._failures.get(row["id"], 0) >= MAX_CODE_ATTEMPTS:
                continue
            if hmac.compare_digest(expected.encode(), str(row["id"]).encode()):
                matched = row
        if matched is not None:
            self._failures.pop(matched["id"], None)
            return await self._consume(matched["id"])
        exhausted = [row["id"] for row in rows if self._fail(row["id"])]
        for row_id in exhausted:
            await self.adapter.consume_token(row_id)
        raise LuciaError("AUTH_INVALID_TOKEN")

    def _fail(self, row_id: str) -> bool:
        """Count a wrong code against a stored code; True when that was its last allowed attempt."""
        failures = self._failures.get(row_id, 0)
        if failures >= MAX_CODE_ATTEMPTS:
            return False  # deleted already, by the attempt that exhausted it
        self._failures[row_id] = failures + 1
        self._failures.move_to_end(row_id)
        while len(self._failures) > REMEMBERED_CODES:
            self._failures.popitem(last=False)
        return failures + 1 >= MAX_CODE_ATTEMPTS

    async def invalidate_user_tokens(self, user_id: str, purpose: str | None) -> None:
        """Delete the user's tokens (of ``purpose`` only, when given)."""
        _check_str("user_id", user_id)
        if purpose is not None:
            _purpose(purpose)
        if is_plausible_id(user_id):
            await self.adapter.delete_tokens_by_user_id(user_id, purpose)

    async def delete_user_tokens(self, user_id: str) -> None:
        """``delete_user``'s step: every token of the user, when the adapter stores tokens."""
        if self._adapter is not None:
            await self._adapter.delete_tokens_by_user_id(user_id)


class TokenMethods:
    """What :class:`~lucia_core.Auth` does with one-time tokens and codes; its constructor sets
    ``_tokens``."""

    _tokens: OneTimeTokens

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
        """Delete the user's tokens and codes (of ``purpose`` only, when given). Succeeds for unknown
        ids."""
        await self._tokens.invalidate_user_tokens(user_id, purpose)
