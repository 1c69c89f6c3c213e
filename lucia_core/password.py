"""Password hashing: Argon2id by default, Lucia v2 scrypt hashes still accepted, hashes upgraded.

A password hasher is any object (or dict) with ``generate(password) -> str`` and
``validate(password, hash) -> bool``, sync or async; sync ones run in a worker thread. It may also
have ``needs_rehash(hash) -> bool``: after a successful sign-in with a hash for which it answers
True, the key is rehashed with ``generate`` and stored; and ``dummy_hash() -> str``: a hash no
password matches that costs a full validation, checked when a sign-in names an unknown key (without
it, one is generated once with ``generate``).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import inspect
import os
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from .errors import LuciaError
from .scrypt import is_lucia_password_hash, validate_lucia_password_hash_sync
from .threads import WorkerThreads

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


#: The default hasher's parameters: argon2-cffi's ``profiles.RFC_9106_LOW_MEMORY`` (RFC 9106's
#: second recommended option: Argon2id, m=64 MiB, t=3) with one lane (p=1) instead of its four.
#: An attacker's cost per guess is the memory filled times the passes over it, the same for any p;
#: lanes only let one hash use several cores. With p=1 a hash holds one core (118 ms here, against
#: 93 ms on two cores with p=4), so on a small machine sign-ins never take the core the event loop
#: needs (docs/benchmarks.md, the login scenario). OWASP's minimum for Argon2id is m=19 MiB, t=2,
#: p=1: this fills over three times the memory, with one pass more.
DEFAULT_PROFILE = dataclasses.replace(argon2.profiles.RFC_9106_LOW_MEMORY, parallelism=1)

#: The default niceness of the hashing threads (Linux): see :class:`Argon2idHasher`.
DEFAULT_NICENESS = 19

# OWASP Password Storage Cheat Sheet: Argon2id with at least m=19 MiB (19456 KiB), t=2, p=1.
_OWASP_MINIMUM = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}


class Argon2idHasher:
    """The default hasher: Argon2id through argon2-cffi, on worker threads of its own.

    Parameters: ``profile`` (an ``argon2.Parameters``, default :data:`DEFAULT_PROFILE`), and
    ``time_cost``, ``memory_cost`` (KiB) or ``parallelism`` to override single values of it;
    anything below OWASP's minimum for Argon2id (m=19 MiB, t=2, p=1) is refused with ValueError.
    ``validate`` also accepts Lucia v2's scrypt hashes (``s2:salt:key`` and the older
    ``salt:key``); ``needs_rehash`` is True for those and for Argon2 hashes made with other
    parameters, so they are upgraded at the next sign-in.

    Where hashing runs: ``max_concurrent`` threads (default: one fewer than the machine's cores,
    at least one; further hashes queue) at ``niceness`` (default :data:`DEFAULT_NICENESS`, the
    lowest priority, on Linux; 0 keeps the event loop's priority). Argon2id runs its p lanes on
    threads of its own, started from the hashing thread, and they inherit its niceness: when the
    CPU is contended the kernel runs the event loop (and a local database) first and hashing gets
    what is left, so under login load sign-ins slow down rather than every request. The threads
    start with the first hash; :meth:`close` stops them (call it at shutdown).
    """

    def __init__(
        self,
        *,
        profile: argon2.Parameters = DEFAULT_PROFILE,
        time_cost: int | None = None,
        memory_cost: int | None = None,
        parallelism: int | None = None,
        max_concurrent: int | None = None,
        niceness: int = DEFAULT_NICENESS,
    ) -> None:
        if not isinstance(profile, argon2.Parameters) or profile.type is not argon2.Type.ID:
            raise TypeError("profile must be an argon2.Parameters of type Argon2id (argon2.profiles...)")
        chosen = {
            "time_cost": profile.time_cost if time_cost is None else time_cost,
            "memory_cost": profile.memory_cost if memory_cost is None else memory_cost,
            "parallelism": profile.parallelism if parallelism is None else parallelism,
        }
        if any(chosen[name] < minimum for name, minimum in _OWASP_MINIMUM.items()):
            raise ValueError("Argon2id parameters below OWASP's minimum (t>=2, m>=19456 KiB, p>=1)")
        self._hasher = argon2.PasswordHasher(
            time_cost=chosen["time_cost"],
            memory_cost=chosen["memory_cost"],
            parallelism=chosen["parallelism"],
            hash_len=profile.hash_len,
            salt_len=profile.salt_len,
            type=argon2.Type.ID,
        )
        self._version = profile.version
        self.threads = WorkerThreads(workers=max_concurrent, niceness=niceness, name="lucia-hash")

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
        return await self.threads.run(self.generate_sync, password)

    async def validate(self, password: str, hash: str) -> bool:
        """True when ``password`` matches an Argon2 or Lucia v2 scrypt ``hash``; else False."""
        return await self.threads.run(self.validate_sync, password, hash)

    def needs_rehash(self, hash: str) -> bool:
        """True unless ``hash`` is Argon2id with exactly the current parameters."""
        if not hash.startswith("$argon2id$"):
            return True
        try:
            return self._hasher.check_needs_rehash(hash)
        except InvalidHashError:
            return True

    def dummy_hash(self) -> str:
        """An Argon2id hash with the current parameters that no password matches, made without
        hashing (a random salt and a random digest): validating against it costs exactly what
        validating against a real hash costs, from the first sign-in on."""
        salt, digest = (_b64(os.urandom(size)) for size in (self._hasher.salt_len, self._hasher.hash_len))
        p = self.parameters
        return (
            f"$argon2id$v={self._version}$m={p['memory_cost']},t={p['time_cost']},"
            f"p={p['parallelism']}${salt}${digest}"
        )

    def close(self) -> None:
        """Stop the hashing threads after the hashes in progress (a later hash starts them again)."""
        self.threads.close()

    def __repr__(self) -> str:
        p = self.parameters
        return (
            f"Argon2idHasher(t={p['time_cost']}, m={p['memory_cost']} KiB, p={p['parallelism']},"
            f" max_concurrent={self.threads.workers}, niceness={self.threads.niceness})"
        )


def _b64(data: bytes) -> str:
    # The PHC string format's base64: standard alphabet, no padding.
    return base64.b64encode(data).rstrip(b"=").decode("ascii")


class PasswordHashing:
    """Adapts any configured hasher to one async interface (used by :class:`~lucia_core.Auth`).

    Sync methods of a custom hasher run on worker threads of this object's own (at
    :data:`DEFAULT_NICENESS`); :meth:`close` stops them, and the default hasher's when this object
    made it.
    """

    def __init__(self, hasher: PasswordHasher | Mapping[str, Any] | None) -> None:
        self._owns_hasher = hasher is None
        if hasher is None:
            hasher = Argon2idHasher()
        if isinstance(hasher, Mapping):
            generate, validate = hasher.get("generate"), hasher.get("validate")
            needs_rehash, dummy_hash = hasher.get("needs_rehash"), hasher.get("dummy_hash")
        else:
            generate = getattr(hasher, "generate", None)
            validate = getattr(hasher, "validate", None)
            needs_rehash = getattr(hasher, "needs_rehash", None)
            dummy_hash = getattr(hasher, "dummy_hash", None)
        if not callable(generate) or not callable(validate):
            raise TypeError("password_hash needs callable generate(password) and validate(password, hash)")
        self.hasher = hasher
        self._generate: Callable[[str], Any] = generate
        self._validate: Callable[[str, str], Any] = validate
        self._needs_rehash: Callable[[str], Any] | None = needs_rehash if callable(needs_rehash) else None
        self._threads = WorkerThreads(niceness=DEFAULT_NICENESS, name="lucia-hash")
        # The hash an unknown key is checked against: the hasher's own dummy (made without
        # hashing), else one generated once and shared by every caller (see spend_validation).
        self._dummy_hash: str | None = dummy_hash() if callable(dummy_hash) else None
        if self._dummy_hash is not None and not isinstance(self._dummy_hash, str):
            raise TypeError("password_hash.dummy_hash must return a str")
        self._dummy_pending: asyncio.Future[str] | None = None

    async def _call(self, func: Callable[..., Any], *args: str) -> Any:
        if inspect.iscoroutinefunction(func):
            return await func(*args)
        result = await self._threads.run(func, *args)
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

    async def dummy_hash(self) -> str:
        """The hash unknown keys are checked against: made at most once, however many callers
        ask at the same time (they all await the one generation in progress)."""
        if self._dummy_hash is not None:
            return self._dummy_hash
        pending = self._dummy_pending
        # A generation started on another event loop cannot be awaited here: start one on this one.
        if pending is None or pending.get_loop() is not asyncio.get_running_loop():
            pending = self._dummy_pending = asyncio.ensure_future(
                self.generate("lucia-core timing equalizer")
            )
        try:
            # Shielded: a caller that is cancelled does not cancel the others' generation.
            hashed = await asyncio.shield(pending)
        except BaseException:
            if pending.done() and self._dummy_pending is pending:
                self._dummy_pending = None  # a failed generation is retried by the next caller
            raise
        self._dummy_hash, self._dummy_pending = hashed, None
        return hashed

    async def spend_validation(self, password: str) -> None:
        """Do the work of one validation and discard it.

        Used when there is no stored hash to check (unknown key), so that the response time does
        not tell whether the key exists.
        """
        await self.validate(password, await self.dummy_hash())

    def close(self) -> None:
        """Stop the worker threads (this object's, and the default hasher's when it made it)."""
        self._threads.close()
        if self._owns_hasher and isinstance(self.hasher, Argon2idHasher):
            self.hasher.close()
