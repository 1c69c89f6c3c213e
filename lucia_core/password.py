"""Password hashing: Argon2id by default, Lucia v2 scrypt hashes still accepted, hashes upgraded.

A password hasher is any object (or dict) with ``generate(password) -> str`` and
``validate(password, hash) -> bool``, sync or async; sync ones run in a worker thread. It may also
have ``needs_rehash(hash) -> bool``: after a successful sign-in with a hash for which it answers
True, the key is rehashed with ``generate`` and stored.
"""

from __future__ import annotations

import inspect
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from .errors import LuciaError
from .scrypt import is_lucia_password_hash, validate_lucia_password_hash_sync
from .threads import run_blocking

#: Longest password accepted, in UTF-8 bytes, checked before any hashing work so that huge inputs
#: cannot pin the CPU (Argon2 and scrypt would otherwise digest every byte).
MAX_PASSWORD_BYTES = 4096

# bcrypt hashes ("$2a$", "$2b$", "$2y$") came from Lucia before v2 and cannot be validated here.
_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


@runtime_checkable
class PasswordHasher(Protocol):
    """What ``lucia(password_hash=...)`` accepts. Methods may be sync or async."""

    def generate(self, password: str) -> str | Awaitable[str]:
        """Return a new hash of ``password``."""
        ...

    def validate(self, password: str, hash: str) -> bool | Awaitable[bool]:
        """True when ``password`` matches ``hash``; False for a mismatch or an unknown format."""
        ...


def normalize_password(password: str) -> str:
    """Check and NFKC-normalize a password before it is hashed or validated.

    Raises TypeError for a non-str and LuciaError("AUTH_INVALID_PASSWORD") for one longer than
    :data:`MAX_PASSWORD_BYTES` UTF-8 bytes (before or after normalization) or one that is not valid
    Unicode text (lone surrogates).
    """
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    # Cheap bound first: a UTF-8 character is at most 4 bytes.
    if len(password) > MAX_PASSWORD_BYTES:
        raise LuciaError("AUTH_INVALID_PASSWORD", "password is too long")
    normalized = unicodedata.normalize("NFKC", password)
    try:
        size = len(normalized.encode("utf-8"))
    except UnicodeEncodeError:
        raise LuciaError("AUTH_INVALID_PASSWORD", "password is not valid Unicode text") from None
    if size > MAX_PASSWORD_BYTES:
        raise LuciaError("AUTH_INVALID_PASSWORD", "password is too long")
    return normalized


def is_outdated_hash(hash: str) -> bool:
    """True for hash formats that can no longer be validated (bcrypt from before Lucia v2)."""
    return hash.startswith(_BCRYPT_PREFIXES)


class Argon2idHasher:
    """The default hasher: Argon2id through argon2-cffi, run in a worker thread.

    The defaults (t=3, m=64 MiB, p=4: RFC 9106's low-memory profile) are above OWASP's current
    minimum for Argon2id (m=19 MiB, t=2, p=1). ``validate`` also accepts Lucia v2's scrypt hashes
    (``s2:salt:key`` and the older ``salt:key``); ``needs_rehash`` is True for those and for
    Argon2 hashes made with other parameters, so they are upgraded at the next sign-in.
    """

    def __init__(self, *, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 4) -> None:
        if time_cost < 2 or memory_cost < 19456 or parallelism < 1:
            raise ValueError("Argon2id parameters below OWASP's minimum (t>=2, m>=19456 KiB, p>=1)")
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )

    @property
    def parameters(self) -> dict[str, int]:
        """The Argon2id parameters in force: ``time_cost``, ``memory_cost`` (KiB), ``parallelism``."""
        return {
            "time_cost": self._hasher.time_cost,
            "memory_cost": self._hasher.memory_cost,
            "parallelism": self._hasher.parallelism,
        }

    def generate_sync(self, password: str) -> str:
        """Blocking form of :meth:`generate`."""
        return self._hasher.hash(password)

    def validate_sync(self, password: str, hash: str) -> bool:
        """Blocking form of :meth:`validate`."""
        if hash.startswith("$argon2"):
            try:
                return self._hasher.verify(hash, password)
            except (VerificationError, InvalidHashError):
                return False
        if is_lucia_password_hash(hash):
            return validate_lucia_password_hash_sync(password, hash)
        return False

    async def generate(self, password: str) -> str:
        """Return a new Argon2id hash of ``password``."""
        return await run_blocking(self.generate_sync, password)

    async def validate(self, password: str, hash: str) -> bool:
        """True when ``password`` matches an Argon2 or Lucia v2 scrypt ``hash``; else False."""
        return await run_blocking(self.validate_sync, password, hash)

    def needs_rehash(self, hash: str) -> bool:
        """True unless ``hash`` is Argon2id with exactly the current parameters."""
        if not hash.startswith("$argon2id$"):
            return True
        try:
            return self._hasher.check_needs_rehash(hash)
        except InvalidHashError:
            return True


class PasswordHashing:
    """Adapts any configured hasher to one async interface (used by :class:`~lucia_core.Auth`)."""

    def __init__(self, hasher: PasswordHasher | Mapping[str, Any] | None) -> None:
        if hasher is None:
            hasher = Argon2idHasher()
        if isinstance(hasher, Mapping):
            generate, validate = hasher.get("generate"), hasher.get("validate")
            needs_rehash = hasher.get("needs_rehash")
        else:
            generate = getattr(hasher, "generate", None)
            validate = getattr(hasher, "validate", None)
            needs_rehash = getattr(hasher, "needs_rehash", None)
        if not callable(generate) or not callable(validate):
            raise TypeError("password_hash needs callable generate(password) and validate(password, hash)")
        self.hasher = hasher
        self._generate: Callable[[str], Any] = generate
        self._validate: Callable[[str, str], Any] = validate
        self._needs_rehash: Callable[[str], Any] | None = needs_rehash if callable(needs_rehash) else None
        self._dummy_hash: str | None = None

    async def _call(self, func: Callable[..., Any], *args: str) -> Any:
        if inspect.iscoroutinefunction(func):
            return await func(*args)
        result = await run_blocking(func, *args)
        return await result if inspect.isawaitable(result) else result

    async def generate(self, password: str) -> str:
        """Hash an already normalized password."""
        hashed = await self._call(self._generate, password)
        if not isinstance(hashed, str):
            raise TypeError("password_hash.generate must return a str")
        return hashed

    async def validate(self, password: str, hash: str) -> bool:
        """Validate an already normalized password against ``hash``."""
        return bool(await self._call(self._validate, password, hash))

    async def needs_rehash(self, hash: str) -> bool:
        """Whether a hash that just validated should be replaced by a fresh one."""
        if self._needs_rehash is None:
            return False
        return bool(await self._call(self._needs_rehash, hash))

    async def spend_validation(self, password: str) -> None:
        """Do the work of one validation and discard it.

        Used when there is no stored hash to check (unknown key), so that the response time does
        not tell whether the key exists.
        """
        if self._dummy_hash is None:
            self._dummy_hash = await self.generate("lucia-core timing equalizer")
        await self.validate(password, self._dummy_hash)
